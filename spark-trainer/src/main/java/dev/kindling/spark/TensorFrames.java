// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * DataFrames made from tensors held by the driver (MNIST loaded with {@code Mnist.load}, say), in the shape the
 * trainer reads: a {@code features} Spark ML vector and a {@code label} double, one row per sample, in the
 * tensors' order.
 *
 * <p>The samples travel to executors once, as a broadcast, and partition {@code p} builds rows
 * {@code [p*n/P, (p+1)*n/P)} from it. A DataFrame made from a local list of rows would instead keep each
 * partition's rows inside its tasks, and every training step would ship them again. Contiguous runs keep the
 * order, so the last rows stay last (the validation split) as in the one-JVM fit.
 */
public final class TensorFrames {
    /** {@code features} (Spark ML vector) and {@code label} (double), the names of {@link Columns#defaults()}. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty())
    });

    private TensorFrames() {
    }

    /**
     * @param samples    {@code (n, ...)}; each sample is flattened into one features vector and divided by
     *                   {@code scale} (255 for raw MNIST pixels, 1 for values already scaled)
     * @param labels     {@code (n)} class indices or values
     * @param partitions number of partitions, at least 1 (fewer if there are fewer samples)
     */
    public static Dataset<Row> of(SparkSession spark, Tensor samples, Tensor labels, int partitions, double scale) {
        int n = samples.rank() == 0 ? 0 : samples.dim(0);
        if (labels.rank() != 1 || labels.dim(0) != n) {
            throw new DataException("samples " + samples.shape() + " and labels " + labels.shape()
                    + " do not match: expected one label per sample");
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be a finite number > 0, got " + scale);
        }
        int slices = Math.max(1, Math.min(n, partitions));
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // Destroyed by Spark's ContextCleaner once the frame and everything derived from it are unreachable: the
        // rows are recomputed from it whenever a lost cached block is (docs/design.md).
        Broadcast<Shipped<Samples>> shipped = sc.broadcast(new Shipped<>(Samples.of(samples, labels)));
        List<int[]> ranges = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            ranges.add(new int[] {(int) ((long) n * i / slices), (int) ((long) n * (i + 1) / slices)});
        }
        JavaRDD<Row> rows = sc.parallelize(ranges, slices).flatMap(r -> shipped.value().value().rows(r[0], r[1], scale));
        return spark.createDataFrame(rows, SCHEMA);
    }

    /**
     * Samples as shipped to the executors. Values that are bytes (0..255, as in MNIST) travel as bytes, a quarter
     * of float's size (47 MB for 60,000 Fashion-MNIST images); anything else travels as floats. Vectors are made
     * (and scaled) on the executors, one row at a time.
     */
    private record Samples(byte[] bytes, float[] floats, float[] labels, int width) implements Serializable {

        static Samples of(Tensor x, Tensor y) {
            float[] values = x.toFloatArray();
            float[] labels = y.toFloatArray();
            int width = values.length / Math.max(1, labels.length);
            for (float v : values) {
                if (!(v >= 0 && v <= 255 && v == Math.rint(v))) {
                    return new Samples(null, values, labels, width);
                }
            }
            byte[] b = new byte[values.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (int) values[i];
            }
            return new Samples(b, null, labels, width);
        }

        Iterator<Row> rows(int from, int to, double scale) {
            return new Iterator<>() {
                private int i = from;

                @Override
                public boolean hasNext() {
                    return i < to;
                }

                @Override
                public Row next() {
                    if (i >= to) {
                        throw new NoSuchElementException();
                    }
                    double[] v = new double[width];
                    int offset = i * width;
                    for (int j = 0; j < width; j++) {
                        v[j] = (bytes != null ? (bytes[offset + j] & 0xFF) : floats[offset + j]) / scale;
                    }
                    return RowFactory.create(Vectors.dense(v), (double) labels[i++]);
                }
            };
        }
    }
}
