// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.data.Labels;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.model.History;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Training on two real executor JVMs ({@code local-cluster[2,1,1024]}), so nothing relies on sharing the driver's
 * JVM: weights, network and batches all cross process boundaries by serialization; and one of them killed by its
 * pid in the middle of a fit, for each way packed blocks survive that (docs/design.md).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SeparateExecutorsTest {
    private static final int KILL_AT_STEP = 20;

    private static SparkSession spark;

    @BeforeAll
    static void startCluster() throws IOException {
        spark = TestSpark.localCluster("kindling-executors-test", java.util.Map.of());
    }

    @AfterAll
    static void stopCluster() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void twoExecutorJvmsLearnWhatOneJvmLearns() {
        Object[] data = TestSpark.blobs(240, 3);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        FitOptions options = FitOptions.builder().epochs(2).batchSize(32).validationSplit(0.25).seed(4).listeners().build();

        Sequential local = model();
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i];
        }
        local.fit(x, Labels.toCategorical(Tensor.of(f, labels.length), 3), options);

        Sequential distributed = model();
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(distributed, TestSpark.frame(spark, x, labels, 4), Columns.defaults(), options);
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED));

        Evaluation evaluation = trainer.evaluate(distributed, TestSpark.frame(spark, x, labels, 4), Columns.defaults());
        assertEquals(local.evaluate(x, Labels.toCategorical(Tensor.of(f, labels.length), 3)).accuracy(),
                evaluation.accuracy(), 1e-9);

        Set<String> executorPids = Set.copyOf(TestSpark.jsc(spark).parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
                .map(i -> String.valueOf(ProcessHandle.current().pid())).collect());
        String driverPid = String.valueOf(ProcessHandle.current().pid());
        assertEquals(2, executorPids.size(), "tasks ran in two executor JVMs: " + executorPids);
        assertTrue(!executorPids.contains(driverPid), "no task ran in the driver JVM");
    }

    /** Sparse blocks (compressed sparse rows) cross process boundaries too: the one-JVM weights from dense rows. */
    @Test
    void sparseVectorsOnTwoExecutorJvmsLearnWhatOneJvmLearns() {
        Object[] data = SparseEquivalenceTest.multiHot(240, 400, 5);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        FitOptions options = FitOptions.builder().epochs(2).batchSize(32).validationSplit(0.25).seed(4).listeners()
                .build();
        float[] y = new float[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels[i];
        }
        java.util.function.Supplier<Sequential> model = () -> {
            Sequential m = new Sequential(new Dense(16, Activation.RELU), new Dense(1, Activation.SIGMOID)).seed(2);
            m.compile(Optimizer.rmsprop(0.01), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
            return m;
        };
        Sequential local = model.get();
        local.fit(x, Tensor.of(y, labels.length, 1), options);
        Sequential distributed = model.get();
        SparkTrainer.create().fit(distributed, SparseEquivalenceTest.frame(spark, x, labels, 4, true),
                Columns.defaults(), options);
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), Tolerances.FLOAT32_TRAINED,
                Tolerances.FLOAT32_TRAINED));
    }

    /** Where the training rows come from, and so how lost blocks come back. */
    enum Source {
        /** {@code TensorFrames}: a broadcast and tiny partitions, recomputed from lineage. */
        TENSOR_FRAMES(Packing.Durability.LINEAGE),
        /** Rows parallelized from the driver: too costly to ship with every step, kept in two replicas. */
        DRIVER_ROWS(Packing.Durability.REPLICATED),
        /** The same with a checkpoint directory: written there once, read back. */
        DRIVER_ROWS_WITH_CHECKPOINT_DIR(Packing.Durability.RELIABLE_CHECKPOINT);

        final Packing.Durability durability;

        Source(Packing.Durability durability) {
            this.durability = durability;
        }
    }

    /**
     * {@code kill -9} of one executor JVM at step 20 of 45: the step's task is retried by Spark with the same
     * broadcast weights, the lost blocks come back, and the fit ends with exactly the weights of an uninterrupted
     * fit (two partial sums add in either order to the same floats).
     */
    @ParameterizedTest
    @EnumSource(Source.class)
    void aKilledExecutorCostsARetryNotARollback(Source source, @TempDir Path checkpoints) throws Exception {
        Object[] data = TestSpark.blobs(600, 8);
        Tensor x = widen((Tensor) data[0], 64);
        int[] labels = (int[]) data[1];
        if (source == Source.DRIVER_ROWS_WITH_CHECKPOINT_DIR) {
            spark.sparkContext().setCheckpointDir(checkpoints.toString());
        }
        try {
            Dataset<Row> frame = source == Source.TENSOR_FRAMES
                    ? TensorFrames.of(spark, x, Tensor.of(toFloats(labels), labels.length), 4, 1)
                    : TestSpark.frame(spark, x, labels, 2);
            FitOptions quiet = FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(6).listeners()
                    .build();
            SparkTrainer trainer = SparkTrainer.create();

            Sequential uninterrupted = wideModel();
            long t0 = System.nanoTime();
            History expected = trainer.fit(uninterrupted, frame, Columns.defaults(), quiet);
            double uninterruptedSeconds = (System.nanoTime() - t0) / 1e9;

            Map<String, Long> pids = TestSpark.executorPids(spark);
            assertEquals(2, pids.size(), "two executor JVMs: " + pids);
            long victim = pids.values().iterator().next();
            Sequential killed = wideModel();
            try (PreparedData prepared = trainer.prepare(killed, frame, Columns.defaults())) {
                assertEquals(source.durability, prepared.packed().durability());
                long t1 = System.nanoTime();
                History history = trainer.fit(killed, prepared, quiet.withListeners(List.of(new KillAt(victim))));
                double killedSeconds = (System.nanoTime() - t1) / 1e9;
                assertTrue(ProcessHandle.of(victim).isEmpty(), "executor " + victim + " was killed");
                double diff = killed.weights().sub(uninterrupted.weights()).map(Math::abs).max().item();
                assertEquals(0.0, diff, "max |weight difference| from the uninterrupted fit");
                assertEquals(expected.asMap(), history.asMap());
                System.out.printf(java.util.Locale.ROOT, "%s (%s): killed executor pid %d at step %d; fit %.1f s,"
                        + " uninterrupted %.1f s; max |weight difference| %s%n", source, source.durability, victim,
                        KILL_AT_STEP, killedSeconds, uninterruptedSeconds, diff);
            }
        } finally {
            spark.sparkContext().setCheckpointDir(null);
            TestSpark.awaitExecutors(spark, 2, java.time.Duration.ofSeconds(90));   // the master's replacement
        }
    }

    /** Kills a JVM by its pid at a given step, and waits until it is gone. */
    private record KillAt(long pid) implements TrainingListener {
        @Override
        public void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
            if (step.epoch() == 2 && step.step() == KILL_AT_STEP - 15) {
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.destroyForcibly();
                    p.onExit().join();
                });
            }
        }
    }

    /** The 4 blob features followed by noise features, so that rows are wide enough to weigh. */
    static Tensor widen(Tensor x, int width) {
        java.util.Random rng = new java.util.Random(2);
        int n = x.dim(0);
        float[] wide = new float[n * width];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < width; c++) {
                wide[r * width + c] = c < 4 ? (float) x.getFlat(r * 4 + c) : (float) rng.nextGaussian();
            }
        }
        return Tensor.of(wide, n, width);
    }

    static float[] toFloats(int[] labels) {
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i];
        }
        return f;
    }

    private static Sequential wideModel() {
        Sequential model = new Sequential(new Dense(16, Activation.RELU, 64), new Dropout(0.2),
                new Dense(3, Activation.SOFTMAX)).seed(4);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX)).seed(9);
        model.compile(Optimizer.rmsprop(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }
}
