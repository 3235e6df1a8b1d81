// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.app.Cli;
import dev.kindling.core.model.Sequential;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Kindling on a real YARN over a real HDFS ({@link MiniYarn}, {@link MiniHdfs}, both in this JVM): {@code
 * spark-submit --master yarn} in client and in cluster deploy mode, on the Spark 4.0.1 jar set of
 * {@code scripts/lib/spark-yarn-pom.xml} (spark-yarn is not published for 4.1), the shipped digits and every output
 * on HDFS; then an executor container's JVM killed by its pid mid-fit. Each run is the seed recipe for two epochs, the
 * job of StandaloneClusterTest. Runs only with {@code -Dkindling.yarn=true} (the {@code yarn} profile).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.MINUTES)
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "kindling.yarn", matches = "true")
class YarnClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Cli.repoRoot();
    private static final Path WORK = ROOT.resolve("app/target/yarn-test");

    private static MiniHdfs hdfs;
    private static MiniYarn yarn;
    private static DistributedFileSystem fs;
    private static Path sparkClasspath;
    private static String sparkJars;
    private static Path appJar;
    private static Submission.Result clientMode;

    @BeforeAll
    static void startClusters() throws Exception {
        MiniHdfs.deleteRecursively(WORK);
        Files.createDirectories(WORK);
        appJar = ROOT.resolve("app/target/kindling-app.jar");
        assertTrue(Files.isRegularFile(appJar), "the shaded app jar is made by `package`: " + appJar);
        long started = System.nanoTime();
        hdfs = MiniHdfs.start(WORK.resolve("dfs"));
        fs = hdfs.fs();
        yarn = MiniYarn.start(hdfs, WORK.resolve("hadoop-conf"));
        System.out.printf("MiniDFSCluster + MiniYARNCluster up in %.1f s; ResourceManager %s%n",
                (System.nanoTime() - started) / 1e9, yarn.resourceManager());
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(Cli.digits().toUri()),
                new org.apache.hadoop.fs.Path("/data/mnist-digits"));

        List<String> jars = resolveSparkOnYarn();
        // The client's classpath: the Hadoop configuration folder first (as Spark's launcher puts HADOOP_CONF_DIR),
        // then Spark 4.0.1 with spark-yarn.
        sparkClasspath = WORK.resolve("spark-yarn-classpath.txt");
        Files.writeString(sparkClasspath, yarn.confDir() + ":" + String.join(":", jars));
        // The containers' Spark: the same jars, already on this machine's disk (local:), nothing uploaded.
        sparkJars = jars.stream().map(j -> "local:" + j).collect(Collectors.joining(","));
    }

    @AfterAll
    static void stopClusters() {
        if (yarn != null) {
            yarn.close();
        }
        if (hdfs != null) {
            hdfs.close();
        }
    }

    @Test
    @Order(1)
    void clientDeployMode() throws Exception {
        clientMode = submit("client", "/out/client", Submission.Trigger.NONE);
        assertEquals(0, clientMode.exitCode(), "yarn client mode failed:\n" + clientMode.output());
        JsonNode metrics = JSON.readTree(read("/out/client/metrics.json"));
        System.out.printf("yarn client mode: test accuracy %.4f, submit to exit %.1f s, executors %s%n",
                metrics.at("/test/accuracy").asDouble(), clientMode.elapsed().toMillis() / 1e3,
                clientMode.executorPids());
        assertEquals("yarn", metrics.path("spark_master").asText());
        assertTrue(metrics.at("/test/accuracy").asDouble() > 0.8, metrics.toString());
        assertEquals(2, clientMode.executorPids().size(), "executor containers seen: " + clientMode.executorPids());
    }

    @Test
    @Order(2)
    void clusterDeployModeLearnsTheSameWeights() throws Exception {
        Submission.Result run = submit("cluster", "/out/cluster", Submission.Trigger.NONE);
        assertEquals(0, run.exitCode(), "yarn cluster mode failed:\n" + run.output());
        double diff = HdfsTest.maxAbsDifference(load("/out/client/model.kindling"), load("/out/cluster/model.kindling"));
        System.out.printf("yarn cluster mode: submit to exit %.1f s; max |weight difference| from client mode %s%n",
                run.elapsed().toMillis() / 1e3, diff);
        assertEquals(0.0, diff, "cluster vs client deploy mode weights");
    }

    @Test
    @Order(3)
    void aKilledExecutorContainerDoesNotChangeWhatIsLearned() throws Exception {
        long[] killed = {-1};
        Submission.Result run = submit("client", "/out/executor-killed", new Submission.Trigger("Epoch 2/2",
                running -> {
                    long pid = running.executorPids().values().iterator().next();
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    killed[0] = pid;
                }));
        assertEquals(0, run.exitCode(), "run with a killed executor failed:\n" + run.output());
        assertTrue(killed[0] > 0 && ProcessHandle.of(killed[0]).isEmpty(), "executor pid " + killed[0] + " killed");
        double diff = HdfsTest.maxAbsDifference(load("/out/client/model.kindling"),
                load("/out/executor-killed/model.kindling"));
        System.out.printf("yarn executor container killed (pid %d): submit to exit %.1f s (uninterrupted %.1f s);"
                + " max |weight difference| %s%n", killed[0], run.elapsed().toMillis() / 1e3,
                clientMode.elapsed().toMillis() / 1e3, diff);
        assertEquals(0.0, diff, "weights with a killed executor vs uninterrupted");
    }

    private static Submission.Result submit(String deployMode, String out, Submission.Trigger trigger)
            throws IOException, InterruptedException {
        String javaHome = System.getProperty("java.home");
        Map<String, String> env = Map.of("KINDLING_APP_JAR", appJar.toString(),
                "KINDLING_SPARK_CLASSPATH_FILE", sparkClasspath.toString(), "JAVA_OPTS", "-Xmx1g",
                "HADOOP_CONF_DIR", yarn.confDir().toString(), "SPARK_LOCAL_IP", "127.0.0.1");
        List<String> args = new ArrayList<>(List.of("--master", "yarn", "--deploy-mode", deployMode,
                "--num-executors", "2", "--executor-cores", "1", "--executor-memory", "1g",
                "--driver-memory", "1g",
                "--conf", "spark.yarn.jars=" + sparkJars,
                "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome,
                "--conf", "spark.executorEnv.JAVA_HOME=" + javaHome,
                "--conf", "spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1",
                "--conf", "spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1",
                "--conf", "spark.ui.enabled=false", "--"));
        // The job file by its absolute path: the containers run on this machine.
        args.addAll(List.of("train", "--config", ROOT.resolve("conf/mnist-mlp.conf").toString(),
                "--set", "fit.epochs=2", "--set", "fit.partitions=2",
                "--set", "data.dir=" + hdfs.uri("/data/mnist-digits"), "--set", "output.dir=" + hdfs.uri(out)));
        long nodeManagerJvm = ProcessHandle.current().pid();
        return Submission.run(ROOT, env, List.of(nodeManagerJvm), WORK.resolve(deployMode + "-" + out.replace('/', '-')
                + ".log"), Duration.ofMinutes(6), args, trigger);
    }

    /** Spark 4.0.1 with spark-yarn, resolved by Maven from scripts/lib/spark-yarn-pom.xml (cached in ~/.m2). */
    private static List<String> resolveSparkOnYarn() throws IOException, InterruptedException {
        Path file = WORK.resolve("spark-yarn-jars.txt");
        Process mvn = new ProcessBuilder("mvn", "-q", "-B", "-f", ROOT.resolve("scripts/lib/spark-yarn-pom.xml").toString(),
                "dependency:build-classpath", "-DincludeScope=runtime", "-Dmdep.outputFile=" + file)
                .redirectErrorStream(true).redirectOutput(WORK.resolve("resolve-spark-yarn.log").toFile()).start();
        assertTrue(mvn.waitFor(5, TimeUnit.MINUTES) && mvn.exitValue() == 0,
                "resolving Spark on YARN failed: " + Files.readString(WORK.resolve("resolve-spark-yarn.log")));
        return List.of(Files.readString(file, StandardCharsets.UTF_8).trim().split(":"));
    }

    private static Sequential load(String path) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return Sequential.load(in, hdfs.uri(path));
        }
    }

    private static String read(String path) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
