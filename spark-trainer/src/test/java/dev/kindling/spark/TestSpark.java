package dev.kindling.spark;

import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
