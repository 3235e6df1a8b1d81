// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.TensorFrames;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Scoring throughput, rows per second: Kindling's {@code KindlingClassificationModel.transform} on Spark local[2]
 * (a cached DataFrame of flat features, the result written to Spark's {@code noop} sink so every row is scored),
 * next to the exported ONNX model scored by ONNX Runtime in this one JVM (2 intra-op threads, batches of
 * {@code batch} rows) and Kindling's own {@code Sequential.predict} in this JVM. The seed network and the chapter-5
 * convnet, on the shipped test digits repeated to {@code rows} rows. Not a test: run through
 * {@code scripts/bench onnx-scoring}. Arguments: data dir, rows, runs, batch.
 */
public final class OnnxScoringBench {
    private OnnxScoringBench() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "data/mnist-digits");
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        Mnist mnist = Mnist.load(data);
        int[] index = new int[rows];
        for (int i = 0; i < rows; i++) {
            index[i] = i % mnist.testImages().dim(0);
        }
        Tensor raw = mnist.testImages().take(0, index);
        Tensor labels = mnist.testLabels().take(0, index);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("onnx-scoring-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        Dataset<Row> frame = TensorFrames.of(spark, raw, labels, 2, 255).cache();
        frame.count();

        Sequential seed = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX))
                .seed(1);
        Sequential convnet = Convnet.chapter5(1);
        System.out.printf(Locale.ROOT, "%d rows, %d runs (median), ONNX Runtime batch %d, %s%n", rows, runs, batch,
                Runtime.version());
        for (Map.Entry<String, Sequential> e : Map.of("seed network", seed, "chapter-5 convnet", convnet)
                .entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            Sequential model = e.getValue();
            KindlingClassificationModel stage = new KindlingClassificationModel("bench", model, null);
            double spark2 = median(runs, () -> stage.transform(frame).write().format("noop").mode(SaveMode.Overwrite)
                    .save(), rows);

            Tensor x = Mnist.imagesAndScale(raw).reshape(model.network().inputShape().prepend(rows));
            double local = median(runs, () -> model.predict(x), rows);

            Path file = Files.createTempFile("bench-", ".onnx");
            model.exportOnnx(file);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            double ort;
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(2);
                try (OrtSession session = env.createSession(file.toString(), options)) {
                    float[] flat = x.toFloatArray();
                    int width = model.network().inputShape().size();
                    ort = median(runs, () -> {
                        for (int from = 0; from < rows; from += batch) {
                            int n = Math.min(batch, rows - from);
                            long[] dims = dims(n, model.network().inputShape());
                            try (OnnxTensor in = OnnxTensor.createTensor(env,
                                    FloatBuffer.wrap(flat, from * width, n * width).slice(), dims);
                                 OrtSession.Result r = session.run(Map.of("input", in))) {
                                r.get(0).getValue();
                            }
                        }
                    }, rows);
                }
            }
            Files.delete(file);
            System.out.printf(Locale.ROOT, "%-18s Kindling transform, Spark local[2]: %,9.0f rows/s | Kindling predict,"
                    + " one JVM: %,9.0f rows/s | ONNX Runtime, one JVM, 2 threads: %,9.0f rows/s%n", e.getKey(), spark2,
                    local, ort);
        }
        spark.stop();
    }

    private static long[] dims(int n, Shape sample) {
        long[] d = new long[sample.rank() + 1];
        d[0] = n;
        for (int i = 0; i < sample.rank(); i++) {
            d[i + 1] = sample.dim(i);
        }
        return d;
    }

    interface Work {
        void run() throws Exception;
    }

    /** Rows per second of the median of {@code runs} timed runs, after one untimed warm-up run. */
    private static double median(int runs, Work work, int rows) throws Exception {
        work.run();
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            work.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(seconds);
        return rows / seconds[runs / 2];
    }
}
