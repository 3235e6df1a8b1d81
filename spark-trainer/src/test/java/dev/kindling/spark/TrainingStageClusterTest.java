// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.stage.Hub;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The training stage across process boundaries ({@code local-cluster[2,1,1024]}: two executor JVMs, tasks reach
 * the driver over loopback sockets): the weights of the job-per-step path bit for bit; raw sockets at the driver's
 * port refused while the fit goes on; an executor JVM killed by its pid, or paused with SIGSTOP, in the middle of a
 * segment, and the fit ending with the uninterrupted fit's weights.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class TrainingStageClusterTest {
    private static final long STAGE_TIMEOUT_MS = 4000;
    private static SparkSession spark;
    private static int port;

    @BeforeAll
    static void startCluster() throws IOException {
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        spark = TestSpark.localCluster("kindling-stage-cluster-test", Map.of(
                TrainingStage.PORT, String.valueOf(port),
                TrainingStage.TIMEOUT, STAGE_TIMEOUT_MS + "ms",
                // a paused executor is declared lost within seconds, not Spark's default two minutes
                "spark.executor.heartbeatInterval", "1s",
                "spark.network.timeout", "20s",
                "spark.network.timeoutInterval", "2s"));
    }

    @AfterAll
    static void stopCluster() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static Dataset<Row> frame() {
        Object[] data = TestSpark.blobs(800, 8);
        return TensorFrames.of(spark, SeparateExecutorsTest.widen((Tensor) data[0], 64),
                Tensor.of(SeparateExecutorsTest.toFloats((int[]) data[1]),
                ((int[]) data[1]).length), 4, 1);
    }

    private static FitOptions options(TrainingListener... listeners) {
        return FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(6).listeners(listeners).build();
    }

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(32, Activation.RELU, 64), new Dropout(0.2),
                new Dense(3, Activation.SOFTMAX)).seed(4);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private record Fit(Sequential model, History history, double seconds) {
        double maxDifference(Fit other) {
            return model.weights().sub(other.model.weights()).map(Math::abs).max().item();
        }
    }

    private static Fit fit(SparkTrainer trainer, Dataset<Row> frame, FitOptions options) {
        Sequential model = model();
        try (PreparedData data = trainer.prepare(model, frame, Columns.defaults())) {
            long start = System.nanoTime();
            History history = trainer.fit(model, data, options);
            return new Fit(model, history, (System.nanoTime() - start) / 1e9);
        }
    }

    @Test
    void twoExecutorJvmsLearnTheWeightsOfOneJobPerStepAndRefuseStrangers() {
        Dataset<Row> frame = frame();
        Fit reference = fit(SparkTrainer.create().withStepsPerJob(1), frame, options());
        long refusedBefore = Hub.refusedConnections();
        Fit staged = fit(SparkTrainer.create().withStepsPerJob(1000), frame, options(new Strangers()));
        long deadline = System.nanoTime() + 2_000_000_000L; // a refusal is counted a moment after its close
        while (Hub.refusedConnections() - refusedBefore < 3 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        long refused = Hub.refusedConnections() - refusedBefore;
        assertEquals(0.0, staged.maxDifference(reference), "max |weight difference|, stage vs job per step");
        assertEquals(reference.history.asMap(), staged.history.asMap());
        assertEquals(3, refused, "garbage, a wrong secret and silence refused");
        System.out.printf(Locale.ROOT, "2 executor JVMs: job per step %.1f s, training stage %.1f s; max |weight"
                + " difference| %s%n", reference.seconds, staged.seconds, staged.maxDifference(reference));
    }

    /**
     * A frozen first layer (fine-tuning): after each segment's first step only the trainable weights travel, both
     * ways, and the weights are still those of one job per step, the frozen ones untouched.
     */
    @Test
    void withAFrozenLayerOnlyTheTrainableWeightsTravel() {
        Dataset<Row> frame = frame();
        Sequential[] models = new Sequential[2];
        StepTimings[] timings = new StepTimings[2];
        int[] stepsPerJob = {1, 1000};
        for (int i = 0; i < 2; i++) {
            Sequential model = new Sequential(new Dense(32, Activation.RELU, 64), new Dense(3, Activation.SOFTMAX))
                    .seed(4);
            model.freezeWeights(0, 0);
            model.compile(Optimizer.rmsprop(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
            SparkTrainer trainer = SparkTrainer.create().withStepsPerJob(stepsPerJob[i]);
            trainer.fit(model, frame, Columns.defaults(), options());
            models[i] = model;
            timings[i] = trainer.lastTimings();
        }
        assertEquals(0.0, models[1].weights().sub(models[0].weights()).map(Math::abs).max().item(),
                "max |weight difference|, stage vs job per step, frozen first layer");
        int trainable = 32 * 3 + 3;
        int all = 64 * 32 + 32 + trainable;
        double fromTasks = (double) timings[1].bytesFromTasks() / timings[1].steps();
        // two tasks' results per step: headers and the 99 trainable floats, not all 2,179
        assertTrue(fromTasks < 2 * (trainable * 4 + 100), "bytes from tasks per step: " + fromTasks);
        System.out.printf(Locale.ROOT, "frozen first layer: %.0f bytes from tasks and %.0f to tasks per step (%d of"
                + " %d weights trainable)%n", fromTasks, (double) timings[1].bytesToTasks() / timings[1].steps(),
                trainable, all);
    }

    /**
     * At step 4 of the first epoch, three raw connections to the driver's stage port, from a thread of their own (as
     * a stranger on the network would, not holding up the driver): garbage, a hello with the right magic and a
     * wrong secret, and silence. By the end of the fit the driver has closed each of them; the fit went on.
     */
    private static final class Strangers implements TrainingListener {
        private Thread stranger;
        private final List<Throwable> failures = new ArrayList<>();

        @Override
        public void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
            if (step.epoch() == 1 && step.step() == 4) {
                stranger = new Thread(this::connect, "stranger");
                stranger.start();
            }
        }

        @Override
        public void onTrainEnd(History history) {
            try {
                stranger.join(STAGE_TIMEOUT_MS + 10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertTrue(!stranger.isAlive() && failures.isEmpty(), "strangers: " + failures);
        }

        private void connect() {
            byte[] garbage = new byte[1 << 16];
            new Random(5).nextBytes(garbage);
            byte[] wrongSecret = new byte[52];
            java.nio.ByteBuffer.wrap(wrongSecret).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0x4B4E444C).putInt(1);
            List<Socket> open = new ArrayList<>();
            try {
                for (byte[] payload : List.of(garbage, wrongSecret, new byte[0])) {
                    Socket s = new Socket("127.0.0.1", port);
                    OutputStream out = s.getOutputStream();
                    out.write(payload);
                    out.flush();
                    open.add(s);
                }
                for (Socket s : open) { // each is closed by the driver: at once, or when the handshake time is up
                    s.setSoTimeout((int) STAGE_TIMEOUT_MS + 5000);
                    try {
                        assertEquals(-1, s.getInputStream().read());
                    } catch (java.net.SocketException reset) {
                        // reset by the driver: closed as well
                    }
                    s.close();
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }
    }

    /**
     * {@code kill -9} of an executor JVM while its task waits for the next step of a segment: the driver drops the
     * segment, runs that step as its own job (which rebuilds the lost blocks) with the weights it holds, and
     * starts a new segment once the master has replaced the executor. Nothing is rolled back.
     */
    @Test
    void aKilledExecutorCostsNothingButTime() {
        Dataset<Row> frame = frame();
        SparkTrainer trainer = SparkTrainer.create().withStepsPerJob(1000);
        Fit uninterrupted = fit(trainer, frame, options());
        long victim = TestSpark.executorPids(spark).values().iterator().next();
        try {
            Fit killed = fit(trainer, frame, options(new Signal(victim, 2, 8, false)));
            assertTrue(ProcessHandle.of(victim).isEmpty(), "executor " + victim + " was killed");
            assertEquals(0.0, killed.maxDifference(uninterrupted), "max |weight difference| from the uninterrupted fit");
            assertEquals(uninterrupted.history.asMap(), killed.history.asMap());
            System.out.printf(Locale.ROOT, "training stage, executor pid %d killed at epoch 2 step 8: fit %.1f s,"
                    + " uninterrupted %.1f s (%.1f s more); max |weight difference| %s%n", victim, killed.seconds,
                    uninterrupted.seconds, killed.seconds - uninterrupted.seconds, killed.maxDifference(uninterrupted));
        } finally {
            TestSpark.awaitExecutors(spark, 2, Duration.ofSeconds(90));
        }
    }

    /**
     * SIGSTOP of an executor JVM in a segment: its task answers nothing, the driver gives up on the segment after
     * {@code spark.kindling.stage.timeout} and runs the step as a job, which Spark finishes once it has declared the
     * silent executor lost; the fit ends with the uninterrupted fit's weights, in bounded time.
     */
    @Test
    void aPausedExecutorIsDetectedWithinTheTimeout() {
        Dataset<Row> frame = frame();
        SparkTrainer trainer = SparkTrainer.create().withStepsPerJob(1000);
        Fit uninterrupted = fit(trainer, frame, options());
        long victim = TestSpark.executorPids(spark).values().iterator().next();
        try {
            Fit paused = fit(trainer, frame, options(new Signal(victim, 1, 10, true)));
            assertEquals(0.0, paused.maxDifference(uninterrupted), "max |weight difference| from the uninterrupted fit");
            assertEquals(uninterrupted.history.asMap(), paused.history.asMap());
            assertTrue(paused.seconds < uninterrupted.seconds + 120, "recovered in " + paused.seconds + " s");
            System.out.printf(Locale.ROOT, "training stage, executor pid %d paused (SIGSTOP) at epoch 1 step 10: fit"
                    + " %.1f s, uninterrupted %.1f s; max |weight difference| %s%n", victim, paused.seconds,
                    uninterrupted.seconds, paused.maxDifference(uninterrupted));
        } finally {
            signal("KILL", victim); // a stopped JVM takes no SIGTERM: the master's replacement needs it gone
            TestSpark.awaitExecutors(spark, 2, Duration.ofSeconds(90));
        }
    }

    /** Kills ({@code kill -9}) or pauses ({@code kill -STOP}) a JVM by its pid after a given step. */
    private record Signal(long pid, int epoch, int step, boolean pause) implements TrainingListener {
        @Override
        public void onBatchEnd(TrainingData.Step at, double elapsedSeconds, Map<String, Double> runningLogs) {
            if (at.epoch() == epoch && at.step() == step) {
                if (pause) {
                    signal("STOP", pid);
                } else {
                    ProcessHandle.of(pid).ifPresent(p -> {
                        p.destroyForcibly();
                        p.onExit().join();
                    });
                }
            }
        }
    }

    private static void signal(String name, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS), "kill -" + name + " " + pid);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
