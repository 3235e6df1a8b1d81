// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.bench;

import dev.kindling.core.data.Mnist;
import dev.kindling.spark.TensorFrames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a training set several times larger than a small driver's heap, for the larger-than-the-driver run of
 * {@code scripts/bench big-data}: {@code copies} augmented copies of Fashion-MNIST's 60,000 training images (each
 * shifted by up to 2 pixels in each direction, with a little noise, seeded), as Parquet with a {@code features}
 * vector (pixels / 255) and a {@code label}, in {@code partitions} files; and the 10,000 test images, unchanged, next
 * to it. The rows are made on the executors from one broadcast of the 47 MB of source pixels. Not a test.
 * Arguments: fashion-mnist dir, output dir, copies, partitions.
 */
public final class AugmentedParquet {
    private AugmentedParquet() {
    }

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        String out = args[1];
        int copies = Integer.parseInt(args[2]);
        int partitions = Integer.parseInt(args[3]);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("augmented-fashion-mnist")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        Mnist mnist = Mnist.load(source);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = mnist.trainLabels().size();
        byte[] pixels = new byte[n * 784];
        float[] images = mnist.trainImages().toFloatArray();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (int) images[i];
        }
        float[] labels = mnist.trainLabels().toFloatArray();
        Broadcast<byte[]> shipped = sc.broadcast(pixels);
        Broadcast<float[]> shippedLabels = sc.broadcast(labels);
        long rows = (long) copies * n;
        List<long[]> ranges = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ranges.add(new long[] {rows * p / partitions, rows * (p + 1) / partitions});
        }
        long start = System.nanoTime();
        spark.createDataFrame(sc.parallelize(ranges, partitions).flatMap(r -> augmented(shipped.value(),
                shippedLabels.value(), r[0], r[1])), TensorFrames.SCHEMA)
                .write().mode(SaveMode.Overwrite).parquet(out + "/train.parquet");
        TensorFrames.of(spark, mnist.testImages(), mnist.testLabels(), 2, 255)
                .write().mode(SaveMode.Overwrite).parquet(out + "/test.parquet");
        System.out.printf(Locale.ROOT, "wrote %d training rows (%d augmented copies of %d) in %d files and %d test rows"
                + " to %s in %.1f s%n", rows, copies, n, partitions, mnist.testLabels().size(), out,
                (System.nanoTime() - start) / 1e9);
        spark.stop();
    }

    /** Rows {@code [from, to)}: row {@code i} is image {@code i mod n} shifted and noised with a generator seeded by i. */
    private static Iterator<Row> augmented(byte[] pixels, float[] labels, long from, long to) {
        int n = labels.length;
        return new Iterator<>() {
            private long i = from;

            @Override
            public boolean hasNext() {
                return i < to;
            }

            @Override
            public Row next() {
                if (i >= to) {
                    throw new NoSuchElementException();
                }
                SplittableRandom rng = new SplittableRandom(i);
                int image = (int) (i % n);
                boolean original = i < n;
                int dx = original ? 0 : rng.nextInt(5) - 2;
                int dy = original ? 0 : rng.nextInt(5) - 2;
                double[] v = new double[784];
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        int sx = x - dx;
                        int sy = y - dy;
                        double p = sx < 0 || sx >= 28 || sy < 0 || sy >= 28 ? 0
                                : (pixels[image * 784 + sy * 28 + sx] & 0xFF) / 255.0;
                        if (!original && p > 0) {
                            p = Math.min(1, Math.max(0, p + 0.05 * (rng.nextDouble() - 0.5)));
                        }
                        v[y * 28 + x] = p;
                    }
                }
                i++;
                return RowFactory.create(Vectors.dense(v), (double) labels[image]);
            }
        };
    }
}
