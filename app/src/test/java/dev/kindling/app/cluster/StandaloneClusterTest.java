package dev.kindling.app.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end on a real Spark standalone cluster: {@code scripts/cluster start 2} (a master and two workers on
 * 127.0.0.1, separate JVMs), jobs submitted with {@code scripts/submit}, the cluster stopped even if a test fails.
 */
class StandaloneClusterTest {

    private static final Path ROOT = repositoryRoot();
    private static final Path WORK = ROOT.resolve("app/target/cluster-test");

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
    void probeTasksRunInTwoExecutorJvmsSeparateFromTheDriver() throws IOException, InterruptedException {
        Path jar = classpath.writeAppJar(WORK.resolve("probe.jar"), ROOT.resolve("app/target/test-classes"));
        Submission.Result run = Submission.run(ROOT, env(jar), cluster.workerPids(), WORK.resolve("probe.log"),
                Duration.ofMinutes(3), List.of("--master", cluster.masterUrl(),
                        "--class", ExecutorProbe.class.getName(), "--", "1000", "4"));
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("total 500500"), run.output());
        Set<Long> taskPids = new HashSet<>();
        Matcher m = Pattern.compile("in executor pid (\\d+)").matcher(run.output());
        while (m.find()) {
            taskPids.add(Long.parseLong(m.group(1)));
        }
        System.out.printf("probe: %.1f s, driver pid %d, executors %s, task pids %s%n",
                run.elapsed().toMillis() / 1e3, run.driverPid(), run.executorPids(), taskPids);
        assertEquals(2, run.executorPids().size(), "executor JVMs seen: " + run.executorPids());
        assertTrue(run.executorPids().values().containsAll(taskPids), taskPids + " vs " + run.executorPids());
        assertFalse(taskPids.contains(run.driverPid()));
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
