// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.tensor.Tensor;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** A shared local[2] session for the tests, and small data sets as DataFrames. */
public final class TestSpark {
    public static final StructType SCHEMA = new StructType()
            .add("features", SQLDataTypes.VectorType(), true)
            .add("label", DataTypes.DoubleType, true);

    private TestSpark() {
    }

    /** The local[2] session, created once per JVM (a test that needs another master stops it first). */
    public static synchronized SparkSession local() {
        SparkSession active = SparkSession.getActiveSession().getOrElse(() -> null);
        if (active != null && active.sparkContext().master().equals("local[2]") && !active.sparkContext().isStopped()) {
            return active;
        }
        if (active != null) {
            active.stop();
        }
        SparkSession session = SparkSession.builder().master("local[2]").appName("kindling-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
        session.sparkContext().setLogLevel("WARN");
        return session;
    }

    /**
     * A session on {@code local-cluster[2,1,1024]}: two real executor JVMs, started by a master and two workers
     * inside this JVM. Needs what a standalone worker needs: SPARK_HOME with a {@code jars/} folder (the build sets
     * it to target/spark-home), the Scala version, and the executors' classpath (this JVM's test classpath). Waits
     * until both executors have registered. Stops any other session first.
     */
    static SparkSession localCluster(String appName, Map<String, String> conf) throws IOException {
        String sparkHome = System.getenv("SPARK_HOME");
        if (sparkHome == null) {
            throw new IllegalStateException("the build sets SPARK_HOME for tests");
        }
        Files.createDirectories(Path.of(sparkHome, "jars"));
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        SparkSession.Builder builder = SparkSession.builder().master("local-cluster[2,1,1024]").appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.extraClassPath", testClasspath());
        conf.forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        awaitExecutors(spark, 2, Duration.ofSeconds(60));
        return spark;
    }

    /** Waits until {@code n} executors (besides the driver) are registered. */
    static void awaitExecutors(SparkSession spark, int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < n + 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + n + " executors registered within " + timeout);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The process ids of the executor JVMs, by executor id, from a job with enough tasks to reach all of them. */
    static Map<String, Long> executorPids(SparkSession spark) {
        Map<String, Long> pids = new TreeMap<>();
        int executors = spark.sparkContext().statusTracker().getExecutorInfos().length - 1;
        for (int attempt = 0; attempt < 20 && pids.size() < executors; attempt++) {
            for (String s : jsc(spark).parallelize(IntStream.range(0, 64).boxed().toList(), 64)
                    .map(i -> SparkEnv.get().executorId() + "=" + ProcessHandle.current().pid()).distinct().collect()) {
                String[] kv = s.split("=");
                pids.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        return pids;
    }

    /** Surefire runs tests from a manifest-only jar; the real classpath is in its own property. */
    static String testClasspath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(cp.split(File.pathSeparator)).stream().filter(p -> !p.isBlank())
                .map(p -> new File(p).getAbsolutePath()).collect(Collectors.joining(File.pathSeparator));
    }

    static JavaSparkContext jsc(SparkSession session) {
        return JavaSparkContext.fromSparkContext(session.sparkContext());
    }

    /** Rows (features vector, class label) in the order of the tensors, in {@code partitions} contiguous slices. */
    public static Dataset<Row> frame(SparkSession session, Tensor x, int[] labels, int partitions) {
        List<Row> rows = new ArrayList<>();
        int d = x.dim(1);
        for (int r = 0; r < labels.length; r++) {
            double[] f = new double[d];
            for (int c = 0; c < d; c++) {
                f[c] = x.getFlat(r * d + c);
            }
            rows.add(RowFactory.create(Vectors.dense(f), (double) labels[r]));
        }
        return session.createDataFrame(jsc(session).parallelize(rows, partitions), SCHEMA);
    }

    /** Three Gaussian blobs in 4-d: features {@code (n, 4)} and class labels. */
    public static Object[] blobs(int n, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * 4];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            labels[i] = c;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) ((j == c ? 2.0 : 0.0) + 0.7 * rng.nextGaussian());
            }
        }
        return new Object[] {Tensor.of(x, n, 4), labels};
    }
}
