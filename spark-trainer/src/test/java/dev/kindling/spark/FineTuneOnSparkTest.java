// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.checkpoint.BackupAndRestore;
import dev.kindling.core.data.Labels;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fine-tuning on Spark: a saved model's base, frozen, under a new head, learns on any number of partitions (and in
 * the training stage) what the one-JVM fit learns, the base's weights bit for bit unchanged, and resumes exactly.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FineTuneOnSparkTest {
    private static final int ROWS = 203;

    @TempDir
    static Path dir;
    private static Tensor x;
    private static int[] labels;

    /** The base: a small network trained a little on the blobs and saved, as a user's pretrained model would be. */
    @BeforeAll
    static void pretrain() throws IOException {
        Object[] data = TestSpark.blobs(ROWS, 1);
        x = (Tensor) data[0];
        labels = (int[]) data[1];
        Sequential base = new Sequential(new Dense(16, Activation.TANH, 4), new Dropout(0.2),
                new Dense(8, Activation.RELU), new Dense(3, Activation.SOFTMAX)).seed(5);
        base.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY);
        base.fit(x, y(), FitOptions.builder().epochs(1).batchSize(32).seed(1).listeners().build());
        base.save(dir.resolve("base.kindling"));
    }

    private static Tensor y() {
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i];
        }
        return Labels.toCategorical(Tensor.of(f, f.length), 3);
    }

    /** Base's first 3 layers (dense, dropout, dense_1) frozen; a new 3-way head. */
    private static Sequential fineTuned() {
        try {
            Sequential model = Sequential.fromBase(Sequential.load(dir.resolve("base.kindling")), 3).freezeBase()
                    .add(new Dense(3, Activation.SOFTMAX)).seed(2).build();
            model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
            return model;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static FitOptions.Builder options() {
        return FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(11).listeners();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, -7})   // a negative count: that many slices, in the training stage (5 steps a job)
    void partitionsAndTheTrainingStageLearnWhatOneJvmLearns(int partitions) {
        Sequential local = fineTuned();
        Tensor before = local.weights();
        local.fit(x, y(), options().build());

        SparkSession spark = TestSpark.local();
        Sequential distributed = fineTuned();
        SparkTrainer trainer = partitions > 0 ? SparkTrainer.create() : SparkTrainer.create().withStepsPerJob(5);
        trainer.fit(distributed, TestSpark.frame(spark, x, labels, Math.abs(partitions)), Columns.defaults(),
                options().build());

        Tensor a = local.weights();
        Tensor b = distributed.weights();
        double maxDiff = b.sub(a).map(Math::abs).max().item();
        assertTrue(maxDiff < Tolerances.FLOAT32_TRAINED, "max |diff| " + maxDiff);
        int baseSize = local.trainableParameterCount() == a.size() ? 0 : a.size() - local.trainableParameterCount();
        assertEquals(4 * 16 + 16 + 16 * 8 + 8, baseSize);
        for (Tensor w : new Tensor[] {a, b}) {
            assertArrayEquals(before.slice(0, 0, baseSize).toFloatArray(), w.slice(0, 0, baseSize).toFloatArray(),
                    "the frozen base, bit for bit");
        }
        assertTrue(b.slice(0, baseSize, b.size()).sub(before.slice(0, baseSize, b.size())).map(Math::abs).max().item()
                > 1e-3, "the head trained");
        assertEquals(27, distributed.optimizerState().slot(0).size(), "Adam's slots hold the head's 27 weights");
    }

    /**
     * Only the trainable weights' gradient comes back from the tasks: with 4,480 of 4,675 weights frozen, a step's
     * task results are a fraction of their size with nothing frozen (Spark's task metrics), and the fit is still the
     * one-JVM fit.
     */
    @Test
    void tasksSendTheTrainableGradientOnly() throws java.util.concurrent.TimeoutException {
        SparkSession spark = TestSpark.local();
        Dataset<Row> frame = TestSpark.frame(spark, x, labels, 2);
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong tasks = new java.util.concurrent.atomic.AtomicLong();
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    bytes.addAndGet(end.taskMetrics().resultSize());
                    tasks.incrementAndGet();
                }
            }
        };
        double[] perTask = new double[2];
        Tensor[] weights = new Tensor[2];
        for (int frozen = 0; frozen < 2; frozen++) {
            Sequential model = new Sequential(new Dense(64, Activation.TANH, 4), new Dense(64, Activation.TANH),
                    new Dense(3, Activation.SOFTMAX)).seed(5);
            if (frozen == 1) {
                model.freezeWeights(0, 1);
            }
            model.compile(Optimizer.sgd(0.1), Loss.CATEGORICAL_CROSSENTROPY);
            try (PreparedData data = SparkTrainer.create().prepare(model, frame, Columns.defaults())) {
                spark.sparkContext().listenerBus().waitUntilEmpty();
                spark.sparkContext().addSparkListener(listener);
                bytes.set(0);
                tasks.set(0);
                // task results are what Spark carries for one job per step (the training stage sends its own)
                SparkTrainer.create().withStepsPerJob(1).fit(model, data, FitOptions.builder().epochs(1)
                        .batchSize(64).seed(1).listeners().build());
                spark.sparkContext().listenerBus().waitUntilEmpty();
                spark.sparkContext().removeSparkListener(listener);
            }
            perTask[frozen] = (double) bytes.get() / tasks.get();
            weights[frozen] = model.weights();
            Sequential local = new Sequential(new Dense(64, Activation.TANH, 4), new Dense(64, Activation.TANH),
                    new Dense(3, Activation.SOFTMAX)).seed(5);
            if (frozen == 1) {
                local.freezeWeights(0, 1);
            }
            local.compile(Optimizer.sgd(0.1), Loss.CATEGORICAL_CROSSENTROPY);
            local.fit(x, y(), FitOptions.builder().epochs(1).batchSize(64).seed(1).listeners().build());
            double diff = local.weights().sub(model.weights()).map(Math::abs).max().item();
            assertTrue(diff < Tolerances.FLOAT32_TRAINED, "frozen " + frozen + ": max |diff| " + diff);
        }
        System.out.printf("task result bytes per task: nothing frozen %.0f, 4,480 of 4,675 frozen %.0f%n", perTask[0],
                perTask[1]);
        assertTrue(perTask[1] < 0.2 * perTask[0], "bytes per task: " + perTask[0] + " -> " + perTask[1]);
    }

    /** A Spark fit with a frozen base, crashed after a checkpoint and resumed, ends with the uninterrupted weights. */
    @Test
    void crashedAndResumedOnSparkEqualsUninterrupted(@TempDir Path checkpoints) {
        SparkSession spark = TestSpark.local();
        Dataset<Row> frame = TestSpark.frame(spark, x, labels, 2);
        Sequential expected = fineTuned();
        SparkTrainer.create().fit(expected, frame, Columns.defaults(), options().build());

        BackupAndRestore.Builder backup = BackupAndRestore.to(FileStore.local(checkpoints)).everySteps(2).keep(2);
        TrainingListener crash = new TrainingListener() {
            private int steps;

            @Override
            public void onBatchEnd(TrainingData.Step step, double elapsed, Map<String, Double> logs) {
                if (++steps == 7) {
                    throw new IllegalStateException("crash");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> SparkTrainer.create().fit(fineTuned(), frame,
                Columns.defaults(), options().listeners(backup.build(), crash).build()));
        Sequential resumed = fineTuned();
        SparkTrainer.create().fit(resumed, frame, Columns.defaults(), options().listeners(backup.build()).build());
        assertArrayEquals(expected.weights().toFloatArray(), resumed.weights().toFloatArray());
    }
}
