// SPDX-License-Identifier: Apache-2.0
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
import dev.kindling.spark.TensorFrames;
import dev.kindling.core.blas.Products;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.runtime.AbstractFunction2;

/**
 * Trains the seed network on Fashion-MNIST with the Spark trainer and prints where each iteration's time goes,
 * next to the cost of a bare Spark job and of a naive broadcast + treeAggregate round measured in the same run.
 * Not a test: run through {@code scripts/bench spark}. Settings are system properties: {@code bench.data}
 * (default data/fashion-mnist), {@code bench.master} (local[2]), {@code bench.epochs} (5), {@code bench.batches}
 * (128,1024), {@code bench.partitions} (2, the input's partitions). {@code bench.inputPartitions=2,32,200} then also
 * trains {@code bench.scalingEpochs} (1) epoch(s) at each batch size from inputs of each partition count and prints
 * the per-step cost of each against the first.
 */
public final class TrainerBench {
    private static final int WEIGHTS = 407_050;
    /**
     * Forward + backward of 784-512-10 per sample, 2 FLOP per multiply-add: the forward and the kernel gradient of
     * each layer, and the second layer's input gradient (the input's gradient is never computed): 1.64 MFLOP.
     */
    private static final double FLOP_PER_SAMPLE = 2.0 * (2 * 784 * 512 + 3 * 512 * 10);
    private static final double TARGET_ACCURACY = 0.85;

    private TrainerBench() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(System.getProperty("bench.data", "data/fashion-mnist"));
        String master = System.getProperty("bench.master", "local[2]");
        int epochs = Integer.getInteger("bench.epochs", 5);
        int partitions = Integer.getInteger("bench.partitions", 2);
        // an empty list measures only Spark's own costs
        List<Integer> batches = Arrays.stream(System.getProperty("bench.batches", "128,1024").split(","))
                .map(String::trim).filter(b -> !b.isEmpty()).map(Integer::valueOf).toList();

        SparkSession.Builder builder = SparkSession.builder().master(master).appName("kindling-bench")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        // The settings of conf/spark-defaults.conf that cut the per-step cost (docs/performance.md);
        // -Dbench.conf.spark.broadcast.compress=true etc. measure without them.
        builder.config("spark.broadcast.compress", "false").config("spark.task.maxDirectResultSize", "64m");
        // -Dbench.conf.spark.some.key=value sets spark.some.key: the same run can try Spark settings.
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.conf."))
                .forEach(k -> builder.config(k.substring("bench.conf.".length()), System.getProperty(k)));
        String executorClasspath = System.getProperty("bench.executorClasspath");
        if (executorClasspath != null) {
            builder.config("spark.executor.extraClassPath", executorClasspath);
        }
        SparkSession spark = builder.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        System.out.printf(Locale.ROOT, "master %s, partitions %d, epochs %d, BLAS %s, OPENBLAS_NUM_THREADS=%s%n", master,
                partitions, epochs, Blas.implementationName(), System.getenv("OPENBLAS_NUM_THREADS"));

        double sgemm = sgemmGflops(partitions);
        System.out.printf(Locale.ROOT, "SGEMM peak: %d concurrent threads (one per partition, as tasks run), each"
                + " (128x784)x(784x512): %.1f GFLOP/s in all%n", partitions, sgemm);
        double bareJob = median(timeRuns(30, 100, () -> jsc.parallelize(List.of(1, 2), 2).count()));
        System.out.printf(Locale.ROOT, "bare Spark job (parallelize 2 ints, count): median %.1f ms%n", bareJob * 1e3);
        // The leanest job a per-step trainer can run: a named function over a cached RDD, no closure to clean, a
        // few bytes back. What is left is Spark's own cost of scheduling, launching and finishing a job.
        JavaRDD<Integer> cached = jsc.parallelize(List.of(1, 2), 2).cache();
        cached.count();
        double leanJob = median(timeRuns(30, 100, () -> leanJob(cached)));
        System.out.printf(Locale.ROOT, "lean Spark job (runJob over a cached RDD with a named function object): median"
                + " %.1f ms%n", leanJob * 1e3);
        double naive = median(timeRuns(10, 30, () -> naiveRound(jsc)));
        System.out.printf(Locale.ROOT, "naive round (broadcast %d floats + treeAggregate of that size over 2 "
                + "partitions): median %.1f ms%n", WEIGHTS, naive * 1e3);
        double update = median(timeRuns(300, 100, driverUpdate())); // long warm-up: C2 must have compiled the loop

        Mnist mnist = Mnist.load(data);
        Dataset<Row> train = TensorFrames.of(spark, mnist.trainImages(), mnist.trainLabels(), partitions, 255);
        Dataset<Row> test = TensorFrames.of(spark, mnist.testImages(), mnist.testLabels(), partitions, 255);
        for (int batch : batches) {
            run(train, test, mnist.trainLabels().size(), batch, epochs, bareJob, leanJob, update, sgemm);
        }
        String scaling = System.getProperty("bench.inputPartitions", "");
        if (!scaling.isBlank()) {
            List<Integer> counts = Arrays.stream(scaling.split(",")).map(String::trim).map(Integer::valueOf).toList();
            List<Integer> scalingBatches = Arrays.stream(System.getProperty("bench.scalingBatches", "128,1024")
                    .split(",")).map(String::trim).map(Integer::valueOf).toList();
            partitionScaling(spark, mnist, counts, scalingBatches, Integer.getInteger("bench.scalingEpochs", 1));
        }
        spark.stop();
    }

    /** One fit of the seed recipe at one batch size, with its figures. */
    private static void run(Dataset<Row> train, Dataset<Row> test, int samples, int batch, int epochs, double bareJob,
                            double leanJob, double update, double sgemm) {
        System.out.printf(Locale.ROOT, "%n== batch %d ==%n", batch);
        Sequential network = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX)).seed(1);
        network.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        SparkTrainer trainer = SparkTrainer.create();
        List<Double> epochSeconds = new ArrayList<>();
        double[] timeToTarget = {Double.NaN};
        TrainingListener clock = new TrainingListener() {
            @Override
            public void onEpochEnd(EpochLogs logs) {
                epochSeconds.add(logs.seconds());
                if (Double.isNaN(timeToTarget[0])) {
                    double accuracy = trainer.evaluate(network, test, Columns.defaults()).accuracy();
                    if (accuracy >= TARGET_ACCURACY) {
                        timeToTarget[0] = epochSeconds.stream().mapToDouble(Double::doubleValue).sum();
                    }
                }
            }
        };
        Map<String, Long> cpuBefore = cpuNanosByThreadKind();
        trainer.fit(network, train, Columns.defaults(), FitOptions.builder().epochs(epochs).batchSize(batch).seed(1)
                .listeners(new ProgressPrinter(System.out, 30), clock).build());
        Map<String, Long> cpuAfter = cpuNanosByThreadKind();
        double fitSeconds = epochSeconds.stream().mapToDouble(Double::doubleValue).sum();
        StepTimings t = trainer.lastTimings();
        Evaluation result = trainer.evaluate(network, test, Columns.defaults());

        double meanEpoch = epochSeconds.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double perStep = 1e3 / t.steps();
        double stepMs = t.stepSeconds() * perStep + update * 1e3;
        double computeMs = t.computeSeconds() * perStep;
        double syncMs = stepMs - computeMs;
        double gflops = batch * FLOP_PER_SAMPLE * 1e-9 / (computeMs / 1e3);
        System.out.printf(Locale.ROOT, "test accuracy %.4f, test loss %.4f%n", result.accuracy(), result.loss());
        System.out.printf(Locale.ROOT, "seconds per epoch %s, mean %.2f; %.0f samples/s%n",
                epochSeconds.stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList(), meanEpoch,
                samples / meanEpoch);
        if (epochSeconds.size() > 1) { // the first epoch also warms up the JIT on Spark's scheduling code
            double warm = epochSeconds.subList(1, epochSeconds.size()).stream().mapToDouble(Double::doubleValue)
                    .average().orElse(0);
            System.out.printf(Locale.ROOT, "  after the first epoch: mean %.2f s; %.0f samples/s%n", warm,
                    samples / warm);
        }
        System.out.printf(Locale.ROOT, "time to test accuracy >= %.2f: %s%n", TARGET_ACCURACY,
                Double.isNaN(timeToTarget[0]) ? "not reached" : String.format(Locale.ROOT, "%.1f s of training",
                        timeToTarget[0]));
        System.out.printf(Locale.ROOT, "per iteration (mean of %d): step %.1f ms = slowest partition's"
                        + " gradient %.1f ms + scheduling/moving weights and gradients/merging %.1f ms"
                        + " | driver update %.1f ms (median, measured apart) | total %.1f ms%n",
                t.steps(), t.stepSeconds() * perStep, computeMs, t.overheadSeconds() * perStep, update * 1e3, stepMs);
        System.out.printf(Locale.ROOT, "CPU time by thread during the fit and its per-epoch test evaluations"
                + " (%.1f s of training, %d cores):", fitSeconds, Runtime.getRuntime().availableProcessors());
        cpuAfter.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - cpuBefore.getOrDefault(e.getKey(), 0L)))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(6)
                .forEach(e -> System.out.printf(Locale.ROOT, " %s %.1f s;", e.getKey(), e.getValue() / 1e9));
        System.out.println(" (JVM threads only: not the garbage collector's)");
        System.out.printf(Locale.ROOT, "sync cost per iteration (all but the gradient arithmetic): %.1f ms = %.2fx the"
                + " bare job's %.1f ms%n", syncMs, syncMs / (bareJob * 1e3), bareJob * 1e3);
        System.out.printf(Locale.ROOT, "  the job floor: %d steps x %.1f ms lean job = %.2f s per epoch%n", t.steps()
                / Math.max(1, epochSeconds.size()), leanJob * 1e3, t.steps() / Math.max(1, epochSeconds.size()) * leanJob);
        System.out.printf(Locale.ROOT, "gradient arithmetic: %.1f GFLOP/s (batch FLOP / slowest partition's time) ="
                + " %.0f%% of the SGEMM peak%n", gflops, 100 * gflops / sgemm);
    }

    /**
     * The step's cost against the input's partition count: the same data as DataFrames of each partition count,
     * each trained at each batch size; per step the Spark job alone and the whole step (broadcast, job, destroy),
     * and each against the first partition count's.
     */
    private static void partitionScaling(SparkSession spark, Mnist mnist, List<Integer> counts, List<Integer> batches,
                                         int epochs) {
        System.out.printf(Locale.ROOT, "%n== step cost by input partitions (%d epoch(s) each) ==%n", epochs);
        System.out.printf(Locale.ROOT, "%-18s %-7s %-12s %-14s %-15s %-12s %-10s%n", "input partitions", "batch",
                "packed into", "sync ms/step", "step ms/step", "s/epoch", "test acc");
        Map<Integer, double[]> first = new HashMap<>();
        for (int count : counts) {
            Dataset<Row> train = TensorFrames.of(spark, mnist.trainImages(), mnist.trainLabels(), count, 255);
            Dataset<Row> test = TensorFrames.of(spark, mnist.testImages(), mnist.testLabels(), count, 255);
            for (int batch : batches) {
                Sequential network = new Sequential(new Dense(512, Activation.RELU, 784),
                        new Dense(10, Activation.SOFTMAX)).seed(1);
                network.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
                SparkTrainer trainer = SparkTrainer.create();
                double[] seconds = {0};
                int packed;
                try (dev.kindling.spark.PreparedData data = trainer.prepare(network, train, Columns.defaults())) {
                    packed = data.partitions();
                    trainer.fit(network, data, FitOptions.builder().epochs(epochs).batchSize(batch).seed(1)
                            .listeners(new TrainingListener() {
                                @Override
                                public void onEpochEnd(EpochLogs logs) {
                                    seconds[0] += logs.seconds();
                                }
                            }).build());
                }
                StepTimings t = trainer.lastTimings();
                double job = t.overheadSeconds() * 1e3 / t.steps();
                double step = t.stepSeconds() * 1e3 / t.steps();
                double accuracy = trainer.evaluate(network, test, Columns.defaults()).accuracy();
                double[] base = first.computeIfAbsent(batch, b -> new double[] {job, step});
                System.out.printf(Locale.ROOT, "%-18d %-7d %-12d %-14s %-15s %-12.2f %-10.4f%n", count, batch, packed,
                        String.format(Locale.ROOT, "%.1f (%.2fx)", job, job / base[0]),
                        String.format(Locale.ROOT, "%.1f (%.2fx)", step, step / base[1]), seconds[0] / epochs,
                        accuracy);
            }
        }
    }

    /**
     * Aggregate SGEMM rate of {@code threads} threads running at once, as that many tasks run their GEMMs: the
     * peak the gradient arithmetic is compared with (it includes any BLAS threads each call starts).
     */
    private static double sgemmGflops(int threads) throws InterruptedException {
        double[] rates = new double[threads];
        Thread[] workers = new Thread[threads];
        for (int w = 0; w < threads; w++) {
            int id = w;
            workers[w] = new Thread(() -> {
                Tensor a = Tensor.uniform(dev.kindling.core.tensor.Shape.of(128, 784), DType.FLOAT32, -1, 1, new Random(1));
                Tensor b = Tensor.uniform(dev.kindling.core.tensor.Shape.of(784, 512), DType.FLOAT32, -1, 1, new Random(2));
                Tensor c = Tensor.zeros(DType.FLOAT32, 128, 512);
                double seconds = median(timeRuns(200, 300, () -> Products.gemmInPlace(1, a, false, b, false, 0, c)));
                rates[id] = 2.0 * 128 * 784 * 512 / seconds / 1e9;
            });
            workers[w].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        return Arrays.stream(rates).sum();
    }

    /** CPU time of the live JVM threads, summed by name with trailing numbers and task ids dropped. */
    private static Map<String, Long> cpuNanosByThreadKind() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> byKind = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            long cpu = info == null ? -1 : threads.getThreadCpuTime(info.getThreadId());
            if (cpu >= 0) {
                String kind = info.getThreadName().startsWith("Executor task launch worker") ? "task threads"
                        : info.getThreadName().replaceAll("-?\\d+$", "");
                byKind.merge(kind, cpu, Long::sum);
            }
        }
        return byKind;
    }

    private static void leanJob(JavaRDD<Integer> rdd) {
        List<Object> partitions = List.of(0, 1);
        rdd.context().runJob(rdd.rdd(), new CountRows(), CollectionConverters.asScala(partitions).toSeq(),
                ClassTag.apply(Integer.class));
    }

    /** A named function class, which Spark's ClosureCleaner passes through untouched. */
    private static final class CountRows extends AbstractFunction2<TaskContext, scala.collection.Iterator<Integer>, Integer>
            implements java.io.Serializable {
        @Override
        public Integer apply(TaskContext context, scala.collection.Iterator<Integer> rows) {
            return rows.size();
        }
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
