package dev.kindling.spark.bench;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.EpochLogs;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.ProgressPrinter;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.OptimizerState;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.Columns;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.StepTimings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Trains the seed network on Fashion-MNIST with the Spark trainer and prints where each iteration's time goes,
 * next to the cost of a bare Spark job and of a naive broadcast + treeAggregate round measured in the same run.
 * Not a test: run through {@code scripts/bench-spark}. Settings are system properties: {@code bench.data}
 * (default data/fashion-mnist), {@code bench.master} (local[2]), {@code bench.epochs} (5), {@code bench.batch}
 * (128), {@code bench.partitions} (2).
 */
public final class TrainerBench {
    private static final int WEIGHTS = 407_050;

    private TrainerBench() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(System.getProperty("bench.data", "data/fashion-mnist"));
        String master = System.getProperty("bench.master", "local[2]");
        int epochs = Integer.getInteger("bench.epochs", 5);
        int batch = Integer.getInteger("bench.batch", 128);
        int partitions = Integer.getInteger("bench.partitions", 2);

        SparkSession spark = SparkSession.builder().master(master).appName("kindling-bench")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        System.out.printf(Locale.ROOT, "master %s, partitions %d, batch %d, epochs %d, BLAS %s%n", master, partitions,
                batch, epochs, Blas.implementationName());

        double bareJob = median(timeRuns(30, 100, () -> jsc.parallelize(List.of(1, 2), 2).count()));
        System.out.printf(Locale.ROOT, "bare Spark job (parallelize 2 ints, count): median %.1f ms%n", bareJob * 1e3);
        double naive = median(timeRuns(10, 30, () -> naiveRound(jsc)));
        System.out.printf(Locale.ROOT, "naive round (broadcast %d floats + treeAggregate of that size over 2 "
                + "partitions): median %.1f ms%n", WEIGHTS, naive * 1e3);

        Mnist mnist = Mnist.load(data);
        Dataset<Row> train = frame(spark, jsc, Mnist.flattenAndScale(mnist.trainImages()), mnist.trainLabels(), partitions);
        Dataset<Row> test = frame(spark, jsc, Mnist.flattenAndScale(mnist.testImages()), mnist.testLabels(), partitions);

        Sequential network = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX)).seed(1);
        network.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        List<Double> epochSeconds = new ArrayList<>();
        TrainingListener collect = new TrainingListener() {
            @Override
            public void onEpochEnd(EpochLogs logs) {
                epochSeconds.add(logs.seconds());
            }
        };
        SparkTrainer trainer = SparkTrainer.create();
        long start = System.nanoTime();
        trainer.fit(network, train, Columns.defaults(), FitOptions.builder().epochs(epochs).batchSize(batch).seed(1)
                .listeners(new ProgressPrinter(System.out), collect).build());
        double fitSeconds = (System.nanoTime() - start) / 1e9;
        StepTimings t = trainer.lastTimings();
        Evaluation result = trainer.evaluate(network, test, Columns.defaults());

        double update = median(timeRuns(5, 50, driverUpdate()));
        double perStep = 1e3 / t.steps();
        double stepMs = (t.broadcastSeconds() + t.jobSeconds() + t.cleanupSeconds()) * perStep + update * 1e3;
        System.out.println();
        System.out.printf(Locale.ROOT, "test accuracy %.4f, test loss %.4f%n", result.accuracy(), result.loss());
        System.out.printf(Locale.ROOT, "fit %.1f s (packing included); seconds per epoch %s, mean %.2f%n", fitSeconds,
                epochSeconds.stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList(),
                epochSeconds.stream().mapToDouble(Double::doubleValue).average().orElse(0));
        System.out.printf(Locale.ROOT, "per iteration (mean of %d): broadcast %.1f ms | job %.1f ms = slowest partition's"
                        + " gradient %.1f ms + scheduling/serialization/aggregation %.1f ms | broadcast destroy %.1f ms"
                        + " | driver update %.1f ms (median, measured apart) | total %.1f ms%n",
                t.steps(), t.broadcastSeconds() * perStep, t.jobSeconds() * perStep, t.computeSeconds() * perStep,
                t.overheadSeconds() * perStep, t.cleanupSeconds() * perStep, update * 1e3, stepMs);
        System.out.printf(Locale.ROOT, "sync cost per iteration (all but the gradient arithmetic): %.1f ms = %.2fx the"
                + " bare job's %.1f ms%n", stepMs - t.computeSeconds() * perStep,
                (stepMs - t.computeSeconds() * perStep) / (bareJob * 1e3), bareJob * 1e3);
        spark.stop();
    }

    private static Dataset<Row> frame(SparkSession spark, JavaSparkContext jsc, Tensor x, Tensor labels, int partitions) {
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        int d = x.dim(1);
        float[] values = x.toFloatArray();
        for (int r = 0; r < x.dim(0); r++) {
            double[] f = new double[d];
            for (int c = 0; c < d; c++) {
                f[c] = values[r * d + c];
            }
            rows.add(RowFactory.create(Vectors.dense(f), labels.getFlat(r)));
        }
        return spark.createDataFrame(jsc.parallelize(rows, partitions), schema);
    }

    private static void naiveRound(JavaSparkContext jsc) {
        Broadcast<float[]> weights = jsc.broadcast(new float[WEIGHTS]);
        jsc.parallelize(List.of(1, 2), 2).treeAggregate(new float[0], (acc, i) -> {
            float[] g = new float[WEIGHTS];
            g[i] = weights.value()[i];
            return g;
        }, (a, b) -> {
            if (a.length == 0) {
                return b;
            }
            for (int i = 0; i < b.length; i++) {
                a[i] += b[i];
            }
            return a;
        }, 2);
        weights.destroy();
    }

    private static Runnable driverUpdate() {
        Optimizer rmsprop = Optimizer.rmsprop();
        Tensor weights = Tensor.uniform(dev.kindling.core.tensor.Shape.of(WEIGHTS), DType.FLOAT32, -0.1, 0.1, new Random(1));
        Tensor grad = Tensor.uniform(dev.kindling.core.tensor.Shape.of(WEIGHTS), DType.FLOAT32, -0.1, 0.1, new Random(2));
        OptimizerState[] state = {rmsprop.init(WEIGHTS, DType.FLOAT32)};
        return () -> {
            grad.scaleInPlace(1.0);
            state[0] = rmsprop.applyInPlace(state[0], weights, grad);
        };
    }

    private static double[] timeRuns(int warmup, int runs, Runnable action) {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            action.run();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        return seconds;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
