// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Keras workflow on small synthetic problems: building, fitting, evaluating, errors, save and load. */
class SequentialTest {

    /** Three Gaussian blobs in 4-d: learnable to near 100% by a small MLP. */
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

    private static Sequential smallModel() {
        Sequential model = new Sequential(new Dense(16, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX));
        model.compile(Optimizer.rmsprop(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions quiet(int epochs, int batch, double split) {
        return FitOptions.builder().epochs(epochs).batchSize(batch).validationSplit(split).seed(7).listeners().build();
    }

    @Test
    void summaryOfTheSeedNetworkMatchesKeras() {
        Sequential network = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX));
        String summary = network.summary();
        assertTrue(summary.contains("dense (Dense)"), summary);
        assertTrue(summary.contains("dense_1 (Dense)"), summary);
        assertTrue(summary.contains("(None, 512)") && summary.contains("401,920"), summary);
        assertTrue(summary.contains("(None, 10)") && summary.contains("5,130"), summary);
        assertTrue(summary.contains("Total params: 407,050"), summary);
    }

    @Test
    void learnsBlobsAndReportsKerasHistory() {
        Tensor[] train = blobs(600, 1);
        Tensor[] test = blobs(300, 2);
        Sequential model = smallModel();
        History history = model.fit(train[0], train[1], quiet(10, 32, 0.2));
        assertEquals(List.of("loss", "accuracy", "val_loss", "val_accuracy", "lr"),
                List.copyOf(history.asMap().keySet()));
        assertEquals(0.01, history.get("lr").get(9), Tolerances.FLOAT64);
        assertEquals(10, history.epochs());
        assertTrue(history.get("loss").get(9) < history.get("loss").get(0), history.toString());
        Evaluation result = model.evaluate(test[0], test[1]);
        assertTrue(result.accuracy() > 0.9, result.toString());
        int[] classes = model.predictClasses(test[0]);
        assertEquals(300, classes.length);
        Tensor probabilities = model.predict(test[0]);
        assertEquals(Shape.of(300, 3), probabilities.shape());
        Tensor rowSums = probabilities.sum(1, false);
        assertTrue(Tensors.allClose(rowSums, Tensor.ones(DType.FLOAT32, 300), 0, Tolerances.FLOAT32_SUMS), rowSums.toString());
    }

    @Test
    void validationUsesTheLastFractionOfTheSamples() {
        Tensor[] data = blobs(100, 3);
        Sequential model = smallModel();
        History history = model.fit(data[0], data[1], quiet(1, 16, 0.25));
        Evaluation lastQuarter = model.evaluate(data[0].slice(0, 75, 100), data[1].slice(0, 75, 100));
        assertEquals(lastQuarter.loss(), history.get("val_loss").get(0), Tolerances.FLOAT64);
        assertEquals(lastQuarter.accuracy(), history.get("val_accuracy").get(0), Tolerances.FLOAT64);
    }

    @Test
    void sameSeedsGiveTheSameWeightsAndOtherSeedsDoNot() {
        Tensor[] data = blobs(200, 4);
        Sequential a = smallModel();
        Sequential b = smallModel();
        a.fit(data[0], data[1], quiet(2, 32, 0));
        b.fit(data[0], data[1], quiet(2, 32, 0));
        assertEquals(a.weights(), b.weights());
        Sequential c = smallModel();
        c.fit(data[0], data[1], FitOptions.builder().epochs(2).batchSize(32).seed(8).listeners().build());
        assertNotEquals(a.weights(), c.weights());
    }

    @Test
    void summedGradientsOfBatchPartsEqualTheWholeBatch() {
        // The basis of data-parallel training: splitting a batch across workers and adding their sums
        // gives the one-JVM gradient, dropout included (masks follow the sample, not the worker).
        Tensor[] data = blobs(50, 5);
        Network net = new Network(List.of(new Dense(8, Activation.TANH), new Dropout(0.3),
                new Dense(3, Activation.SOFTMAX)), 4, DType.FLOAT32);
        Tensor weights = net.initialWeights(3);
        List<Metric> metrics = List.of(Metric.CATEGORICAL_ACCURACY);
        long[] ids = Stream.iterate(0L, i -> i + 1).limit(50).mapToLong(Long::longValue).toArray();
        Tensor whole = Tensor.zeros(DType.FLOAT32, weights.size());
        BatchStats all = BatchGradient.accumulate(net, Loss.CATEGORICAL_CROSSENTROPY, metrics, weights,
                data[0], data[1], ForwardContext.training(11, ids), whole);
        Tensor parts = Tensor.zeros(DType.FLOAT32, weights.size());
        BatchStats sum = BatchStats.empty(metrics);
        int[][] splits = {{0, 17}, {17, 17}, {17, 50}};
        for (int[] s : splits) {
            long[] partIds = java.util.Arrays.copyOfRange(ids, s[0], s[1]);
            if (partIds.length == 0) {
                continue;
            }
            sum = sum.merge(BatchGradient.accumulate(net, Loss.CATEGORICAL_CROSSENTROPY, metrics, weights,
                    data[0].slice(0, s[0], s[1]), data[1].slice(0, s[0], s[1]),
                    ForwardContext.training(11, partIds), parts));
        }
        assertTrue(Tensors.allClose(parts, whole, Tolerances.FLOAT32_SUMS, Tolerances.FLOAT32_SUMS));
        assertEquals(all.lossSum(), sum.lossSum(), Tolerances.FLOAT32_SUMS * Math.abs(all.lossSum()));
        assertEquals(all.metricSums()[0], sum.metricSums()[0], 0.0);
        assertEquals(50, sum.count());
    }

    @Test
    void fitBeforeCompileIsAnError() {
        Sequential model = new Sequential(new Dense(3, Activation.SOFTMAX, 4));
        Tensor[] data = blobs(10, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> model.fit(data[0], data[1], quiet(1, 4, 0)));
        assertTrue(e.getMessage().contains("before compile"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> model.evaluate(data[0], data[1]));
    }

    @Test
    void badInputsNameTheProblemAndChangeNothing() {
        Sequential model = smallModel();
        Tensor before = model.weights();
        Tensor[] data = blobs(10, 1);

        var e = assertThrows(IllegalArgumentException.class,
                () -> model.fit(Tensor.zeros(DType.FLOAT32, 10, 5), data[1], quiet(1, 4, 0)));
        assertTrue(e.getMessage().contains("4 features") && e.getMessage().contains("(10, 5)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> model.fit(Tensor.zeros(DType.FLOAT32, 10, 2, 2), data[1], quiet(1, 4, 0)));
        assertTrue(e.getMessage().contains("(10, 2, 2)") && e.getMessage().contains("reshape"), e.getMessage());

        Tensor withNaN = data[0].copy();
        withNaN.set(Double.NaN, 6, 2);
        e = assertThrows(IllegalArgumentException.class, () -> model.fit(withNaN, data[1], quiet(1, 4, 0)));
        assertTrue(e.getMessage().contains("row 6, column 2") && e.getMessage().contains("NaN"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> model.fit(data[0], data[1].slice(0, 0, 9), quiet(1, 4, 0)));
        assertTrue(e.getMessage().contains("(9, 3)") && e.getMessage().contains("10 input rows"), e.getMessage());

        Sequential sparse = new Sequential(new Dense(3, Activation.SOFTMAX, 4));
        sparse.compile(Optimizer.sgd(), Loss.SPARSE_CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        Tensor labels = Tensor.of(new float[] {0, 1, 2, 3, 0, 1, 2, 0, 1, 2}, 10);
        e = assertThrows(IllegalArgumentException.class, () -> sparse.fit(data[0], labels, quiet(1, 4, 0)));
        assertTrue(e.getMessage().contains("row 3") && e.getMessage().contains("[0, 3)"), e.getMessage());

        assertEquals(before, model.weights());
        assertEquals(null, model.optimizerState());
    }

    @Test
    void aLossThatBecomesNaNStopsTrainingNamingEpochAndStep() {
        Sequential model = new Sequential(new Dense(1, Activation.LINEAR, 4));
        model.compile(Optimizer.sgd(1e25, 0.0, false), Loss.MEAN_SQUARED_ERROR);
        Tensor x = Tensor.ones(DType.FLOAT32, 8, 4);
        Tensor y = Tensor.full(Shape.of(8, 1), DType.FLOAT32, 3.0);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> model.fit(x, y, quiet(3, 4, 0)));
        assertEquals(1, e.epoch());
        assertEquals(2, e.step());
        assertTrue(e.getMessage().contains("epoch 1, step 2"), e.getMessage());
        assertTrue(!model.weights().hasNonFinite(), "the diverging step must not be applied");
    }

    @Test
    void float64ModelsTrainToo() {
        Tensor[] data = blobs(200, 6);
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX))
                .dtype(DType.FLOAT64);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        model.fit(data[0], data[1], quiet(5, 16, 0));
        assertEquals(DType.FLOAT64, model.weights().dtype());
        assertTrue(model.evaluate(data[0], data[1]).accuracy() > 0.8);
    }

    @Test
    void saveThenLoadRoundTripsExactlyAndResumesTheSameTraining(@TempDir Path dir) throws IOException {
        Tensor[] data = blobs(120, 7);
        Sequential model = smallModel();
        model.fit(data[0], data[1], quiet(1, 32, 0));
        Path file = dir.resolve("model.kindling");
        model.save(file);
        model.save(file); // overwrite in place
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files are left behind");
        }

        Sequential loaded = Sequential.load(file);
        assertEquals(model.weights(), loaded.weights());
        assertEquals(model.compileConfig(), loaded.compileConfig());
        assertEquals(model.optimizerState().iterations(), loaded.optimizerState().iterations());
        for (int i = 0; i < model.optimizerState().slots().size(); i++) {
            assertEquals(model.optimizerState().slots().get(i), loaded.optimizerState().slots().get(i));
        }
        assertEquals(model.summary(), loaded.summary());

        model.fit(data[0], data[1], quiet(1, 32, 0));
        loaded.fit(data[0], data[1], quiet(1, 32, 0));
        assertEquals(model.weights(), loaded.weights());
        assertArrayEquals(model.predictClasses(data[0]), loaded.predictClasses(data[0]));
    }

    /** A saved model goes on with the next epoch: 2 epochs, save, load, 1 more = 3 epochs in one go, bit for bit. */
    @Test
    void aLoadedModelContinuesItsEpochsInsteadOfReplayingTheFirst(@TempDir Path dir) throws IOException {
        Tensor[] data = blobs(150, 3);
        Sequential straight = dropoutModel();
        History three = straight.fit(data[0], data[1], quiet(3, 16, 0.2));
        assertEquals(3, straight.epochsTrained());

        Sequential first = dropoutModel();
        first.fit(data[0], data[1], quiet(2, 16, 0.2));
        first.save(dir.resolve("m.kindling"));
        Sequential loaded = Sequential.load(dir.resolve("m.kindling"));
        assertEquals(2, loaded.epochsTrained());
        List<Integer> epochs = new java.util.ArrayList<>();
        History more = loaded.fit(data[0], data[1], FitOptions.builder().epochs(1).batchSize(16).validationSplit(0.2)
                .seed(7).listeners(new TrainingListener() {
                    @Override
                    public void onEpochBegin(int epoch, int of, int steps) {
                        epochs.add(epoch);
                        assertEquals(3, of);
                    }
                }).build());
        assertEquals(List.of(3), epochs, "the loaded model trains epoch 3, with epoch 3's shuffle and dropout");
        assertArrayEquals(straight.weights().toFloatArray(), loaded.weights().toFloatArray());
        assertEquals(three.get("val_loss").get(2), more.get("val_loss").get(0));
    }

    /** Keras's initial_epoch: epochs initialEpoch+1 .. epochs, numbered as such, whatever the model has done. */
    @Test
    void initialEpochRunsTheLaterEpochsOnly() {
        Tensor[] data = blobs(150, 3);
        Sequential straight = dropoutModel();
        straight.fit(data[0], data[1], quiet(4, 16, 0));

        Sequential twoThenTwo = dropoutModel();
        twoThenTwo.fit(data[0], data[1], quiet(2, 16, 0));
        History rest = twoThenTwo.fit(data[0], data[1], FitOptions.builder().epochs(4).initialEpoch(2).batchSize(16)
                .seed(7).listeners().build());
        assertEquals(2, rest.epochs());
        assertEquals(4, twoThenTwo.epochsTrained());
        assertArrayEquals(straight.weights().toFloatArray(), twoThenTwo.weights().toFloatArray());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FitOptions.builder().epochs(2).initialEpoch(2).build());
        assertEquals("fit: initial_epoch 2 leaves nothing to do: epochs (the last epoch's number, as in Keras) is 2",
                e.getMessage());
    }

    /** A new learning rate between two fits keeps Adam's moments; another kind of optimizer starts afresh. */
    @Test
    void compileKeepsTheOptimizersStateWhenItsKindIsUnchanged() {
        Tensor[] data = blobs(100, 2);
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(3));
        model.compile(Optimizer.adam(0.01), Loss.MEAN_SQUARED_ERROR, Metric.MAE);
        model.fit(data[0], data[1], quiet(1, 20, 0));
        Tensor m = model.optimizerState().slot(0).copy();
        model.compile(Optimizer.adam(0.001), Loss.MEAN_SQUARED_ERROR, Metric.MAE);
        assertEquals(5, model.optimizerState().iterations());
        assertEquals(m, model.optimizerState().slot(0));
        model.compile(Optimizer.rmsprop(), Loss.MEAN_SQUARED_ERROR);
        assertEquals(null, model.optimizerState());
        assertEquals(Activation.LINEAR, new Dense(3).activation());
    }

    @Test
    void evaluateReportsEveryCompiledMetric() {
        Tensor[] data = blobs(600, 2);
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX));
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY, Registry.metric("auc"),
                Metric.PRECISION, Metric.RECALL, Metric.topK(2), Metric.MSE);
        model.fit(data[0], data[1], quiet(10, 20, 0));
        Evaluation e = model.evaluate(data[0], data[1]);
        assertEquals(java.util.Set.of("accuracy", "auc", "precision", "recall", "top_2_categorical_accuracy", "mse"),
                e.metrics().keySet());
        assertTrue(e.metrics().get("auc") > 0.8, e.toString());
    }

    @Test
    void batchArithmeticDoesNotOverflowNearTwoToThe31() {
        assertEquals(2, MiniBatches.steps(Integer.MAX_VALUE, Integer.MAX_VALUE - 1));
        assertEquals(16_777_216, MiniBatches.steps(Integer.MAX_VALUE, 128));
        int[] order = {4, 3, 2, 1, 0};
        assertArrayEquals(new int[] {0}, MiniBatches.batch(order, 2, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MiniBatches.batch(order, 1 << 30, 1 << 30));
        assertTrue(e.getMessage().contains("starts at sample 1152921504606846976, past the 5 samples"), e.getMessage());
    }

    private static Sequential dropoutModel() {
        Sequential model = new Sequential(new Dense(16, Activation.RELU, 4), new Dropout(0.3),
                new Dense(3, Activation.SOFTMAX)).seed(2);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    @Test
    void loadingABrokenFileNamesTheFileAndTheProblem(@TempDir Path dir) throws IOException {
        Sequential model = smallModel();
        Path file = dir.resolve("m.kindling");
        model.save(file);
        byte[] bytes = Files.readAllBytes(file);
        Path truncated = dir.resolve("truncated.kindling");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> Sequential.load(truncated));
        assertTrue(e.getMessage().contains("truncated.kindling"), e.getMessage());

        Path text = dir.resolve("text.kindling");
        Files.writeString(text, "not a model");
        e = assertThrows(IOException.class, () -> Sequential.load(text));
        assertTrue(e.getMessage().contains("text.kindling"), e.getMessage());
    }
    @Test
    void predictClassesOfOneSigmoidUnitIsOutputAboveOneHalfAsKeras() {
        // Two 1-d clusters: class 1 around +2, class 0 around -2. One sigmoid unit, binary cross-entropy.
        Random rng = new Random(11);
        int n = 200;
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            x[i] = (float) ((y[i] == 1 ? 2 : -2) + 0.5 * rng.nextGaussian());
        }
        Tensor xs = Tensor.of(x, n, 1);
        Sequential model = new Sequential(new Dense(1, Activation.SIGMOID, 1));
        model.compile(Optimizer.sgd(0.5), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        model.fit(xs, Tensor.of(y, n, 1), quiet(5, 16, 0));

        Tensor p = model.predict(xs);
        int[] classes = model.predictClasses(xs);
        int ones = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(p.getFlat(i) > 0.5 ? 1 : 0, classes[i], "row " + i + ", p = " + p.getFlat(i));
            ones += classes[i];
        }
        // The bug this pins: an argmax over one column gave class 0 for every row.
        assertTrue(ones > n / 3 && ones < 2 * n / 3, "ones: " + ones);
        assertTrue(model.evaluate(xs, Tensor.of(y, n, 1)).accuracy() > 0.95);

        // At exactly 0.5 the class is 0 (strictly greater, as Keras's (p > 0.5)): zero weights give p = 0.5.
        model.setWeights(Tensor.zeros(DType.FLOAT32, 2));
        assertArrayEquals(new int[] {0, 0}, model.predictClasses(Tensor.of(new float[] {3f, -3f}, 2, 1)));
    }

    @Test
    void saveToAStreamWritesTheFileBytesAndLoadsBackExactly(@TempDir Path dir) throws IOException {
        Tensor[] data = blobs(120, 8);
        Sequential model = smallModel();
        model.fit(data[0], data[1], quiet(1, 32, 0));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        model.save(bytes);
        Path file = dir.resolve("m.kindling");
        model.save(file);
        assertArrayEquals(Files.readAllBytes(file), bytes.toByteArray(), "the stream holds the file's bytes");

        Sequential loaded = Sequential.load(new java.io.ByteArrayInputStream(bytes.toByteArray()), "memory:m");
        assertEquals(model.weights(), loaded.weights());
        assertEquals(model.compileConfig(), loaded.compileConfig());
        assertEquals(model.optimizerState().slots(), loaded.optimizerState().slots());

        IOException e = assertThrows(IOException.class, () -> Sequential.load(
                new java.io.ByteArrayInputStream(java.util.Arrays.copyOf(bytes.toByteArray(), 100)), "hdfs://nn/m"));
        assertTrue(e.getMessage().startsWith("hdfs://nn/m: "), e.getMessage());
    }
}
