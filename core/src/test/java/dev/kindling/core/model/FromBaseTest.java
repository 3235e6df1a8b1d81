// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.autodiff.GradientCheck;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model surgery: a saved model's first layers, with their weights, under a new head. */
class FromBaseTest {

    private static Sequential smallConvnet() {
        return new Sequential(new Conv2D(4, 3, Activation.RELU).withInputShape(8, 8, 1), new MaxPooling2D(2),
                new Flatten(), new Dense(6, Activation.RELU), new Dense(3, Activation.SOFTMAX)).seed(7);
    }

    @Test
    void aSavedBaseKeepsItsWeightsAndTheNewHeadIsFresh(@TempDir Path dir) throws IOException {
        Sequential original = smallConvnet();
        original.save(dir.resolve("base.kindling"));
        Sequential base = Sequential.load(dir.resolve("base.kindling"));
        Tensor baseWeights = base.weights();

        Sequential model = Sequential.fromBase(base, 3).freezeBase()
                .add(new Dense(5, Activation.RELU), new Dense(2, Activation.SOFTMAX)).seed(1).build();
        assertEquals(List.of("conv2d", "max_pooling2d", "flatten", "dense", "dense_1"), model.layerNames());
        for (int i = 0; i < 3; i++) {
            List<Tensor> kept = model.layerWeights(i);
            List<Tensor> from = original.layerWeights(i);
            assertEquals(from.size(), kept.size());
            for (int p = 0; p < kept.size(); p++) {
                assertArrayEquals(from.get(p).toFloatArray(), kept.get(p).toFloatArray(), "layer " + i + " weight " + p);
            }
        }
        assertEquals(List.of(false, false, false, true, true),
                List.of(model.isTrainable(0), model.isTrainable(1), model.isTrainable(2), model.isTrainable(3),
                        model.isTrainable(4)));
        assertEquals(2, model.network().outputDim());
        // The new layers are initialized from the builder's seed: another seed, other head weights.
        Sequential other = Sequential.fromBase(base, 3).add(new Dense(5, Activation.RELU), new Dense(2,
                Activation.SOFTMAX)).seed(2).build();
        assertFalse(java.util.Arrays.equals(model.layerWeights(3).get(0).toFloatArray(),
                other.layerWeights(3).get(0).toFloatArray()));
        assertTrue(other.isTrainable(0), "without freezeBase the base's own flags are kept");
        // The base did not change.
        assertArrayEquals(baseWeights.toFloatArray(), base.weights().toFloatArray());
        // Its first layers compute what the base's first layers compute.
        Tensor x = GradientCheck.input(3, 0, 1, 2, 8, 8, 1).astype(dev.kindling.core.tensor.DType.FLOAT32);
        Sequential keptOnly = Sequential.fromBase(base, 4).build();
        Sequential baseOnly = Sequential.fromBase(original, 4).build();
        assertArrayEquals(baseOnly.predict(x).toFloatArray(), keptOnly.predict(x).toFloatArray());
    }

    @Test
    void aHeadThatDoesNotFitTheBaseNamesTheShapes() {
        Sequential base = smallConvnet();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.fromBase(base, 2).add(new Dense(3, Activation.SOFTMAX)).build());
        assertTrue(e.getMessage().contains("(3, 3, 4)") && e.getMessage().contains("Flatten"), e.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> Sequential.fromBase(base, 6));
        assertTrue(range.getMessage().contains("1..5"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sequential.fromBase(base, 0));
        IllegalArgumentException declared = assertThrows(IllegalArgumentException.class,
                () -> Sequential.fromBase(base, 3).add(new Dense(3, Activation.SOFTMAX, 36)).build());
        assertTrue(declared.getMessage().contains("declares an input shape"), declared.getMessage());
        assertThrows(IllegalStateException.class, () -> Sequential.fromBase(new Sequential(new Dense(2)), 1));
    }

    @Test
    void layerWeightsAreCheckedAndNothingChangesOnABadOne() {
        Sequential model = smallConvnet();
        Tensor before = model.weights();
        List<Tensor> dense = model.layerWeights(3);
        assertEquals(List.of(dev.kindling.core.tensor.Shape.of(36, 6), dev.kindling.core.tensor.Shape.of(6)),
                dense.stream().map(Tensor::shape).toList());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> model.setLayerWeights(3, List.of(dense.get(0), Tensor.zeros(dense.get(1).dtype(), 7))));
        assertTrue(shape.getMessage().contains("dense") && shape.getMessage().contains("(7"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.setLayerWeights(3, List.of(dense.get(0))));
        assertThrows(IllegalArgumentException.class, () -> model.layerWeights(5));
        assertArrayEquals(before.toFloatArray(), model.weights().toFloatArray());
        assertEquals(List.of(), model.layerWeights(1), "pooling has no weights");
        dense.get(1).fillInPlace(0.5);
        model.setLayerWeights(3, dense);
        assertEquals(0.5, model.layerWeights(3).get(1).getFlat(5));
    }
}
