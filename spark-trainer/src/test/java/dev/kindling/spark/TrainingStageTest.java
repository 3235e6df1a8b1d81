// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.callbacks.EarlyStopping;
import dev.kindling.core.callbacks.ReduceLROnPlateau;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The training stage (many steps per Spark job, gradients over the driver's own connections) learns the very
 * weights of the job-per-step path, bit for bit, in local mode, where tasks hand their buffers over in memory.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TrainingStageTest {

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("sgd+momentum", (Supplier<Optimizer>) () -> Optimizer.sgd(0.05, 0.9, true)),
                Arguments.of("rmsprop", (Supplier<Optimizer>) () -> Optimizer.rmsprop(0.01)),
                Arguments.of("adam", (Supplier<Optimizer>) () -> Optimizer.adam(0.01)),
                Arguments.of("adagrad", (Supplier<Optimizer>) () -> Optimizer.adagrad(0.05)));
    }

    /** Segments of 7 steps (ending mid-epoch and at each epoch's end), with dropout and a validation split. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void theStageLearnsTheWeightsOfOneJobPerStep(String name, Supplier<Optimizer> optimizer) {
        SparkSession spark = TestSpark.local();
        Dataset<Row> frame = frame(spark, 3);
        FitOptions options = FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(6).listeners()
                .build();
        Run reference = fit(frame, optimizer, SparkTrainer.create().withStepsPerJob(1), options);
        Run stage = fit(frame, optimizer, SparkTrainer.create().withStepsPerJob(7), options);
        assertSame(reference, stage);
        // 15 steps an epoch: segments of 7, 7 and 1 steps, then a validation job, each epoch
        assertTrue(stage.jobs < reference.jobs / 3, "jobs: stage " + stage.jobs + ", job per step " + reference.jobs);
    }

    /** A value larger than an epoch is a job per epoch; callbacks change the learning rate and stop as before. */
    @Test
    void aJobPerEpochWithCallbacks() {
        SparkSession spark = TestSpark.local();
        Dataset<Row> frame = frame(spark, 4);
        Supplier<FitOptions> options = () -> FitOptions.builder().epochs(12).batchSize(16).validationSplit(0.25)
                .seed(2).listeners(EarlyStopping.on("val_loss").patience(2).restoreBestWeights(true).build(),
                        ReduceLROnPlateau.on("val_loss").factor(0.5).patience(1).minDelta(0.01).build()).build();
        Supplier<Optimizer> adam = () -> Optimizer.adam(0.02);
        Run reference = fit(frame, adam, SparkTrainer.create().withStepsPerJob(1), options.get());
        Run stage = fit(frame, adam, SparkTrainer.create().withStepsPerJob(Integer.MAX_VALUE), options.get());
        assertSame(reference, stage);
        int epochs = stage.history.epochs();
        assertTrue(stage.jobs <= 2 * epochs + 2, stage.jobs + " jobs for " + epochs + " epochs");
    }

    /** Chapter 5's kind of model: convolutions with strides and padding, pooling, dropout on feature maps. */
    @Test
    void aConvnetLearnsTheSameWeights() {
        SparkSession spark = TestSpark.local();
        Object[] data = ConvnetOnSparkTest.bars(3);
        Dataset<Row> rows = TestSpark.frame(spark, ((Tensor) data[0]).reshape(ConvnetOnSparkTest.ROWS, -1),
                (int[]) data[1], 3);
        FitOptions options = FitOptions.builder().epochs(3).batchSize(16).validationSplit(0.2).seed(11).listeners()
                .build();
        Sequential reference = ConvnetOnSparkTest.model(DType.FLOAT32);
        History expected = SparkTrainer.create().withStepsPerJob(1).fit(reference, rows, Columns.defaults(), options);
        Sequential staged = ConvnetOnSparkTest.model(DType.FLOAT32);
        History history = SparkTrainer.create().withStepsPerJob(4).fit(staged, rows, Columns.defaults(), options);
        assertSame(new Run(reference, expected, 0), new Run(staged, history, 0));
    }

    /**
     * Four task slots and four packed partitions: three or more partial sums, whose order matters to float
     * addition, are added in partition order by both paths.
     */
    @Test
    void fourPartitionsInLocal4() {
        stopSessions(); // getOrCreate would hand back the shared local[2] session
        SparkSession spark = SparkSession.builder().master("local[4]").appName("kindling-stage-local4")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        try {
            Dataset<Row> frame = frame(spark, 5);
            FitOptions options = FitOptions.builder().epochs(2).batchSize(48).validationSplit(0.2).seed(3)
                    .listeners().build();
            Supplier<Optimizer> rmsprop = () -> Optimizer.rmsprop(0.01);
            Run reference = fit(frame, rmsprop, SparkTrainer.create().withStepsPerJob(1), options);
            Run stage = fit(frame, rmsprop, SparkTrainer.create().withStepsPerJob(3), options);
            assertSame(reference, stage);
            try (PreparedData data = SparkTrainer.create().prepare(model(rmsprop.get()), frame, Columns.defaults())) {
                assertEquals(4, data.partitions());
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * Where the stage cannot run (Spark runs no barrier stage under dynamic allocation; Spark encrypts its own
     * traffic, which the stage's sockets would not): every step runs as its own job, as the log says, with the same
     * weights.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("noStage")
    void whereTheStageCannotRunEveryStepIsItsOwnJob(String name, java.util.Map<String, String> conf) {
        stopSessions();
        SparkSession.Builder builder = SparkSession.builder().master("local[2]").appName("kindling-stage-off")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1");
        conf.forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        try {
            Dataset<Row> frame = frame(spark, 2);
            FitOptions options = FitOptions.builder().epochs(1).batchSize(32).seed(3).listeners().build();
            Supplier<Optimizer> sgd = () -> Optimizer.sgd(0.05);
            Run reference = fit(frame, sgd, SparkTrainer.create().withStepsPerJob(1), options);
            Run stage = fit(frame, sgd, SparkTrainer.create().withStepsPerJob(100), options);
            assertSame(reference, stage);
            assertEquals(reference.jobs, stage.jobs, "one job per step either way");
            assertEquals(19, stage.jobs);
        } finally {
            spark.stop();
        }
    }

    static Stream<Arguments> noStage() {
        return Stream.of(
                Arguments.of("dynamic allocation", java.util.Map.of("spark.dynamicAllocation.enabled", "true",
                        "spark.dynamicAllocation.shuffleTracking.enabled", "true")),
                Arguments.of("Spark's traffic encrypted", java.util.Map.of("spark.authenticate", "true",
                        "spark.authenticate.secret", "a-test-secret", "spark.network.crypto.enabled", "true")));
    }

    /**
     * A listener that runs a Spark job of its own between two steps (here an evaluation): the stage's tasks hold
     * every task slot, so the stage ends at that step and the next step starts a new one; nothing waits for the
     * stage's timeout, and the weights are those of one job per step.
     */
    @Test
    void aListenerThatRunsASparkJobEndsTheSegment() {
        SparkSession spark = TestSpark.local();
        Dataset<Row> frame = frame(spark, 2);
        Supplier<Optimizer> rmsprop = () -> Optimizer.rmsprop(0.01);
        Supplier<FitOptions> options = () -> FitOptions.builder().epochs(2).batchSize(32).seed(5)
                .listeners(new EvaluateAt(frame, 5)).build();
        Run reference = fit(frame, rmsprop, SparkTrainer.create().withStepsPerJob(1), options.get());
        long start = System.nanoTime();
        Run stage = fit(frame, rmsprop, SparkTrainer.create(), options.get());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertSame(reference, stage);
        assertTrue(seconds < 60, "the fit took " + seconds + " s: it waited for the stage's 120 s timeout");
    }

    /** Counts the frame's rows (a Spark job) after step {@code at} of each epoch. */
    private record EvaluateAt(Dataset<Row> frame, int at) implements dev.kindling.core.model.TrainingListener {
        @Override
        public void onBatchEnd(dev.kindling.core.model.TrainingData.Step step, double seconds,
                               java.util.Map<String, Double> logs) {
            if (step.step() == at) {
                assertEquals(600, frame.count());
            }
        }
    }

    private static void stopSessions() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        SparkSession.getDefaultSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    record Run(Sequential model, History history, int jobs) {
    }

    static Run fit(Dataset<Row> frame, Supplier<Optimizer> optimizer, SparkTrainer trainer, FitOptions options) {
        Sequential model = model(optimizer.get());
        try (PreparedData data = trainer.prepare(model, frame, Columns.defaults())) {
            JobCounter jobs = JobCounter.on(frame.sparkSession());
            History history = trainer.fit(model, data, options);
            return new Run(model, history, jobs.started());
        }
    }

    static void assertSame(Run reference, Run stage) {
        double diff = stage.model.weights().sub(reference.model.weights()).map(Math::abs).max().item();
        assertEquals(0.0, diff, "max |weight difference|, training stage vs one job per step");
        assertEquals(reference.history.asMap(), stage.history.asMap());
    }

    static Dataset<Row> frame(SparkSession spark, int inputPartitions) {
        Object[] data = TestSpark.blobs(600, 8);
        return TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], inputPartitions);
    }

    static Sequential model(Optimizer optimizer) {
        Sequential model = new Sequential(new Dense(16, Activation.RELU, 4), new Dropout(0.3),
                new Dense(3, Activation.SOFTMAX)).seed(4);
        model.compile(optimizer, Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

}
