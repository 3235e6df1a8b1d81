// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.autodiff.GradientCheck;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keras's sample_weight, class_weight and validation_data, against hand-made equivalents. */
class WeightsTest {
    private static final double FLOAT64 = 1e-12;

    private static Network network(Activation output, int outputs) {
        return new Network(List.of(new Dense(5, Activation.TANH), new Dense(outputs, output)), 3, DType.FLOAT64);
    }

    /** A sample of integer weight w counts as w copies of it: the summed gradient of both batches is the same. */
    @ParameterizedTest
    @ValueSource(strings = {"categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
        "mean_squared_error"})
    void aWeightOfWIsWCopiesOfTheSample(String lossName) {
        Loss loss = Registry.loss(lossName);
        int outputs = loss == Loss.BINARY_CROSSENTROPY ? 1 : 3;
        Activation activation = loss == Loss.MEAN_SQUARED_ERROR ? Activation.LINEAR
                : outputs == 1 ? Activation.SIGMOID : Activation.SOFTMAX;
        Network net = network(activation, outputs);
        Tensor weights = net.initialWeights(7);
        Tensor x = GradientCheck.input(1, -1, 1, 3, 3);
        Tensor y = targets(loss, 3, outputs);
        double[] w = {2, 1, 3};

        Tensor weighted = Tensor.zeros(DType.FLOAT64, weights.size());
        BatchStats a = BatchGradient.accumulate(net, loss, List.of(), weights, x, y, Tensor.of(w, 3),
                ForwardContext.inference(), weighted);
        int[] copies = {0, 0, 1, 2, 2, 2};
        Tensor repeated = Tensor.zeros(DType.FLOAT64, weights.size());
        BatchStats b = BatchGradient.accumulate(net, loss, List.of(), weights, x.take(0, copies), y.take(0, copies),
                ForwardContext.inference(), repeated);
        assertEquals(b.lossSum(), a.lossSum(), FLOAT64);
        assertArrayEquals(repeated.toDoubleArray(), weighted.toDoubleArray(), FLOAT64);
    }

    /** Central differences of the weighted loss agree with its gradient. */
    @Test
    void theWeightedLossHasTheRightGradient() {
        Tensor y = targets(Loss.CATEGORICAL_CROSSENTROPY, 4, 3);
        Tensor w = Tensor.of(new double[] {0.5, 2, 0, 1.5}, 4);
        GradientCheck.check(v -> Loss.CATEGORICAL_CROSSENTROPY.batchSum(v.get(0), Activation.SOFTMAX, y, w),
                GradientCheck.input(3, -2, 2, 4, 3));
        Tensor binary = Tensor.of(new double[] {1, 0, 1, 1}, 4, 1);
        GradientCheck.check(v -> Loss.BINARY_CROSSENTROPY.batchSum(v.get(0), Activation.SIGMOID, binary, w),
                GradientCheck.input(4, -2, 2, 4, 1));
    }

    /** Class weights are sample weights looked up by each target's class (one-hot, index, or one sigmoid unit). */
    @Test
    void classWeightsWeighSamplesByTheirClass() {
        ClassWeights cw = ClassWeights.of(Map.of(1, 4.0, 2, 0.5), 3);
        Tensor oneHot = Tensor.of(new double[] {0, 1, 0, 0, 0, 1, 1, 0, 0}, 3, 3);
        assertArrayEquals(new double[] {4, 0.5, 1}, cw.weights(oneHot, Loss.CATEGORICAL_CROSSENTROPY, null)
                .toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {4, 0.5, 1}, cw.weights(Tensor.of(new double[] {1, 2, 0}, 3),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY, null).toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {8, 1.5, 1}, cw.weights(oneHot, Loss.CATEGORICAL_CROSSENTROPY,
                Tensor.of(new double[] {2, 3, 1}, 3)).toDoubleArray(), 0.0);
        ClassWeights binary = ClassWeights.of(Map.of(1, 9.0), 1);
        assertArrayEquals(new double[] {9, 1}, binary.weights(Tensor.of(new double[] {0.8, 0.1}, 2, 1),
                Loss.BINARY_CROSSENTROPY, null).toDoubleArray(), 0.0);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassWeights.of(Map.of(3, 1.0), 3));
        assertEquals("class_weight: class 3 is not one of the model's classes 0..2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClassWeights.of(Map.of(0, -1.0), 3));
        assertEquals("class_weight: class 0 has weight -1.0, expected a finite number >= 0", e.getMessage());
    }

    @Test
    void badSampleWeightsAreNamedBeforeTraining() {
        Sequential model = new Sequential(new Dense(2, Activation.SOFTMAX, 3));
        model.compile(Optimizer.sgd(), Loss.CATEGORICAL_CROSSENTROPY);
        Tensor before = model.weights();
        Tensor x = GradientCheck.input(1, -1, 1, 3, 3).astype(DType.FLOAT32);
        Tensor y = Tensor.of(new float[] {1, 0, 0, 1, 1, 0}, 3, 2);
        FitOptions quiet = FitOptions.builder().listeners().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.fit(x, y, Tensor.of(new float[] {1, Float.NaN, 1}, 3), quiet));
        assertEquals("fit: sample_weight: row 1 has weight NaN, expected a finite number >= 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.fit(x, y, Tensor.of(new float[] {1, 1}, 2), quiet));
        assertTrue(e.getMessage().contains("expected one weight per sample, shape (3,), got (2,)"), e.getMessage());
        assertEquals(before, model.weights(), "nothing trained");
    }

    /** validation_data replaces the split: the last epoch's val_loss is the final model's loss on that data. */
    @Test
    void validationDataIsWhatValidates() {
        Tensor[] train = blobs(200, 1);
        Tensor[] validation = blobs(60, 2);
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX));
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        History history = model.fit(train[0], train[1], FitOptions.builder().epochs(3).batchSize(20)
                .validationSplit(0.5).validationData(validation[0], validation[1]).listeners().build());
        assertEquals(10, model.optimizerState().iterations() / 3, "all 200 rows trained: validation_data wins");
        assertEquals(model.evaluate(validation[0], validation[1]).loss(), history.get("val_loss").get(2), 0.0);
    }

    /**
     * The class-weighted fit of the issue: digits with class 3 cut to 5% of its samples; weighting it by 20 raises
     * its recall on the test digits.
     */
    @Test
    void classWeightsRaiseTheRecallOfARareClass() throws IOException {
        Mnist digits = Mnist.load(Path.of(System.getProperty("kindling.data.dir", "../data"), "mnist-digits"));
        Tensor x = Mnist.flattenAndScale(digits.trainImages());
        Tensor labels = digits.trainLabels();
        List<Integer> kept = new ArrayList<>();
        Random rng = new Random(1);
        for (int i = 0; i < labels.size(); i++) {
            if (labels.getFlat(i) != 3 || rng.nextDouble() < 0.05) {
                kept.add(i);
            }
        }
        int[] rows = kept.stream().mapToInt(Integer::intValue).toArray();
        Tensor xs = x.take(0, rows);
        Tensor ys = Labels.toCategorical(labels.take(0, rows), 10);
        Tensor testX = Mnist.flattenAndScale(digits.testImages());
        Tensor testLabels = digits.testLabels();
        double without = recallOf3(fitOn(xs, ys, Map.of()), testX, testLabels);
        double with = recallOf3(fitOn(xs, ys, Map.of(3, 20.0)), testX, testLabels);
        System.out.printf(java.util.Locale.ROOT, "class 3 cut to 5%% (%d of %d training digits are 3s): test recall of"
                + " class 3 without class weights %.4f, with class_weight {3: 20} %.4f%n",
                rows.length - (int) java.util.Arrays.stream(rows).filter(r -> labels.getFlat(r) != 3).count(),
                rows.length, without, with);
        assertTrue(with > without + 0.1, "recall with weights " + with + " vs without " + without);
    }

    private static Sequential fitOn(Tensor x, Tensor y, Map<Integer, Double> classWeights) {
        Sequential model = new Sequential(new Dense(64, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX))
                .seed(1);
        model.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        model.fit(x, y, FitOptions.builder().epochs(2).batchSize(64).seed(1).classWeights(classWeights).listeners()
                .build());
        return model;
    }

    private static double recallOf3(Sequential model, Tensor x, Tensor labels) {
        int[] predicted = model.predictClasses(x);
        int threes = 0;
        int found = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (labels.getFlat(i) == 3) {
                threes++;
                found += predicted[i] == 3 ? 1 : 0;
            }
        }
        return (double) found / threes;
    }

    private static Tensor targets(Loss loss, int rows, int outputs) {
        if (loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY) {
            return Tensor.of(new double[] {2, 0, 1}, rows);
        }
        if (outputs == 1) {
            return Tensor.of(new double[] {1, 0, 1, 1}, 4, 1).slice(0, 0, rows);
        }
        double[] t = new double[rows * outputs];
        for (int r = 0; r < rows; r++) {
            t[r * outputs + (r * 2) % outputs] = loss == Loss.MEAN_SQUARED_ERROR ? 0.7 : 1;
        }
        return Tensor.of(t, rows, outputs);
    }

    private static Tensor[] blobs(int n, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * 4];
        float[] y = new float[n * 3];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) ((j == c ? 2.0 : 0.0) + 0.5 * rng.nextGaussian());
            }
            y[i * 3 + c] = 1f;
        }
        return new Tensor[] {Tensor.of(x, n, 4), Tensor.of(y, n, 3)};
    }
}
