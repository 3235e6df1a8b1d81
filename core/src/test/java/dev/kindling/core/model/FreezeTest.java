// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.autodiff.GradientCheck;
import dev.kindling.core.checkpoint.BackupAndRestore;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Frozen layers (Keras's {@code trainable = FALSE}): their weights get no gradient and never move, the optimizer
 * keeps no slots for them, and the trainable weights train exactly as they would if the frozen layers were a fixed
 * function of the inputs.
 */
class FreezeTest {
    private static final double FLOAT64 = 1e-12;

    private static List<Layer> mlp() {
        return List.of(new Dense(5, Activation.TANH, 3), new Dense(4, Activation.TANH), new Dense(3, Activation.SOFTMAX));
    }

    private static Tensor oneHot(int rows, int classes, long seed) {
        Random rng = new Random(seed);
        Tensor y = Tensor.zeros(DType.FLOAT64, rows, classes);
        for (int i = 0; i < rows; i++) {
            y.setFlat(i * classes + rng.nextInt(classes), 1.0);
        }
        return y;
    }

    private static Tensor gradient(Network net, Tensor weights, Tensor x, Tensor y, ForwardContext context) {
        Tensor grad = Tensor.zeros(DType.FLOAT64, weights.size());
        BatchGradient.accumulate(net, Loss.CATEGORICAL_CROSSENTROPY, List.of(), weights, x, y, context, grad);
        return grad;
    }

    /**
     * For each choice of one frozen layer: the frozen layer's gradient entries stay exactly 0, and every trainable
     * entry matches central differences of the summed loss (and the gradient with nothing frozen).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void frozenWeightsGetNoGradientAndTheOthersTheFiniteDifferenceOne(int frozen) {
        List<Boolean> flags = new ArrayList<>(Collections.nCopies(3, Boolean.TRUE));
        flags.set(frozen, false);
        Network all = new Network(mlp(), 3, DType.FLOAT64);
        Network net = all.withTrainable(flags);
        Tensor weights = all.initialWeights(4);
        Tensor x = GradientCheck.input(1, -1, 1, 6, 3);
        Tensor y = oneHot(6, 3, 2);
        Tensor grad = gradient(net, weights, x, y, ForwardContext.inference());
        Tensor full = gradient(all, weights, x, y, ForwardContext.inference());
        ParameterLayout layout = net.layout();
        for (ParameterLayout.Entry e : layout.entries()) {
            for (int i = e.offset(); i < e.offset() + e.shape().size(); i++) {
                if (e.layerIndex() == frozen) {
                    assertEquals(0.0, grad.getFlat(i), "frozen layer " + frozen + "'s gradient at " + i);
                    continue;
                }
                double numeric = (loss(net, weights, x, y, i, GradientCheck.STEP)
                        - loss(net, weights, x, y, i, -GradientCheck.STEP)) / (2 * GradientCheck.STEP);
                assertEquals(numeric, grad.getFlat(i),
                        GradientCheck.ABS_TOLERANCE + GradientCheck.REL_TOLERANCE * Math.abs(numeric), "weight " + i);
                assertEquals(full.getFlat(i), grad.getFlat(i), FLOAT64, "weight " + i + " as with nothing frozen");
            }
        }
    }

    private static double loss(Network net, Tensor weights, Tensor x, Tensor y, int i, double delta) {
        Tensor w = weights.copy();
        w.setFlat(i, w.getFlat(i) + delta);
        return BatchGradient.evaluate(net, Loss.CATEGORICAL_CROSSENTROPY, List.of(), w, x, y).lossSum();
    }

    /** An identity layer that notes whether its input is part of the recorded graph. */
    private record Probe(boolean[] sawGraph) implements Layer {
        @Override
        public String typeName() {
            return "Probe";
        }

        @Override
        public dev.kindling.core.tensor.Shape outputShape(dev.kindling.core.tensor.Shape inputShape) {
            return inputShape;
        }

        @Override
        public List<dev.kindling.core.tensor.Shape> parameterShapes(dev.kindling.core.tensor.Shape inputShape) {
            return List.of();
        }

        @Override
        public dev.kindling.core.autodiff.Variable forwardPreActivation(dev.kindling.core.autodiff.Variable input,
                List<dev.kindling.core.autodiff.Variable> parameters, ForwardContext context) {
            sawGraph[0] = input.requiresGrad();
            return input;
        }
    }

    /** Below the first trainable layer no graph is recorded (no backward at all); above a frozen layer it is. */
    @Test
    void aFrozenBaseRecordsNoGraph() {
        boolean[] saw = new boolean[1];
        List<Layer> layers = List.of(new Dense(5, Activation.TANH, 3), new Probe(saw), new Dense(3, Activation.SOFTMAX));
        Network all = new Network(layers, 3, DType.FLOAT64);
        Tensor weights = all.initialWeights(1);
        Tensor x = GradientCheck.input(1, -1, 1, 4, 3);
        Tensor y = oneHot(4, 3, 2);
        gradient(all, weights, x, y, ForwardContext.inference());
        assertTrue(saw[0], "with nothing frozen the first layer's output is in the graph");
        gradient(all.withTrainable(List.of(false, true, true)), weights, x, y, ForwardContext.inference());
        assertFalse(saw[0], "with the first layer frozen its output is a constant");
    }

    /** Dropout inside a frozen base still drops units in training, as in Keras: the head sees the same masks. */
    @Test
    void dropoutInAFrozenBaseStillActsInTraining() {
        List<Layer> layers = List.of(new Dense(6, Activation.RELU, 3), new Dropout(0.5), new Dense(3, Activation.SOFTMAX));
        Network all = new Network(layers, 3, DType.FLOAT64);
        Network frozenBase = all.withTrainable(List.of(false, false, true));
        Tensor weights = all.initialWeights(8);
        Tensor x = GradientCheck.input(3, -1, 1, 8, 3);
        Tensor y = oneHot(8, 3, 4);
        ForwardContext training = ForwardContext.training(77, new long[] {0, 1, 2, 3, 4, 5, 6, 7});
        Tensor frozen = gradient(frozenBase, weights, x, y, training);
        Tensor trainable = gradient(all, weights, x, y, training);
        Tensor noDropout = gradient(frozenBase, weights, x, y, ForwardContext.inference());
        int head = all.layout().entries().get(2).offset();
        for (int i = head; i < weights.size(); i++) {
            assertEquals(trainable.getFlat(i), frozen.getFlat(i), FLOAT64, "head weight " + i);
        }
        double differs = 0;
        for (int i = head; i < weights.size(); i++) {
            differs = Math.max(differs, Math.abs(frozen.getFlat(i) - noDropout.getFlat(i)));
        }
        assertTrue(differs > 1e-3, "dropout changed the head's gradient by " + differs);
    }

    /**
     * Golden, by hand: x = 1, y = 0, mean squared error, a frozen Dense(1) with w1 = 2, b1 = 0.5 below a trainable
     * Dense(1) with w2 = 3, b2 = -1, SGD with learning rate 0.01. h = 2.5, out = 6.5, dL/dout = 13: w2 -= 0.01 * 32.5,
     * b2 -= 0.01 * 13. Step 2: out = 2.675 * 2.5 - 1.13 = 5.5575, dL/dout = 11.115.
     */
    @Test
    void sgdGoldenAfterOneAndTwoStepsWithAFrozenFirstLayer() {
        Sequential model = twoScalars();
        model.freezeWeights(0, 0);
        model.compile(Optimizer.sgd(0.01), Loss.MEAN_SQUARED_ERROR);
        Tensor x = Tensor.of(new double[] {1}, 1, 1);
        Tensor y = Tensor.of(new double[] {0}, 1, 1);
        FitOptions one = FitOptions.builder().epochs(1).batchSize(1).shuffle(false).build();
        model.fit(x, y, one);
        assertArrayEquals(new double[] {2, 0.5, 2.675, -1.13}, model.weights().toDoubleArray(), FLOAT64);
        model.fit(x, y, one);
        assertArrayEquals(new double[] {2, 0.5, 2.675 - 0.01 * 11.115 * 2.5, -1.13 - 0.01 * 11.115},
                model.weights().toDoubleArray(), FLOAT64);
        assertEquals(List.of(), model.optimizerState().slots(), "plain SGD keeps no slots");
    }

    /**
     * Adam's slots hold the trainable weights only (2 of 4), and after two steps they and the weights are Keras's
     * formula applied to the head's gradients (the frozen layer's values untouched).
     */
    @Test
    void adamGoldenKeepsSlotsForTheTrainableWeightsOnly() {
        Sequential model = twoScalars();
        model.freezeWeights(0, 0);
        model.compile(Optimizer.adam(0.1), Loss.MEAN_SQUARED_ERROR);
        Tensor x = Tensor.of(new double[] {1}, 1, 1);
        Tensor y = Tensor.of(new double[] {0}, 1, 1);
        model.fit(x, y, FitOptions.builder().epochs(2).batchSize(1).shuffle(false).build());
        double w = 3;
        double b = -1;
        double[] m = new double[2];
        double[] v = new double[2];
        for (int t = 1; t <= 2; t++) {
            double g = 2 * (w * 2.5 + b);
            double[] grads = {g * 2.5, g};
            double lr = 0.1 * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
            double[] params = {w, b};
            for (int i = 0; i < 2; i++) {
                m[i] = 0.9 * m[i] + 0.1 * grads[i];
                v[i] = 0.999 * v[i] + 0.001 * grads[i] * grads[i];
                params[i] -= lr * m[i] / (Math.sqrt(v[i]) + 1e-7);
            }
            w = params[0];
            b = params[1];
        }
        assertArrayEquals(new double[] {2, 0.5, w, b}, model.weights().toDoubleArray(), FLOAT64);
        assertEquals(2, model.optimizerState().iterations());
        assertEquals(2, model.optimizerState().slots().size());
        assertArrayEquals(m, model.optimizerState().slot(0).toDoubleArray(), FLOAT64);
        assertArrayEquals(v, model.optimizerState().slot(1).toDoubleArray(), FLOAT64);
    }

    private static Sequential twoScalars() {
        Sequential model = new Sequential(new Dense(1, Activation.LINEAR, 1), new Dense(1)).dtype(DType.FLOAT64);
        model.setWeights(Tensor.of(new double[] {2, 0.5, 3, -1}, 4));
        return model;
    }

    /**
     * Keras's semantics in one sentence: a frozen base is a fixed function of the inputs. Fitting base + head with the
     * base frozen (several epochs, shuffled batches, RMSprop, validation) gives the head exactly the weights that
     * fitting the head alone on the base's outputs gives, and the base's weights bit for bit their starting values.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rmsprop", "adam", "sgd"})
    void aFrozenBaseTrainsTheHeadAsIfItsOutputsWereTheInputs(String optimizer) {
        Tensor x = GradientCheck.input(11, -1, 1, 60, 3);
        Tensor y = oneHot(60, 3, 12);
        Sequential model = new Sequential(mlp()).dtype(DType.FLOAT64).seed(5);
        Tensor before = model.weights();
        model.freezeWeights(0, 1);
        model.compile(Registry.optimizer(optimizer), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        FitOptions options = FitOptions.builder().epochs(3).batchSize(8).validationSplit(0.25).seed(2).build();
        History history = model.fit(x, y, options);

        Sequential base = Sequential.fromBase(model, 2).build();
        base.setWeights(before.slice(0, 0, base.weights().size()));
        Tensor features = base.predict(x);
        Sequential head = new Sequential(new Dense(3, Activation.SOFTMAX, 4)).dtype(DType.FLOAT64);
        head.setWeights(before.slice(0, base.weights().size(), before.size()));
        head.compile(Registry.optimizer(optimizer), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        History headHistory = head.fit(features, y, options);

        Tensor after = model.weights();
        int baseSize = base.weights().size();
        for (int i = 0; i < baseSize; i++) {
            assertEquals(before.getFlat(i), after.getFlat(i), 0.0, "frozen weight " + i);
        }
        assertArrayEquals(head.weights().toDoubleArray(), after.slice(0, baseSize, after.size()).toDoubleArray(),
                FLOAT64);
        assertEquals(headHistory.get("val_loss").get(2), history.get("val_loss").get(2), FLOAT64);
        assertNotEquals(before.getFlat(baseSize), after.getFlat(baseSize), "the head moved");
    }

    /** Chapter 5's convnet with its convolutional base frozen: Keras's counts in summary(). */
    @Test
    void summaryCountsTrainableAndNonTrainableParametersAsKeras() {
        Sequential convnet = convnet();
        assertTrue(convnet.summary().contains("Non-trainable params: 0\n"), convnet.summary());
        convnet.freezeWeights("conv2d", "conv2d_2");
        String summary = convnet.summary();
        assertTrue(summary.contains("Total params: 93,322\n"), summary);
        assertTrue(summary.contains("Trainable params: 37,578\n"), summary);
        assertTrue(summary.contains("Non-trainable params: 55,744\n"), summary);
        assertEquals(37_578, convnet.trainableParameterCount());
        convnet.unfreezeWeights("conv2d_2", null);
        assertTrue(convnet.summary().contains("Trainable params: 74,506\n"), convnet.summary());
        assertEquals(List.of(false, false, false, false, true, true, true, true),
                List.of(convnet.isTrainable(0), convnet.isTrainable(1), convnet.isTrainable(2), convnet.isTrainable(3),
                        convnet.isTrainable(4), convnet.isTrainable(5), convnet.isTrainable(6), convnet.isTrainable(7)));
    }

    private static Sequential convnet() {
        return new Sequential(new Conv2D(32, 3, Activation.RELU).withInputShape(28, 28, 1), new MaxPooling2D(2),
                new Conv2D(64, 3, Activation.RELU), new MaxPooling2D(2), new Conv2D(64, 3, Activation.RELU),
                new Flatten(), new Dense(64, Activation.RELU), new Dense(10, Activation.SOFTMAX));
    }

    @Test
    void badFreezesNameTheProblemAndChangeNothing() {
        Sequential convnet = convnet();
        String before = convnet.summary();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> convnet.freezeWeights("block5_conv1", null));
        assertTrue(unknown.getMessage().contains("'block5_conv1'") && unknown.getMessage().contains("conv2d_1"),
                unknown.getMessage());
        IllegalArgumentException nothing = assertThrows(IllegalArgumentException.class,
                () -> convnet.freezeWeights(1, 1));
        assertTrue(nothing.getMessage().contains("max_pooling2d") && nothing.getMessage().contains("freeze nothing"),
                nothing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> convnet.freezeWeights(3, 2));
        assertThrows(IllegalArgumentException.class, () -> convnet.freezeWeights(0, 8));
        assertThrows(IllegalArgumentException.class, () -> convnet.unfreezeWeights(-1, 2));
        assertEquals(before, convnet.summary());

        Sequential unbuilt = new Sequential(new Dense(3), new Dense(2));
        IllegalStateException notBuilt = assertThrows(IllegalStateException.class, () -> unbuilt.freezeWeights(0, 0));
        assertTrue(notBuilt.getMessage().contains("not built"), notBuilt.getMessage());
    }

    /** As Keras, a freeze takes effect at compile; we say so instead of silently training the old set. */
    @Test
    void fitAfterFreezingWithoutCompileSaysToCompileAndAllFrozenCannotFit() {
        Tensor x = GradientCheck.input(11, -1, 1, 20, 3);
        Tensor y = oneHot(20, 3, 12);
        Sequential model = new Sequential(mlp()).dtype(DType.FLOAT64);
        model.compile(Optimizer.adam(), Loss.CATEGORICAL_CROSSENTROPY);
        FitOptions options = FitOptions.builder().epochs(1).batchSize(10).build();
        model.fit(x, y, options);
        assertEquals(model.weights().size(), model.optimizerState().slot(0).size());
        Tensor weights = model.weights();
        model.freezeWeights("dense", "dense_1");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.fit(x, y, options));
        assertTrue(e.getMessage().contains("dense frozen") && e.getMessage().contains("compile"), e.getMessage());
        assertArrayEquals(weights.toDoubleArray(), model.weights().toDoubleArray(), 0.0);
        model.compile(Optimizer.adam(), Loss.CATEGORICAL_CROSSENTROPY);
        model.fit(x, y, options);
        assertEquals(15, model.optimizerState().slot(0).size(), "a fresh state, slots for dense_2's 15 weights");

        model.freezeWeights();
        model.compile(Optimizer.adam(), Loss.CATEGORICAL_CROSSENTROPY);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> model.fit(x, y, options));
        assertTrue(none.getMessage().contains("frozen"), none.getMessage());
    }

    /** Flags and the trainable-only optimizer state are saved; the loaded model trains on exactly as the original. */
    @Test
    void savedAndLoadedEqualsOriginal(@TempDir Path dir) throws IOException {
        Tensor x = GradientCheck.input(11, -1, 1, 40, 3);
        Tensor y = oneHot(40, 3, 12);
        Sequential model = new Sequential(mlp()).seed(3);
        model.freezeWeights(1, 1);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        FitOptions options = FitOptions.builder().epochs(1).batchSize(8).seed(4).build();
        model.fit(x, y, options);
        model.save(dir.resolve("m.kindling"));
        Sequential loaded = Sequential.load(dir.resolve("m.kindling"));
        assertFalse(loaded.isTrainable(1));
        assertTrue(loaded.isTrainable(0) && loaded.isTrainable(2));
        assertEquals(model.summary(), loaded.summary());
        model.fit(x, y, options);
        loaded.fit(x, y, options);
        assertArrayEquals(model.weights().toFloatArray(), loaded.weights().toFloatArray());
        assertArrayEquals(model.optimizerState().slot(1).toFloatArray(), loaded.optimizerState().slot(1).toFloatArray());
    }

    /** A fit with a frozen layer killed mid-way and resumed from its checkpoints ends bit-identical. */
    @Test
    void crashedAndResumedWithFrozenLayersEqualsUninterrupted(@TempDir Path dir) {
        Tensor x = GradientCheck.input(11, -1, 1, 50, 3).astype(DType.FLOAT32);
        Tensor y = oneHot(50, 3, 12).astype(DType.FLOAT32);
        Sequential expected = frozenMiddle();
        expected.fit(x, y, FitOptions.builder().epochs(3).batchSize(8).seed(4).build());

        BackupAndRestore.Builder backup = BackupAndRestore.to(FileStore.local(dir)).everySteps(3).keep(2);
        TrainingListener crash = new TrainingListener() {
            private int steps;

            @Override
            public void onBatchEnd(TrainingData.Step step, double elapsed, Map<String, Double> logs) {
                if (++steps == 11) {
                    throw new IllegalStateException("crash");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> frozenMiddle().fit(x, y,
                FitOptions.builder().epochs(3).batchSize(8).seed(4).listeners(backup.build(), crash).build()));
        Sequential resumed = frozenMiddle();
        resumed.fit(x, y, FitOptions.builder().epochs(3).batchSize(8).seed(4).listeners(backup.build()).build());
        assertArrayEquals(expected.weights().toFloatArray(), resumed.weights().toFloatArray());

        // The same checkpoints do not resume a fit with other frozen layers.
        Sequential other = new Sequential(mlp()).seed(3);
        other.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY);
        CheckpointMismatchException mismatch = assertThrows(CheckpointMismatchException.class, () -> other.fit(x, y,
                FitOptions.builder().epochs(4).batchSize(8).seed(4).listeners(backup.build()).build()));
        assertTrue(mismatch.getMessage().contains("trainable"), mismatch.getMessage());
    }

    private static Sequential frozenMiddle() {
        Sequential model = new Sequential(mlp()).seed(3);
        model.freezeWeights(1, 1);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY);
        return model;
    }
}
