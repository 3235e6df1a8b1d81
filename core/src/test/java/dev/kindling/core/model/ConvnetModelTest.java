// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.GlobalAveragePooling2D;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models over images: shapes, summary, image and flat inputs, errors that name the shapes, save and load. */
class ConvnetModelTest {

    /**
     * 8x8 one-channel images with a bright horizontal (class 0) or vertical (class 1) bar at a random place, on
     * noise: a dense layer on raw pixels cannot tell them apart by position, a convolution can.
     */
    static Tensor[] bars(int n, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * 64];
        float[] y = new float[n * 2];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(2);
            int at = rng.nextInt(8);
            for (int p = 0; p < 64; p++) {
                x[i * 64 + p] = (float) (0.2 * rng.nextDouble());
            }
            for (int k = 0; k < 8; k++) {
                x[i * 64 + (c == 0 ? at * 8 + k : k * 8 + at)] += 1f;
            }
            y[i * 2 + c] = 1f;
        }
        return new Tensor[] {Tensor.of(x, n, 8, 8, 1), Tensor.of(y, n, 2)};
    }

    private static Sequential small() {
        Sequential model = new Sequential(
                new Conv2D(4, 3, Activation.RELU).withInputShape(8, 8, 1),
                new MaxPooling2D(2),
                new Flatten(),
                new Dense(2, Activation.SOFTMAX)).seed(3);
        model.compile(Optimizer.rmsprop(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions quiet(int epochs) {
        return FitOptions.builder().epochs(epochs).batchSize(16).seed(5).listeners().build();
    }

    @Test
    void theChapter5ModelHasKerasShapesAndParameterCounts() {
        String summary = Convnet.chapter5().summary();
        String[][] rows = {
            {"conv2d (Conv2D)", "(None, 26, 26, 32)", "320"},
            {"max_pooling2d (MaxPooling2D)", "(None, 13, 13, 32)", "0"},
            {"conv2d_1 (Conv2D)", "(None, 11, 11, 64)", "18,496"},
            {"max_pooling2d_1 (MaxPooling2D)", "(None, 5, 5, 64)", "0"},
            {"conv2d_2 (Conv2D)", "(None, 3, 3, 64)", "36,928"},
            {"flatten (Flatten)", "(None, 576)", "0"},
            {"dense (Dense)", "(None, 64)", "36,928"},
            {"dense_1 (Dense)", "(None, 10)", "650"}};
        for (String[] row : rows) {
            assertTrue(summary.lines().anyMatch(line -> line.trim().startsWith(row[0])
                    && line.contains(row[1]) && line.trim().endsWith(row[2])), row[0] + " in\n" + summary);
        }
        assertTrue(summary.contains("Total params: 93,322"), summary);
    }

    @Test
    void aConvnetLearnsWhatADenseLayerOnPixelsCannot() {
        Tensor[] train = bars(400, 1);
        Tensor[] test = bars(200, 2);
        Sequential model = small();
        model.fit(train[0], train[1], quiet(4));
        double accuracy = model.evaluate(test[0], test[1]).accuracy();
        assertTrue(accuracy > 0.95, "test accuracy " + accuracy);
    }

    @Test
    void imagesAndTheirFlatRowsTrainTheSameWeights() {
        Tensor[] data = bars(64, 3);
        Sequential images = small();
        Sequential rows = small();
        images.fit(data[0], data[1], quiet(1));
        rows.fit(data[0].reshape(64, 64), data[1], quiet(1));
        assertEquals(images.weights(), rows.weights());
        assertArrayEquals(images.predictClasses(data[0]), rows.predictClasses(data[0].reshape(64, -1)));
        assertEquals(Shape.of(64, 2), images.predict(data[0]).shape());
    }

    /** A convnet without an input shape, given flat rows: the message names the missing shape and a likely one. */
    @Test
    void aConvnetWithoutAnInputShapeGivenFlatRowsSaysWhatToDeclare() {
        Sequential model = new Sequential(new Conv2D(4, 3, Activation.RELU), new Flatten(),
                new Dense(2, Activation.SOFTMAX));
        model.compile(dev.kindling.core.optim.Optimizer.rmsprop(), dev.kindling.core.losses.Loss.CATEGORICAL_CROSSENTROPY);
        var e = assertThrows(IllegalArgumentException.class,
                () -> model.fit(Tensor.zeros(DType.FLOAT32, 4, 784), Tensor.zeros(DType.FLOAT32, 4, 2), quiet(1)));
        assertEquals("Conv2D needs the model's input shape (height, width, channels), and the model declares none:"
                + " declare it on the first layer (withInputShape); the data has 784 features, samples of shape (784,), e.g. (28, 28, 1)",
                e.getMessage());
        assertFalse(model.isBuilt());
    }

    @Test
    void shapesThatDoNotFitAreNamedWithExpectedAndGot() {
        Sequential model = small();
        var e = assertThrows(IllegalArgumentException.class,
                () -> model.fit(Tensor.zeros(DType.FLOAT32, 4, 8, 7, 1), Tensor.zeros(DType.FLOAT32, 4, 2), quiet(1)));
        assertTrue(e.getMessage().contains("(8, 8, 1)") && e.getMessage().contains("(4, 8, 7, 1)")
                && e.getMessage().contains("64 values"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Conv2D(4, 5, Activation.RELU).withInputShape(3, 3, 1), new Flatten(),
                        new Dense(2, Activation.SOFTMAX)));
        assertTrue(e.getMessage().contains("layer 1 (Conv2D)") && e.getMessage().contains("5x5")
                && e.getMessage().contains("(3, 3, 1)") && e.getMessage().contains("'valid'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Conv2D(4, 3, Activation.RELU).withInputShape(8, 8, 1), new MaxPooling2D(2),
                        new Dense(2, Activation.SOFTMAX)));
        assertTrue(e.getMessage().contains("layer 3 (Dense)") && e.getMessage().contains("(3, 3, 4)")
                && e.getMessage().contains("Flatten"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Conv2D(4, 3, Activation.RELU).withInputShape(8, 8, 1), new MaxPooling2D(7)));
        assertTrue(e.getMessage().contains("layer 2 (MaxPooling2D)") && e.getMessage().contains("7x7")
                && e.getMessage().contains("(6, 6, 4)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Conv2D(4, 3, Activation.RELU).withInputShape(8, 8, 1)).network());
        assertTrue(e.getMessage().contains("(6, 6, 4)") && e.getMessage().contains("Flatten"), e.getMessage());

        // No declared shape: flat rows cannot be images.
        Sequential undeclared = new Sequential(new Conv2D(4, 3, Activation.RELU), new Flatten(),
                new Dense(2, Activation.SOFTMAX));
        undeclared.compile(Optimizer.sgd(), Loss.CATEGORICAL_CROSSENTROPY);
        e = assertThrows(IllegalArgumentException.class,
                () -> undeclared.fit(Tensor.zeros(DType.FLOAT32, 4, 64), Tensor.zeros(DType.FLOAT32, 4, 2), quiet(1)));
        assertTrue(e.getMessage().contains("Conv2D") && e.getMessage().contains("(height, width, channels)")
                && e.getMessage().contains("(64,)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2D(4, 3, Activation.RELU).withInputShape(28, 28, 0));
        assertTrue(e.getMessage().contains("(28, 28, 0)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MaxPooling2D(0));
        assertTrue(e.getMessage().contains("0x0"), e.getMessage());
    }

    @Test
    void anUndeclaredShapeIsTakenFromTheImages() {
        Sequential model = new Sequential(new Conv2D(2, 3, Activation.RELU).withPadding(Padding.SAME),
                new GlobalAveragePooling2D(), new Dense(2, Activation.SOFTMAX));
        model.compile(Optimizer.sgd(), Loss.CATEGORICAL_CROSSENTROPY);
        Tensor[] data = bars(8, 4);
        model.fit(data[0], data[1], quiet(1));
        assertEquals(Shape.of(8, 8, 1), model.network().inputShape());
        assertEquals(3 * 3 * 2 + 2 + 2 * 2 + 2, model.weights().size());
    }

    @Test
    void aNonFiniteImagePixelIsNamedByRowAndColumn() {
        Tensor[] data = bars(6, 5);
        Tensor x = data[0].copy();
        x.set(Double.NaN, 4, 2, 3, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> small().fit(x, data[1], quiet(1)));
        assertTrue(e.getMessage().contains("row 4, column " + (2 * 8 + 3)) && e.getMessage().contains("NaN"),
                e.getMessage());
    }

    @Test
    void saveThenLoadKeepsTheShapeAndResumesTheSameTraining(@TempDir Path dir) throws IOException {
        Tensor[] data = bars(48, 6);
        Sequential model = small();
        model.fit(data[0], data[1], quiet(1));
        Path file = dir.resolve("convnet.kindling");
        model.save(file);
        Sequential loaded = Sequential.load(file);
        assertEquals(Shape.of(8, 8, 1), loaded.network().inputShape());
        assertEquals(model.summary(), loaded.summary());
        model.fit(data[0], data[1], quiet(1));
        loaded.fit(data[0], data[1], quiet(1));
        assertEquals(model.weights(), loaded.weights());
    }
}
