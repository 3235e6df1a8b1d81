package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training on two real executor JVMs ({@code local-cluster[2,1,1024]}), so nothing relies on sharing the driver's
 * JVM: weights, network and batches all cross process boundaries by serialization. Needs what a standalone
 * worker needs: SPARK_HOME with a {@code jars/} folder (set by the build to target/spark-home), the Scala version,
 * and the executors' classpath (this JVM's test classpath).
 */
class SeparateExecutorsTest {
    private static SparkSession spark;

    @BeforeAll
    static void startCluster() throws IOException {
        String sparkHome = System.getenv("SPARK_HOME");
        assertTrue(sparkHome != null, "the build sets SPARK_HOME for tests");
        Files.createDirectories(Path.of(sparkHome, "jars"));
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("kindling-executors-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.extraClassPath", testClasspath())
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
    }

    @AfterAll
    static void stopCluster() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** Surefire runs tests from a manifest-only jar; the real classpath is in its own property. */
    private static String testClasspath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(cp.split(File.pathSeparator)).stream().filter(p -> !p.isBlank())
                .map(p -> new File(p).getAbsolutePath()).collect(Collectors.joining(File.pathSeparator));
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
        assertTrue(distributed.weights().allClose(local.weights(), 1e-4, 1e-4));

        Evaluation evaluation = trainer.evaluate(distributed, TestSpark.frame(spark, x, labels, 4), Columns.defaults());
        assertEquals(local.evaluate(x, Labels.toCategorical(Tensor.of(f, labels.length), 3)).accuracy(),
                evaluation.accuracy(), 1e-9);

        Set<String> executorPids = Set.copyOf(TestSpark.jsc(spark).parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
                .map(i -> String.valueOf(ProcessHandle.current().pid())).collect());
        String driverPid = String.valueOf(ProcessHandle.current().pid());
        assertEquals(2, executorPids.size(), "tasks ran in two executor JVMs: " + executorPids);
        assertTrue(!executorPids.contains(driverPid), "no task ran in the driver JVM");
    }

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX)).seed(9);
        model.compile(Optimizer.rmsprop(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }
}
