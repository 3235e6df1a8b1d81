// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.regularizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.kindling.core.autodiff.GradientCheck;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Keras's weight regularizers: the penalties against hand-computed values, their gradients against central
 * differences, their JSON forms, and the training loop adding them once per step to the mean loss and gradient.
 */
class RegularizerTest {
    private static final double EXACT = 1e-12;
    private static final Tensor W = Tensor.of(new double[] {0.5, -1.5, 0.0, 2.0}, 2, 2).astype(DType.FLOAT64);

    private static double penalty(Regularizer r, Tensor w) {
        return r.penalty(Variable.constant(w)).value().item();
    }

    private static Tensor gradient(Regularizer r, Tensor w) {
        Variable leaf = Variable.leaf(w.copy());
        r.penalty(leaf).backward();
        return leaf.grad();
    }

    /** Hand-computed: sum|w| = 4, sum w^2 = 0.25 + 2.25 + 0 + 4 = 6.5. */
    @Test
    void penaltiesAndGradientsAreKerasFormulas() {
        assertEquals(0.01 * 4, penalty(Regularizer.l1(0.01), W), EXACT);
        assertEquals(0.001 * 6.5, penalty(Regularizer.l2(0.001), W), EXACT);
        assertEquals(0.1 * 4 + 0.2 * 6.5, penalty(Regularizer.l1L2(0.1, 0.2), W), EXACT);
        assertEquals(0.0, penalty(Regularizer.l1L2(0, 0), W), EXACT);
        // d/dw l1*|w| = l1*sign(w), 0 at 0 (as TensorFlow's); d/dw l2*w^2 = 2*l2*w.
        assertArrayEquals(new double[] {0.01, -0.01, 0.0, 0.01}, gradient(Regularizer.l1(0.01), W));
        assertArrayEquals(new double[] {0.001, -0.003, 0.0, 0.004}, gradient(Regularizer.l2(0.001), W));
        assertArrayEquals(new double[] {0.1 + 0.2, -0.1 - 0.6, 0.0, 0.1 + 0.8}, gradient(Regularizer.l1L2(0.1, 0.2), W));
    }

    private static void assertArrayEquals(double[] expected, Tensor actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.getFlat(i), EXACT, "element " + i);
        }
    }

    @Test
    void gradientsMatchCentralDifferences() {
        GradientCheck.check(v -> Ops.abs(v.get(0)), GradientCheck.awayFromZero(1, 3, 4));
        for (Regularizer r : List.of(Regularizer.l1(0.3), Regularizer.l2(0.7), Regularizer.l1L2(0.2, 0.05))) {
            GradientCheck.check(v -> r.penalty(v.get(0)), GradientCheck.awayFromZero(2, 5, 3));
        }
    }

    @Test
    void jsonFormsWithKerasDefaults() throws Exception {
        var json = Registry.json();
        assertEquals(new L2(0.01), json.readValue("{\"type\": \"l2\"}", Regularizer.class));
        assertEquals(new L1(0.01), json.readValue("{\"type\": \"l1\"}", Regularizer.class));
        assertEquals(new L1L2(0, 0), json.readValue("{\"type\": \"l1_l2\"}", Regularizer.class));
        // No type: Keras's regularizer_l1_l2 with the factors given (the job file's `kernel-regularizer { l2 = ... }`).
        assertEquals(new L1L2(0, 0.001), json.readValue("{\"l2\": 0.001}", Regularizer.class));
        assertEquals(new L1L2(0.02, 0.001), json.readValue("{\"l1\": 0.02, \"l2\": 0.001}", Regularizer.class));
        assertEquals("{\"type\":\"l2\",\"l2\":0.001}", json.writeValueAsString(Regularizer.l2(0.001)));

        Dense dense = new Dense(4, Activation.RELU, 3).withKernelRegularizer(Regularizer.l2(0.001))
                .withBiasRegularizer(Regularizer.l1(0.5));
        String written = json.writeValueAsString(dense);
        assertEquals("{\"type\":\"dense\",\"units\":4,\"activation\":\"relu\",\"input_dim\":3,\"kernel_regularizer\":"
                + "{\"type\":\"l2\",\"l2\":0.001},\"bias_regularizer\":{\"type\":\"l1\",\"l1\":0.5}}", written);
        assertEquals(dense, json.readValue(written, Layer.class));
        // Without regularizers the JSON is what it always was (checkpoints' fingerprints compare it).
        assertEquals("{\"type\":\"dense\",\"units\":4,\"activation\":\"relu\",\"input_dim\":3}",
                json.writeValueAsString(new Dense(4, Activation.RELU, 3)));
        Conv2D conv = new Conv2D(2, 3, Activation.RELU).withKernelRegularizer(Regularizer.l1L2(0.01, 0.02));
        assertEquals(conv, json.readValue(json.writeValueAsString(conv), Layer.class));
        assertTrue(json.writeValueAsString(conv).contains("\"kernel_regularizer\":{\"type\":\"l1_l2\""));
        assertNull(conv.biasRegularizer());
    }

    @Test
    void badFactorsAreRefusedNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Regularizer.l2(-0.1));
        assertEquals("l2 regularizer: l2 must be a finite number >= 0, got -0.1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Regularizer.l1(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Regularizer.l1L2(0.1, Double.POSITIVE_INFINITY));
        ValueInstantiationException j = assertThrows(ValueInstantiationException.class,
                () -> Registry.json().readValue("{\"l1\": -1}", Regularizer.class));
        assertTrue(j.getMessage().contains("l1 must be a finite number >= 0, got -1.0"), j.getMessage());
        assertThrows(Exception.class, () -> Registry.json().readValue("{\"l3\": 1}", Regularizer.class));
        // A misspelt type is an error, never a silent l1_l2.
        var unknown = assertThrows(com.fasterxml.jackson.databind.exc.InvalidTypeIdException.class,
                () -> Registry.json().readValue("{\"type\": \"l3\", \"l2\": 1}", Regularizer.class));
        assertTrue(unknown.getMessage().contains("'l3'"), unknown.getMessage());
    }

    /** A regularizer of one's own: a few lines and one registration, and a model file carries it. */
    record Cubic(@JsonProperty("factor") double factor) implements Regularizer {
        @Override
        public Variable penalty(Variable w) {
            return Ops.scale(Ops.sum(Ops.mul(Ops.square(w), Ops.abs(w))), factor);
        }
    }

    @Test
    void ownRegularizerThroughTheRegistry() throws Exception {
        Registry.regularizer("cubic", Cubic.class);
        Layer read = Registry.json().readValue("{\"type\": \"dense\", \"units\": 2, \"kernel_regularizer\":"
                + " {\"type\": \"cubic\", \"factor\": 0.5}}", Layer.class);
        assertEquals(new Dense(2).withKernelRegularizer(new Cubic(0.5)), read);
        assertEquals(0.5 * (0.125 + 3.375 + 8), penalty(new Cubic(0.5), W), EXACT);
        GradientCheck.check(v -> new Cubic(0.5).penalty(v.get(0)), GradientCheck.awayFromZero(3, 4, 2));

        Sequential model = regularized(Optimizer.sgd(0.1), new Cubic(0.5));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        model.save(file);
        Sequential loaded = Sequential.load(new ByteArrayInputStream(file.toByteArray()), "memory");
        assertEquals(model.layers(), loaded.layers());
    }

    private static Sequential regularized(Optimizer optimizer, Regularizer kernel) {
        Sequential model = new Sequential(new Dense(5, Activation.TANH, 3).withKernelRegularizer(kernel)
                .withBiasRegularizer(Regularizer.l1(0.03)), new Dense(2).withKernelRegularizer(Regularizer.l2(0.02)))
                .dtype(DType.FLOAT64).seed(7);
        model.compile(optimizer, Loss.MEAN_SQUARED_ERROR, Metric.MAE);
        return model;
    }

    private static Tensor[] data(int rows) {
        Random rng = new Random(3);
        double[] x = new double[rows * 3];
        double[] y = new double[rows * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextGaussian();
        }
        return new Tensor[] {Tensor.of(x, rows, 3).astype(DType.FLOAT64), Tensor.of(y, rows, 2).astype(DType.FLOAT64)};
    }

    /**
     * One full-batch SGD step (learning rate 1) moves the weights by minus the step's gradient; that gradient must be
     * the central difference of evaluate's loss (mean data loss + penalty) at the starting weights, and the history's
     * loss must be that loss: the penalty and its gradient are each added once.
     */
    @Test
    void fitStepIsTheGradientOfLossPlusPenalty() {
        Tensor[] d = data(12);
        Sequential model = regularized(Optimizer.sgd(1.0), Regularizer.l1L2(0.01, 0.05));
        Tensor start = model.weights();
        double lossAtStart = model.evaluate(d[0], d[1]).loss();
        History history = model.fit(d[0], d[1], FitOptions.builder().epochs(1).batchSize(12).seed(1).listeners().build());
        assertEquals(lossAtStart, history.get("loss").get(0), 1e-12, "history's loss = data loss + penalty");
        Tensor step = start.sub(model.weights());

        Sequential probe = regularized(Optimizer.sgd(1.0), Regularizer.l1L2(0.01, 0.05));
        double h = 1e-6;
        for (int i = 0; i < start.size(); i++) {
            Tensor plus = start.copy();
            plus.setFlat(i, start.getFlat(i) + h);
            probe.setWeights(plus);
            double up = probe.evaluate(d[0], d[1]).loss();
            Tensor minus = start.copy();
            minus.setFlat(i, start.getFlat(i) - h);
            probe.setWeights(minus);
            double down = probe.evaluate(d[0], d[1]).loss();
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, step.getFlat(i), 1e-6 + 1e-5 * Math.abs(numeric), "weight " + i);
        }
        // The penalty is a real part of it: without regularizers the same step is different.
        Sequential plain = new Sequential(new Dense(5, Activation.TANH, 3), new Dense(2)).dtype(DType.FLOAT64).seed(7);
        plain.compile(Optimizer.sgd(1.0), Loss.MEAN_SQUARED_ERROR, Metric.MAE);
        double dataLoss = plain.evaluate(d[0], d[1]).loss();
        double penalty = lossAtStart - dataLoss;
        assertEquals(model.network().regularization(start, null), penalty, 1e-12);
        assertTrue(penalty > 0.01, "penalty " + penalty);
    }

    /** Keras regularizes trainable weights only: a frozen layer's penalty neither counts nor moves it. */
    @Test
    void frozenLayersAreNotRegularized() {
        Tensor[] d = data(8);
        Sequential model = regularized(Optimizer.sgd(0.1), Regularizer.l2(0.5));
        Tensor all = model.weights();
        double full = model.network().regularization(all, null);
        model.freezeWeights(0, 0);
        model.compile(Optimizer.sgd(0.1), Loss.MEAN_SQUARED_ERROR, Metric.MAE);
        double second = model.network().regularization(all, null);
        assertTrue(second < full && second > 0, second + " vs " + full);
        List<Tensor> before = model.layerWeights(0);
        model.fit(d[0], d[1], FitOptions.builder().epochs(1).batchSize(8).seed(1).listeners().build());
        assertTrue(Tensors.allClose(model.layerWeights(0).get(0), before.get(0), 0, 0));
    }

    @Test
    void savedModelsAndKerasFilesKeepRegularizers() throws Exception {
        Sequential model = new Sequential(new Conv2D(2, 3, Activation.RELU).withInputShape(5, 5, 1)
                .withKernelRegularizer(Regularizer.l2(0.001)).withBiasRegularizer(Regularizer.l1L2(0.1, 0.2)),
                new Flatten(), new Dense(3, Activation.SOFTMAX).withKernelRegularizer(Regularizer.l1(0.01))).seed(3);
        model.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        model.save(file);
        assertEquals(model.layers(), Sequential.load(new ByteArrayInputStream(file.toByteArray()), "memory").layers());

        ByteArrayOutputStream keras = new ByteArrayOutputStream();
        model.exportKeras(keras);
        String config = kerasConfig(keras.toByteArray());
        assertTrue(config.contains("\"kernel_regularizer\":{\"module\":\"keras.regularizers\",\"class_name\":\"L2\","
                + "\"config\":{\"l2\":0.001},\"registered_name\":null}"), config);
        assertTrue(config.contains("{\"module\":\"keras.regularizers\",\"class_name\":\"L1L2\",\"config\":{\"l1\":0.1,"
                + "\"l2\":0.2},\"registered_name\":null}"), config);
        Sequential back = Sequential.loadKeras(new ByteArrayInputStream(keras.toByteArray()), "memory.keras");
        assertEquals(model.layers(), back.layers());
        // ONNX holds inference only: the regularizers are left out, the export works as without them.
        ByteArrayOutputStream onnx = new ByteArrayOutputStream();
        model.exportOnnx(onnx);
        assertTrue(onnx.size() > 0);
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    /**
     * A regularized fit killed mid-epoch and resumed from its checkpoint ends with the weights and history (penalty
     * included) of the uninterrupted fit; a checkpoint of the same model without regularizers is another fit's.
     */
    @Test
    void checkpointsResumeRegularizedFits() {
        Tensor[] d = data(40);
        FitOptions plain = FitOptions.builder().epochs(3).batchSize(8).seed(1).validationSplit(0.25).listeners().build();
        Sequential expected = regularized(Optimizer.adam(0.01), Regularizer.l2(0.05));
        History expectedHistory = expected.fit(d[0], d[1], plain);

        var backup = dev.kindling.core.checkpoint.BackupAndRestore.to(dev.kindling.core.io.FileStore.local(dir))
                .everySteps(2).keep(2);
        dev.kindling.core.model.TrainingListener crash = new dev.kindling.core.model.TrainingListener() {
            private int steps;

            @Override
            public void onBatchEnd(dev.kindling.core.model.TrainingData.Step step, double seconds,
                                   java.util.Map<String, Double> logs) {
                if (++steps == 7) {
                    throw new IllegalStateException("crash at step 7");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> regularized(Optimizer.adam(0.01), Regularizer.l2(0.05))
                .fit(d[0], d[1], FitOptions.builder().epochs(3).batchSize(8).seed(1).validationSplit(0.25)
                        .listeners(backup.build(), crash).build()));
        Sequential resumed = regularized(Optimizer.adam(0.01), Regularizer.l2(0.05));
        History history = resumed.fit(d[0], d[1], FitOptions.builder().epochs(3).batchSize(8).seed(1)
                .validationSplit(0.25).listeners(backup.build()).build());
        assertTrue(Tensors.allClose(resumed.weights(), expected.weights(), 0, 0), "weights bit for bit");
        assertEquals(expectedHistory.asMap(), history.asMap());

        Sequential unregularized = new Sequential(new Dense(5, Activation.TANH, 3), new Dense(2)).dtype(DType.FLOAT64)
                .seed(7);
        unregularized.compile(Optimizer.adam(0.01), Loss.MEAN_SQUARED_ERROR, Metric.MAE);
        var refused = assertThrows(dev.kindling.core.model.CheckpointMismatchException.class,
                () -> unregularized.fit(d[0], d[1], FitOptions.builder().epochs(3).batchSize(8).seed(1)
                        .validationSplit(0.25).listeners(backup.build()).build()));
        assertTrue(refused.getMessage().contains("regularizer"), refused.getMessage());
    }

    private static String kerasConfig(byte[] zip) throws Exception {
        try (var in = new java.util.zip.ZipInputStream(new ByteArrayInputStream(zip))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals("config.json")) {
                    return Registry.json().readTree(in.readAllBytes()).toString();
                }
            }
        }
        throw new AssertionError("no config.json");
    }
}
