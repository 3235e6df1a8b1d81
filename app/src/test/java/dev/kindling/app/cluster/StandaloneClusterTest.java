// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.Sequential;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import java.util.concurrent.TimeUnit;

/**
 * End to end on a real Spark standalone cluster: {@code scripts/cluster start 2} (a master and two workers on
 * 127.0.0.1, separate JVMs), the seed recipe trained there with {@code scripts/submit} and again in local[2], the
 * outputs checked, the tasks traced to the executor JVMs; then the same runs with an executor JVM, the driver JVM
 * and a worker JVM killed by their pids half way, and in {@code --deploy-mode cluster}; the cluster stopped even if
 * the test fails. The first test's runs are the others' references, so the tests run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class StandaloneClusterTest {

    private static final Path ROOT = repositoryRoot();
    private static final Path WORK = ROOT.resolve("app/target/cluster-test");
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Epochs of the seed recipe (conf/mnist-mlp.conf) in each run, and the epoch at whose start the executor, the
     * worker and SIGTERM strike and in which the driver is killed: 2 and 2 in the suite;
     * {@code -Dkindling.cluster.epochs=8 -Dkindling.cluster.kill-epoch=4 -Dkindling.cluster.driver-kill-epoch=3} for
     * the longer runs of docs/running.md.
     */
    private static final int EPOCHS = Integer.getInteger("kindling.cluster.epochs", 2);
    private static final int KILL_EPOCH = Integer.getInteger("kindling.cluster.kill-epoch", 2);
    private static final int DRIVER_KILL_EPOCH = Integer.getInteger("kindling.cluster.driver-kill-epoch", 2);
    private static final String HALF_WAY = "Epoch " + KILL_EPOCH + "/" + EPOCHS;

    private static TestClasspath classpath;
    private static Path sparkClasspath;
    private static LocalCluster cluster;
    private static Path appJar;
    /** The uninterrupted runs, set by the first test. */
    private static Path clusterOut;
    private static Path localOut;
    private static Submission.Result uninterruptedCluster;

    @BeforeAll
    static void startCluster() throws IOException, InterruptedException {
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        classpath = TestClasspath.ofThisJvm();
        sparkClasspath = classpath.writeSparkClasspath(WORK.resolve("spark-classpath.txt"));
        long started = System.nanoTime();
        cluster = LocalCluster.start(ROOT, WORK.resolve("cluster"), sparkClasspath, 2);
        System.out.printf("cluster of 2 workers up in %.1f s:%n%s%n", seconds(started), cluster.startOutput());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void trainsOnTheClusterInTwoExecutorJvmsWithLocalModesAccuracy() throws Exception {
        appJar = classpath.writeAppJar(WORK.resolve("kindling-app.jar"));
        Path eventLogs = Files.createDirectories(WORK.resolve("event-logs"));
        clusterOut = WORK.resolve("out-cluster");
        localOut = WORK.resolve("out-local");

        Submission.Result onCluster = Submission.run(ROOT, env(appJar), cluster.workerPids(),
                WORK.resolve("train-cluster.log"), Duration.ofMinutes(5), concat(List.of(
                        "--master", cluster.masterUrl(),
                        "--conf", "spark.eventLog.enabled=true",
                        "--conf", "spark.eventLog.dir=" + eventLogs.toUri(),
                        "--conf", "spark.eventLog.compress=false", "--"), train(clusterOut)));
        assertEquals(0, onCluster.exitCode(), "cluster run failed:\n" + onCluster.output());
        uninterruptedCluster = onCluster;
        Submission.Result local = Submission.run(ROOT, env(appJar), List.of(), WORK.resolve("train-local.log"),
                Duration.ofMinutes(5), concat(List.of("--master", "local[2]", "--"), train(localOut)));
        assertEquals(0, local.exitCode(), "local run failed:\n" + local.output());

        JsonNode clusterMetrics = JSON.readTree(clusterOut.resolve("metrics.json").toFile());
        JsonNode localMetrics = JSON.readTree(localOut.resolve("metrics.json").toFile());
        double clusterAccuracy = clusterMetrics.at("/test/accuracy").asDouble(Double.NaN);
        double localAccuracy = localMetrics.at("/test/accuracy").asDouble(Double.NaN);
        System.out.printf("%-32s %-10s %-10s%n", "", "cluster", "local[2]");
        System.out.printf("%-32s %-10.4f %-10.4f%n", "test accuracy", clusterAccuracy, localAccuracy);
        System.out.printf("%-32s %-10s %-10s%n", "seconds per epoch", clusterMetrics.get("seconds_per_epoch"),
                localMetrics.get("seconds_per_epoch"));
        System.out.printf("%-32s %-10.1f %-10.1f%n", "submit to exit, s", onCluster.elapsed().toMillis() / 1e3,
                local.elapsed().toMillis() / 1e3);

        // Same seed and recipe: data-parallel training on two executors learns what local mode learns.
        assertTrue(clusterAccuracy > 0.8, "cluster test accuracy " + clusterAccuracy);
        assertEquals(localAccuracy, clusterAccuracy, 0.005, "test accuracy, local[2] vs the standalone cluster");
        assertEquals(cluster.masterUrl(), clusterMetrics.path("spark_master").asText());
        assertEquals("local[2]", localMetrics.path("spark_master").asText());
        assertOutputs(clusterOut, clusterAccuracy);

        // The training tasks ran in the two executor JVMs the workers launched, not in the driver.
        Map<String, Integer> tasks = tasksPerExecutor(eventLogs);
        System.out.printf("driver pid %d; executor JVMs %s; tasks per executor %s%n", onCluster.driverPid(),
                onCluster.executorPids(), tasks);
        assertEquals(Set.of("0", "1"), tasks.keySet(), "executors that ran tasks (event log of the cluster run)");
        assertTrue(onCluster.executorPids().keySet().containsAll(tasks.keySet()),
                "executor JVMs seen under the workers: " + onCluster.executorPids());
        Set<Long> pids = new HashSet<>();
        for (String executor : tasks.keySet()) {
            long pid = onCluster.executorPids().get(executor);
            assertTrue(pids.add(pid), "executors share pid " + pid);
            assertNotEquals(onCluster.driverPid(), pid);
        }
    }

    /**
     * {@code kill -9} of one executor JVM as the second epoch begins: Spark retries the step's lost task on the
     * other executor with the same broadcast weights and rebuilds the lost blocks from their lineage (the IDX files),
     * so the run learns exactly what the uninterrupted one did.
     */
    @Test
    @Order(2)
    void aKilledExecutorDoesNotChangeWhatIsLearned() throws Exception {
        Path out = WORK.resolve("out-executor-killed");
        long[] killed = {-1};
        Submission.Result run = Submission.run(ROOT, env(appJar), cluster.workerPids(),
                WORK.resolve("train-executor-killed.log"), Duration.ofMinutes(5),
                concat(List.of("--master", cluster.masterUrl(), "--"), train(out)),
                new Submission.Trigger(HALF_WAY, running -> killed[0] = kill(running.executorPids().get("0"))));
        assertEquals(0, run.exitCode(), "run with a killed executor failed:\n" + run.output());
        assertTrue(ProcessHandle.of(killed[0]).isEmpty(), "executor 0 (pid " + killed[0] + ") was killed");
        assertSameModel(clusterOut, out, "executor killed", run, uninterruptedCluster);
    }

    /**
     * {@code kill -9} of the driver JVM mid-epoch (local[2], checkpointing every 10 steps), then {@code train
     * --resume}: the resumed run ends with the uninterrupted run's weights, bit for bit.
     */
    @Test
    @Order(3)
    void aKilledDriverResumesExactly() throws Exception {
        Path out = WORK.resolve("out-driver-killed");
        Path checkpoints = WORK.resolve("checkpoints-driver-killed");
        List<String> args = concat(train(out), List.of("--set", "fit.checkpoint.dir=" + checkpoints.toUri(),
                "--set", "fit.checkpoint.every-steps=10"));
        long[] killedAt = {-1};
        Submission.Result killed = Submission.run(ROOT, env(appJar), List.of(), WORK.resolve("train-driver-killed.log"),
                Duration.ofMinutes(5), concat(List.of("--master", "local[2]", "--"), args),
                new Submission.Trigger("Epoch " + DRIVER_KILL_EPOCH + "/" + EPOCHS, running -> {
                    // Wait for a checkpoint inside that epoch, so that the resume starts mid-epoch.
                    awaitFile(checkpoints, String.format("checkpoint-e%06d-s0*[1-9][0-9]*\\.kindling",
                            DRIVER_KILL_EPOCH), Duration.ofMinutes(2));
                    killedAt[0] = System.nanoTime();
                    kill(running.driverPid());
                }));
        assertEquals(137, killed.exitCode(), "the driver was killed with SIGKILL:\n" + killed.output());
        assertTrue(Files.notExists(out), "a killed run writes no outputs");
        List<String> names = names(checkpoints);
        System.out.println("checkpoints when the driver was killed: " + names);
        assertTrue(names.get(names.size() - 1).compareTo(String.format("checkpoint-e%06d-s0000000.kindling",
                DRIVER_KILL_EPOCH)) > 0, "the newest checkpoint is inside epoch " + DRIVER_KILL_EPOCH + ": " + names);

        Submission.Result resumed = Submission.run(ROOT, env(appJar), List.of(), WORK.resolve("train-resumed.log"),
                Duration.ofMinutes(5), concat(List.of("--master", "local[2]", "--"), concat(args, List.of("--resume"))));
        assertEquals(0, resumed.exitCode(), "resumed run failed:\n" + resumed.output());
        assertTrue(resumed.output().contains("resumed from "), resumed.output());
        assertSameModel(localOut, out, "driver killed and resumed", resumed, null);
        assertEquals(JSON.readTree(localOut.resolve("history.json").toFile()).get("loss"),
                JSON.readTree(out.resolve("history.json").toFile()).get("loss"), "history");
    }

    /**
     * SIGTERM to the driver mid-epoch: it stops after the current step, writes a final checkpoint, prints one line
     * and exits with 143, leaving the previous outputs as they were; {@code --resume} then ends with the
     * uninterrupted run's weights.
     */
    @Test
    @Order(4)
    void sigtermStopsCleanlyWithAFinalCheckpoint() throws Exception {
        Path out = WORK.resolve("out-sigterm");
        Files.createDirectories(out);
        Files.writeString(out.resolve("metrics.json"), "{\"previous\": true}");
        Path checkpoints = WORK.resolve("checkpoints-sigterm");
        List<String> args = concat(train(out), List.of("--set", "fit.checkpoint.dir=" + checkpoints,
                "--set", "fit.checkpoint.every-epochs=1"));
        Submission.Result stopped = Submission.run(ROOT, env(appJar), List.of(), WORK.resolve("train-sigterm.log"),
                Duration.ofMinutes(5), concat(List.of("--master", "local[2]", "--"), args),
                new Submission.Trigger(HALF_WAY, running -> {
                    awaitFile(checkpoints, String.format("checkpoint-e%06d-s0000000\\.kindling", KILL_EPOCH),
                            Duration.ofMinutes(2));
                    ProcessHandle.of(running.driverPid()).ifPresent(ProcessHandle::destroy);   // SIGTERM
                }));
        assertEquals(143, stopped.exitCode(), stopped.output());
        String output = stopped.output();
        assertTrue(output.contains("kindling: SIGTERM received: stopping after the current step"), output);
        assertTrue(output.matches("(?s).*kindling: stopped by SIGTERM at epoch " + KILL_EPOCH + ", after step \\d+;"
                + " checkpoint written"
                + " to .*, continue with train --resume; no outputs written.*"), output);
        assertTrue(!output.contains("stopped SparkContext") && !output.contains("Exception"), output);
        assertEquals("{\"previous\": true}", Files.readString(out.resolve("metrics.json")), "previous outputs intact");
        java.util.regex.Matcher step = java.util.regex.Pattern.compile("at epoch " + KILL_EPOCH + ", after step (\\d+);")
                .matcher(output);
        assertTrue(step.find(), output);
        List<String> names = names(checkpoints);
        System.out.println("checkpoints after SIGTERM: " + names);
        assertTrue(names.contains(String.format("checkpoint-e%06d-s%07d.kindling", KILL_EPOCH,
                Integer.parseInt(step.group(1)))),
                "the final checkpoint is where the run stopped: " + names);

        Submission.Result resumed = Submission.run(ROOT, env(appJar), List.of(), WORK.resolve("train-sigterm-resumed.log"),
                Duration.ofMinutes(5), concat(List.of("--master", "local[2]", "--"), concat(args, List.of("--resume"))));
        assertEquals(0, resumed.exitCode(), "resumed run failed:\n" + resumed.output());
        assertSameModel(localOut, out, "SIGTERM and resumed", null, null);
    }

    /**
     * The driver itself on the cluster ({@code --deploy-mode cluster}: a worker runs it in its own folder), writing
     * its outputs to a {@code file:} URI outside any working directory. The driver takes one worker's only core,
     * so one executor runs both packed partitions: the same partial sums as the two executors of the first run.
     */
    @Test
    @Order(5)
    void clusterDeployModeWritesWhereTheConfigurationSays(@TempDir Path elsewhere) throws Exception {
        Path out = elsewhere.resolve("out");
        Submission.Result run = Submission.run(ROOT, env(appJar), cluster.workerPids(),
                WORK.resolve("train-deploy-cluster.log"), Duration.ofMinutes(5), concat(List.of(
                        "--master", cluster.masterUrl(), "--deploy-mode", "cluster",
                        "--driver-memory", "512m", "--driver-cores", "1",
                        "--conf", "spark.standalone.submit.waitAppCompletion=true", "--"),
                        List.of("train", "--config", ROOT.resolve("conf/mnist-mlp.conf").toString(),
                                "--set", "fit.epochs=" + EPOCHS, "--set", "fit.partitions=2",
                                "--set", "data.dir=" + ROOT.resolve("data/mnist-digits"),
                                "--set", "output.dir=" + out.toUri())));
        assertEquals(0, run.exitCode(), "cluster deploy mode failed:\n" + run.output());
        assertEquals(List.of("history.json", "history.png", "metrics.json", "model.kindling"), names(out));
        JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
        assertEquals(cluster.masterUrl(), metrics.path("spark_master").asText());
        assertSameModel(clusterOut, out, "deploy mode cluster", null, null);
    }

    /**
     * {@code kill -9} of a whole worker JVM (its executor exits when it loses its worker): the fit finishes on the
     * remaining worker's executor with what the uninterrupted run learned. Last: the cluster keeps one worker.
     */
    @Test
    @Order(6)
    void aKilledWorkerDoesNotChangeWhatIsLearned() throws Exception {
        Path out = WORK.resolve("out-worker-killed");
        long worker = cluster.workerPids().get(0);
        Submission.Result run = Submission.run(ROOT, env(appJar), cluster.workerPids(),
                WORK.resolve("train-worker-killed.log"), Duration.ofMinutes(5),
                concat(List.of("--master", cluster.masterUrl(), "--"), train(out)),
                new Submission.Trigger(HALF_WAY, running -> kill(worker)));
        assertEquals(0, run.exitCode(), "run with a killed worker failed:\n" + run.output());
        assertSameModel(clusterOut, out, "worker killed", run, uninterruptedCluster);
    }

    /** Kills a JVM by its pid (SIGKILL) and waits until it is gone. */
    private static long kill(long pid) {
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        process.destroyForcibly();
        process.onExit().join();
        return pid;
    }

    private static void awaitFile(Path dir, String regex, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (Files.isDirectory(dir) && names(dir).stream().anyMatch(n -> n.matches(regex))) {
                    return;
                }
                Thread.sleep(50);
            } catch (IOException e) {
                // a checkpoint being renamed: look again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("no file matching " + regex + " in " + dir + " within " + timeout);
    }

    /** The two runs saved the same weights (printed: the max |difference|) and the same test accuracy. */
    private static void assertSameModel(Path expected, Path got, String what, Submission.Result run,
                                        Submission.Result reference) throws IOException {
        Sequential a = Sequential.load(expected.resolve("model.kindling"));
        Sequential b = Sequential.load(got.resolve("model.kindling"));
        double diff = b.weights().sub(a.weights()).map(Math::abs).max().item();
        double accuracyA = JSON.readTree(expected.resolve("metrics.json").toFile()).at("/test/accuracy").asDouble();
        double accuracyB = JSON.readTree(got.resolve("metrics.json").toFile()).at("/test/accuracy").asDouble();
        System.out.printf("%s: test accuracy %.4f (uninterrupted %.4f), max |weight difference| %s%s%n", what,
                accuracyB, accuracyA, diff, run == null || reference == null ? "" : String.format(
                        ", submit to exit %.1f s (uninterrupted %.1f s)", run.elapsed().toMillis() / 1e3,
                        reference.elapsed().toMillis() / 1e3));
        assertEquals(0.0, diff, what + ": max |weight difference| from the uninterrupted run");
        assertEquals(accuracyA, accuracyB, 0.0, what + ": test accuracy");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> train(Path out) {
        return List.of("train", "--config", "conf/mnist-mlp.conf",
                "--set", "fit.epochs=" + EPOCHS, "--set", "output.dir=" + out);
    }

    /** history.json has every epoch, history.png is an image, model.kindling is the model that was evaluated. */
    private static void assertOutputs(Path out, double testAccuracy) throws IOException {
        JsonNode history = JSON.readTree(out.resolve("history.json").toFile());
        for (String key : List.of("loss", "accuracy", "epoch_seconds")) {
            assertEquals(EPOCHS, history.path(key).size(), "history.json " + key + ": " + history);
        }
        BufferedImage plot = ImageIO.read(out.resolve("history.png").toFile());
        assertTrue(plot != null && plot.getWidth() > 100 && plot.getHeight() > 100, "history.png is no image");

        Sequential model = Sequential.load(out.resolve("model.kindling"));
        Mnist mnist = Mnist.load(ROOT.resolve("data/mnist-digits"));
        Evaluation reloaded = model.evaluate(Mnist.flattenAndScale(mnist.testImages()),
                Labels.toCategorical(mnist.testLabels(), 10));
        assertEquals(testAccuracy, reloaded.accuracy(), 1e-3, "the saved model's test accuracy");
    }

    /**
     * Counts SparkListenerTaskEnd events per executor id in the cluster run's event log (uncompressed; Spark 4 writes
     * it as {@code eventlog_v2_APP/events_N_APP} files).
     */
    private static Map<String, Integer> tasksPerExecutor(Path eventLogs) throws IOException {
        Map<String, Integer> tasks = new TreeMap<>();
        try (Stream<Path> files = Files.walk(eventLogs)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("events_")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    JsonNode event = JSON.readTree(line);
                    if ("SparkListenerTaskEnd".equals(event.path("Event").asText())) {
                        tasks.merge(event.at("/Task Info/Executor ID").asText(), 1, Integer::sum);
                    }
                }
            }
        }
        return tasks;
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static Map<String, String> env(Path appJar) {
        return Map.of("KINDLING_APP_JAR", appJar.toString(),
                "KINDLING_SPARK_CLASSPATH_FILE", sparkClasspath.toString(),
                "JAVA_OPTS", "-Xmx1g");
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** The checkout's root: the parent of the data folder the build names (kindling.data.dir), else of user.dir. */
    private static Path repositoryRoot() {
        String data = System.getProperty("kindling.data.dir");
        Path root = data != null ? Path.of(data).toAbsolutePath().getParent()
                : Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        if (!Files.isRegularFile(root.resolve("scripts/cluster"))) {
            throw new IllegalStateException("no scripts/cluster under " + root);
        }
        return root.normalize();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        }
        for (Path path : paths) {
            Files.delete(path);
        }
    }
}
