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
import org.junit.jupiter.api.Test;

/**
 * End to end on a real Spark standalone cluster: {@code scripts/cluster start 2} (a master and two workers on
 * 127.0.0.1, separate JVMs), the seed recipe trained there with {@code scripts/submit} and again in local[2], the
 * outputs checked, the tasks traced to the executor JVMs, and the cluster stopped even if the test fails.
 */
class StandaloneClusterTest {

    private static final Path ROOT = repositoryRoot();
    private static final Path WORK = ROOT.resolve("app/target/cluster-test");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Epochs of the seed recipe (conf/mnist-mlp.conf) in each run. */
    private static final int EPOCHS = 1;

    private static TestClasspath classpath;
    private static Path sparkClasspath;
    private static LocalCluster cluster;

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
    void trainsOnTheClusterInTwoExecutorJvmsWithLocalModesAccuracy() throws Exception {
        Path appJar = classpath.writeAppJar(WORK.resolve("kindling-app.jar"));
        Path eventLogs = Files.createDirectories(WORK.resolve("event-logs"));
        Path clusterOut = WORK.resolve("out-cluster");
        Path localOut = WORK.resolve("out-local");

        Submission.Result onCluster = Submission.run(ROOT, env(appJar), cluster.workerPids(),
                WORK.resolve("train-cluster.log"), Duration.ofMinutes(5), concat(List.of(
                        "--master", cluster.masterUrl(),
                        "--conf", "spark.eventLog.enabled=true",
                        "--conf", "spark.eventLog.dir=" + eventLogs.toUri(),
                        "--conf", "spark.eventLog.compress=false", "--"), train(clusterOut)));
        assertEquals(0, onCluster.exitCode(), "cluster run failed:\n" + onCluster.output());
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
