// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.app.Main;
import dev.kindling.app.config.JobConfig.CsvOptions;
import dev.kindling.app.config.JobConfig.DataConfig;
import dev.kindling.app.config.JobConfig.Format;
import dev.kindling.core.data.Idx;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.DataException;
import dev.kindling.core.data.Sequences;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each input format on tiny generated files, read as the trainer will see them. */
class InputsTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("InputsTest")
                .config("spark.ui.enabled", "false").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static DataConfig config(Format format, List<String> train, double scale, int partitions,
                                     CsvOptions csv, String parquetFeatures) {
        return data(format, null, train, train, List.of(), 2, scale, partitions, csv, 0, parquetFeatures,
                "label", null);
    }

    /** The data section of a job file with these keys, the rest as reference.conf has them. */
    private static DataConfig data(Format format, String dir, List<String> train, List<String> test,
                                   List<String> validation, int numClasses, double scale, int partitions, CsvOptions csv,
                                   int libsvmFeatures, String parquetFeatures, String parquetLabel, String weights) {
        return new DataConfig(format, dir, train, test, validation, null, null, null, weights, numClasses, scale,
                partitions, csv == null ? csv("label", List.of()) : csv, new DataConfig.Libsvm(libsvmFeatures),
                new DataConfig.Parquet(parquetFeatures, parquetLabel, "none", Sequences.Side.PRE));
    }

    private static CsvOptions csv(String label, List<String> features) {
        return new CsvOptions(true, ",", label, features);
    }

    /** (features, label) pairs in the DataFrame's order. */
    private static List<double[]> rows(Inputs.Input input) {
        List<Row> rows = input.frame().select(input.columns().features(), input.columns().label()).collectAsList();
        return rows.stream().map(r -> {
            double[] x = r.get(0) instanceof Vector v ? v.toArray()
                    : r.getList(0).stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
            double[] out = java.util.Arrays.copyOf(x, x.length + 1);
            out[x.length] = ((Number) r.get(1)).doubleValue();
            return out;
        }).toList();
    }

    @Test
    void csvWithEveryOtherColumnAsFeatures() throws Exception {
        Path file = dir.resolve("train.csv");
        Files.writeString(file, "a,label,b\n2,1,4\n6,0,8\n");
        Inputs.Input in = Inputs.load(spark, config(Format.CSV, List.of(file.toString()), 2, 0,
                csv("label", List.of()), null), Inputs.Split.TRAIN, null);
        List<double[]> rows = rows(in);
        assertArrayEquals(new double[] {1, 2, 1}, rows.get(0));
        assertArrayEquals(new double[] {3, 4, 0}, rows.get(1));

        Inputs.Input chosen = Inputs.load(spark, config(Format.CSV, List.of(file.toString()), 1, 0,
                csv("label", List.of("b")), null), Inputs.Split.TRAIN, null);
        assertArrayEquals(new double[] {4, 1}, rows(chosen).get(0));
    }

    @Test
    void aNonNumericCsvLabelNamesTheRowAndColumn() throws Exception {
        Path file = dir.resolve("bad.csv");
        Files.writeString(file, "label,x1,x2\n1,0.5,0.25\nabc,0.1,0.2\n");
        Inputs.Input in = Inputs.load(spark, config(Format.CSV, List.of(file.toString()), 1, 0,
                csv("label", List.of()), null), Inputs.Split.TRAIN, null);
        Exception e = assertThrows(Exception.class, () -> rows(in));
        String message = Main.dataProblem(e);
        assertEquals("csv " + file + ": row 1 (line 3), column"
                + " 'label': 'abc' is not a number", message);
    }

    @Test
    void aMissingCsvColumnIsNamed() throws Exception {
        Path file = dir.resolve("t.csv");
        Files.writeString(file, "y,x\n1,2\n");
        DataException e = assertThrows(DataException.class, () -> Inputs.load(spark, config(Format.CSV,
                List.of(file.toString()), 1, 0, csv("label", List.of()), null), Inputs.Split.TRAIN, null));
        assertTrue(e.getMessage().contains("label column 'label' is missing; the columns are y, x"), e.getMessage());
    }

    @Test
    void libsvm() throws Exception {
        Path file = dir.resolve("train.libsvm");
        Files.writeString(file, "1 1:0.5 3:2\n0 2:1\n");
        Inputs.Input in = Inputs.load(spark, config(Format.LIBSVM, List.of(file.toString()), 1, 0, null, null),
                Inputs.Split.TRAIN, null);
        assertArrayEquals(new double[] {0.5, 0, 2, 1}, rows(in).get(0));
        assertArrayEquals(new double[] {0, 1, 0, 0}, rows(in).get(1));
        // A test file whose last feature never occurs still gets the model's width.
        Inputs.Input wide = Inputs.load(spark, config(Format.LIBSVM, List.of(file.toString()), 1, 0, null, null),
                Inputs.Split.TEST, Shape.of(5));
        assertEquals(6, rows(wide).get(0).length);
    }

    /**
     * LibSVM rows stay sparse vectors, and the memory estimate counts them by their non-zeros when the first layer is
     * Dense (they are packed as sparse rows), by their width otherwise (packed dense).
     */
    @Test
    void libsvmRowsAreSparseAndTheMemoryEstimateCountsTheirNonZeros() throws Exception {
        Path file = dir.resolve("wide.libsvm");
        Files.writeString(file, "1 1:0.5 1073741824:1\n0 2:0.5\n1 3:1\n0 4:1\n");
        DataConfig data = data(Format.LIBSVM, null, List.of(file.toString()), List.of(file.toString()),
                List.of(), 2, 1, 1, null, 1 << 30, null, "label", null);
        Inputs.Input in = Inputs.load(spark, data, Inputs.Split.TRAIN, null);
        assertTrue(in.frame().select("features").head().get(0) instanceof org.apache.spark.ml.linalg.SparseVector);
        dev.kindling.core.model.Sequential dense = new dev.kindling.core.model.Sequential(
                new dev.kindling.core.layers.Dense(2, dev.kindling.core.layers.Activation.SOFTMAX));
        MemoryCheck.Estimate sparse = MemoryCheck.estimate(in, dense, 2, dev.kindling.core.tensor.DType.FLOAT32,
                spark.sparkContext(), 1);
        assertTrue(sparse.sparse() && sparse.fits(), sparse.toString());
        assertEquals(5, sparse.nonZeros());
        // 5 non-zeros x (4 + 4) bytes + 4 rows x (4 + 2 targets x 4 bytes)
        assertEquals(5 * 8 + 4 * 12, sparse.bytesPerPartition());
        dev.kindling.core.model.Sequential dropoutFirst = new dev.kindling.core.model.Sequential(
                new dev.kindling.core.layers.Dropout(0.1),
                new dev.kindling.core.layers.Dense(2, dev.kindling.core.layers.Activation.SOFTMAX));
        MemoryCheck.Estimate densely = MemoryCheck.estimate(in, dropoutFirst, 2,
                dev.kindling.core.tensor.DType.FLOAT32, spark.sparkContext(), 1);
        assertTrue(!densely.sparse() && !densely.fits(), densely.toString());
        assertEquals(4L * ((1L << 30) + 2) * 4, densely.bytesPerPartition());
    }

    @Test
    void scalingASparseVectorColumnKeepsItSparse() throws Exception {
        StructType schema = new StructType(new StructField[] {
            new StructField("vec", org.apache.spark.ml.linalg.SQLDataTypes.VectorType(), false, Metadata.empty()),
            new StructField("label", DataTypes.IntegerType, false, Metadata.empty())});
        String path = dir.resolve("sparse.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create(Vectors.sparse(1000, new int[] {3, 700},
                new double[] {10, 40}), 1)), schema).write().parquet(path);
        Inputs.Input in = Inputs.load(spark, config(Format.PARQUET, List.of(path), 10, 0, null, "vec"),
                Inputs.Split.TRAIN, null);
        Object v = in.frame().select("vec").head().get(0);
        assertEquals(Vectors.sparse(1000, new int[] {3, 700}, new double[] {1, 4}), v);
        assertTrue(v instanceof org.apache.spark.ml.linalg.SparseVector, v.getClass().toString());
    }

    @Test
    void parquetWithArrayOrVectorFeaturesAndScaling() throws Exception {
        StructType schema = new StructType(new StructField[] {
            new StructField("pixels", DataTypes.createArrayType(DataTypes.IntegerType), false, Metadata.empty()),
            new StructField("vec", org.apache.spark.ml.linalg.SQLDataTypes.VectorType(), false, Metadata.empty()),
            new StructField("label", DataTypes.IntegerType, false, Metadata.empty())});
        String path = dir.resolve("train.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create(List.of(10, 20), Vectors.dense(30, 40), 1)), schema)
                .write().parquet(path);
        Inputs.Input arrays = Inputs.load(spark, config(Format.PARQUET, List.of(path), 10, 0, null, "pixels"),
                Inputs.Split.TRAIN, null);
        assertArrayEquals(new double[] {1, 2, 1}, rows(arrays).get(0));
        Inputs.Input vectors = Inputs.load(spark, config(Format.PARQUET, List.of(path), 10, 0, null, "vec"),
                Inputs.Split.TRAIN, null);
        assertArrayEquals(new double[] {3, 4, 1}, rows(vectors).get(0));
    }

    @Test
    void idxFilesKeepTheirOrderAcrossPartitions() throws Exception {
        int n = 7;
        float[] pixels = new float[n * 2 * 2];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                pixels[i * 4 + j] = i * 10 + j;
            }
            labels[i] = i % 3;
        }
        Path images = dir.resolve("images.idx");
        Idx.write(images, Tensor.of(pixels, n, 2, 2));
        Idx.write(dir.resolve("labels.idx"), Tensor.of(labels, n));
        Idx.write(dir.resolve("labels.idx.gz"), Tensor.of(labels, n));
        // Uncompressed files are read by 3 tasks, each seeking to its range; a gzipped one by one task.
        for (String labelFile : List.of("labels.idx", "labels.idx.gz")) {
            Inputs.Input in = Inputs.load(spark, config(Format.IDX, List.of(images.toString(),
                    dir.resolve(labelFile).toString()), 5, 3, null, null), Inputs.Split.TRAIN, null);
            assertEquals(labelFile.endsWith(".gz") ? 1 : 3, in.frame().rdd().getNumPartitions(), labelFile);
            List<double[]> rows = rows(in);
            assertEquals(n, rows.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(new double[] {i * 2, (i * 10 + 1) / 5.0, (i * 10 + 2) / 5.0, (i * 10 + 3) / 5.0,
                    i % 3}, rows.get(i), 1e-12, labelFile + ", row " + i);
            }
        }
    }

    @Test
    void idxFilesAreCheckedOnTheDriverBeforeAnyJob() throws Exception {
        Path images = dir.resolve("images.idx");
        Idx.write(images, Tensor.of(new float[12], 3, 2, 2));
        Path labels = dir.resolve("labels.idx");
        Idx.write(labels, Tensor.of(new float[] {0, 1}, 2));
        IOException e = assertThrows(IOException.class, () -> Inputs.load(spark, config(Format.IDX,
                List.of(images.toString(), labels.toString()), 1, 2, null, null), Inputs.Split.TRAIN, null));
        assertTrue(e.getMessage().endsWith("images.idx: has 3 samples but " + labels.toUri().toString()
                .replace("file:///", "file:/") + " has 2 labels"), e.getMessage());

        byte[] whole = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(whole, whole.length - 3));
        Idx.write(labels, Tensor.of(new float[] {0, 1, 2}, 3));
        e = assertThrows(IOException.class, () -> Inputs.load(spark, config(Format.IDX,
                List.of(images.toString(), labels.toString()), 1, 2, null, null), Inputs.Split.TRAIN, null));
        assertTrue(e.getMessage().contains("expected 28 bytes (a 16-byte header and 3 samples of 4 bytes), the file"
                + " has 25: truncated"), e.getMessage());
    }

    @Test
    void idxImagesMustHaveTheModelsInputShape() throws Exception {
        Path images = dir.resolve("images.idx");
        Idx.write(images, Tensor.of(new float[3 * 2 * 6], 3, 2, 6));
        Path labels = dir.resolve("labels.idx");
        Idx.write(labels, Tensor.of(new float[] {0, 1, 0}, 3));
        DataConfig data = config(Format.IDX, List.of(images.toString(), labels.toString()), 1, 2, null, null);
        // The same 12 values per sample, read as flat rows or as (2, 6, 1) images: fine.
        for (Shape fits : List.of(Shape.of(12), Shape.of(2, 6), Shape.of(2, 6, 1))) {
            assertEquals(3, Inputs.load(spark, data, Inputs.Split.TRAIN, fits).frame().count(), fits.toString());
        }
        // As (3, 4, 1) images they would train on scrambled pixels: refused before any job.
        IOException e = assertThrows(IOException.class, () -> Inputs.load(spark, data, Inputs.Split.TRAIN,
                Shape.of(3, 4, 1)));
        assertTrue(e.getMessage().endsWith("images.idx: holds images of dimensions [2, 6], the model's input shape"
                + " is (3, 4, 1)"), e.getMessage());
    }

    @Test
    void aCsvWeightColumnIsReadAsSampleWeightsAndNotAsAFeature() throws Exception {
        Path file = dir.resolve("train.csv");
        Files.writeString(file, "a,label,w,b\n2,1,0.5,4\n6,0,3,8\n");
        DataConfig data = data(Format.CSV, null, List.of(file.toString()), List.of(), List.of(), 2, 2, 0,
                csv("label", List.of()), 0, null, "label", "w");
        Inputs.Input in = Inputs.load(spark, data, Inputs.Split.TRAIN, null);
        assertEquals("weight", in.columns().weight());
        List<Row> rows = in.frame().select("features", "label", "weight").collectAsList();
        assertEquals(Vectors.dense(1, 2), rows.get(0).get(0));
        assertEquals(0.5, rows.get(0).getDouble(2));
        assertEquals(3.0, rows.get(1).getDouble(2));
        // Validation data without the column weighs its rows 1, as Keras's validation_data=(x, y).
        Path plain = dir.resolve("validation.csv");
        Files.writeString(plain, "a,label,b\n2,1,4\n");
        DataConfig withValidation = data(Format.CSV, null, List.of(file.toString()), List.of(),
                List.of(plain.toString()), 2, 2, 0, csv("label", List.of()), 0, null, "label", "w");
        assertEquals(null, Inputs.load(spark, withValidation, Inputs.Split.VALIDATION, null).columns().weight());
        DataException e = assertThrows(DataException.class, () -> Inputs.load(spark, data(Format.CSV, null,
                List.of(plain.toString()), List.of(), List.of(), 2, 2, 0, csv("label", List.of()), 0, null, "label",
                "w"), Inputs.Split.TRAIN, null));
        assertTrue(e.getMessage().contains("weight column 'w' (data.weight-column) is missing; the columns are a,"
                + " label, b"), e.getMessage());
    }
}
