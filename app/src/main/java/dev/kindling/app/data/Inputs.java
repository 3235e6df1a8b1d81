package dev.kindling.app.data;

import dev.kindling.app.config.JobConfig.CsvOptions;
import dev.kindling.app.config.JobConfig.DataConfig;
import dev.kindling.core.data.Idx;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.Columns;
import dev.kindling.spark.DataException;
import dev.kindling.spark.TensorFrames;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import scala.Tuple2;

/** The training or test input of a job as a DataFrame plus the names of its features and label columns. */
public final class Inputs {
    /** Which input of the {@code data} section. */
    public enum Split {
        TRAIN, TEST
    }

    /** A DataFrame ready for the trainer; {@code description} says where it came from, for messages. */
    public record Input(Dataset<Row> frame, Columns columns, String description) {
    }

    private Inputs() {
    }

    /**
     * Reads one input as configured.
     *
     * @param knownWidth features per sample if already known (from a trained model), else 0; LibSVM uses it
     *                   so that a test file whose last features are all zero still has the model's width
     * @throws IOException   for IDX files that are missing or malformed (IdxFormatException)
     * @throws DataException for CSV columns that are missing
     */
    public static Input load(SparkSession spark, DataConfig data, Split split, int knownWidth) throws IOException {
        List<String> paths = split == Split.TRAIN ? data.train() : data.test();
        return switch (data.format()) {
            case IDX -> idx(spark, data, split);
            case CSV -> csv(spark, data.csv(), paths, data.scale());
            case LIBSVM -> {
                int width = data.libsvmNumFeatures() > 0 ? data.libsvmNumFeatures() : knownWidth;
                var reader = spark.read().format("libsvm");
                if (width > 0) {
                    reader = reader.option("numFeatures", width);
                }
                Dataset<Row> df = reader.load(paths.toArray(new String[0]));
                yield new Input(scaled(df, "features", true, data.scale()), Columns.defaults(), "libsvm " + paths);
            }
            case PARQUET -> {
                Dataset<Row> df = spark.read().parquet(paths.toArray(new String[0]));
                String features = data.parquetFeaturesColumn();
                if (data.scale() != 1.0) {
                    if (!Arrays.asList(df.columns()).contains(features)) {
                        throw new DataException("parquet " + paths + ": features column '" + features
                                + "' is missing; the data has columns " + String.join(", ", df.columns()));
                    }
                    boolean vector = df.schema().apply(features).dataType().sameType(SQLDataTypes.VectorType());
                    df = scaled(df, features, vector, data.scale());
                }
                yield new Input(df, Columns.of(features, data.parquetLabelColumn()), "parquet " + paths);
            }
        };
    }

    /** Divides every feature by {@code scale} with Spark's own column functions (a no-op for scale 1). */
    static Dataset<Row> scaled(Dataset<Row> df, String features, boolean vector, double scale) {
        if (scale == 1.0) {
            return df;
        }
        Column c = functions.col(features);
        if (vector) {
            c = org.apache.spark.ml.functions.array_to_vector(functions.transform(
                    org.apache.spark.ml.functions.vector_to_array(c, "float64"), x -> x.divide(scale)));
        } else {
            c = functions.transform(c, x -> x.cast(DataTypes.DoubleType).divide(scale));
        }
        return df.withColumn(features, c);
    }

    // ---- IDX ---------------------------------------------------------------------------------------------

    private static Input idx(SparkSession spark, DataConfig data, Split split) throws IOException {
        Path images;
        Path labels;
        if (data.dir() != null) {
            Path dir = Path.of(data.dir());
            images = mnistFile(dir, split == Split.TRAIN ? Mnist.TRAIN_IMAGES : Mnist.TEST_IMAGES);
            labels = mnistFile(dir, split == Split.TRAIN ? Mnist.TRAIN_LABELS : Mnist.TEST_LABELS);
        } else {
            List<String> files = split == Split.TRAIN ? data.train() : data.test();
            images = Path.of(files.get(0));
            labels = Path.of(files.get(1));
        }
        Tensor x = Idx.read(images);
        Tensor y = Idx.read(labels, 1);
        if (x.rank() < 2) {
            throw new DataException("idx " + images + ": expected samples of shape (n, ...), got " + x.shape());
        }
        if (x.dim(0) != y.dim(0)) {
            throw new DataException("idx: " + images + " has " + x.dim(0) + " samples but " + labels + " has "
                    + y.dim(0) + " labels");
        }
        int slices = data.partitions() > 0 ? data.partitions() : spark.sparkContext().defaultParallelism();
        return new Input(TensorFrames.of(spark, x, y, slices, data.scale()), Columns.defaults(),
                "idx " + images + ", " + labels);
    }

    private static Path mnistFile(Path dir, String name) throws NoSuchFileException {
        for (Path p : List.of(dir.resolve(name + ".gz"), dir.resolve(name))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new NoSuchFileException(dir.resolve(name + ".gz").toString(), null,
                "missing MNIST file: neither " + dir.resolve(name + ".gz") + " nor " + dir.resolve(name) + " exists");
    }

    // ---- CSV ---------------------------------------------------------------------------------------------

    /**
     * Spark's CSV reader with every column read as text, then each row parsed here so that a bad value is
     * reported with its file, row and column (Spark's own casts would say neither).
     */
    private static Input csv(SparkSession spark, CsvOptions options, List<String> paths, double scale) {
        Dataset<Row> raw = spark.read().format("csv")
                .option("header", options.header())
                .option("sep", options.delimiter())
                .option("inferSchema", false)
                .load(paths.toArray(new String[0]));
        List<String> columns = Arrays.asList(raw.columns());
        String where = "csv " + (paths.size() == 1 ? paths.get(0) : paths.toString());
        if (!columns.contains(options.labelColumn())) {
            throw new DataException(where + ": label column '" + options.labelColumn() + "' is missing; the columns"
                    + " are " + String.join(", ", columns) + (options.header() ? "" : " (data.csv.header = false)"));
        }
        List<String> features = new ArrayList<>();
        if (options.featureColumns().isEmpty()) {
            for (String c : columns) {
                if (!c.equals(options.labelColumn())) {
                    features.add(c);
                }
            }
        } else {
            for (String c : options.featureColumns()) {
                if (!columns.contains(c)) {
                    throw new DataException(where + ": feature column '" + c + "' (data.csv.feature-columns) is"
                            + " missing; the columns are " + String.join(", ", columns));
                }
                features.add(c);
            }
        }
        if (features.isEmpty()) {
            throw new DataException(where + ": no feature columns besides the label '" + options.labelColumn() + "'");
        }
        List<Column> selected = new ArrayList<>();
        selected.add(functions.col(quote(options.labelColumn())));
        for (String f : features) {
            selected.add(functions.col(quote(f)));
        }
        selected.add(functions.input_file_name());
        CsvParser parser = new CsvParser(options.labelColumn(), features.toArray(new String[0]), scale,
                options.header() ? 2 : 1, paths.size() == 1 && !paths.get(0).matches(".*[*?\\[{].*")
                && Files.isRegularFile(Path.of(paths.get(0))));
        JavaRDD<Row> rows = raw.select(selected.toArray(new Column[0])).javaRDD().zipWithIndex().map(parser::parse);
        return new Input(spark.createDataFrame(rows, TensorFrames.SCHEMA), Columns.defaults(), where);
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /** Parses one CSV row of text (label, features..., file name) into a vector and a label. */
    record CsvParser(String label, String[] features, double scale, int firstLine, boolean oneFile)
            implements Serializable {

        Row parse(Tuple2<Row, Long> indexed) {
            Row r = indexed._1();
            long row = indexed._2();
            double y = number(r, 0, label, row);
            double[] x = new double[features.length];
            for (int i = 0; i < features.length; i++) {
                x[i] = number(r, i + 1, features[i], row) / scale;
            }
            return RowFactory.create(Vectors.dense(x), y);
        }

        private double number(Row r, int index, String column, long row) {
            String text = r.getString(index);
            if (text != null) {
                try {
                    return Double.parseDouble(text.trim());
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            String file = r.getString(r.length() - 1);
            if (file != null && file.startsWith("file:")) {
                file = Path.of(java.net.URI.create(file)).toString();
            }
            throw new DataException("csv " + file + ": row " + row + (oneFile ? " (line " + (row + firstLine) + ")"
                    : "") + ", column '" + column + "': " + (text == null ? "empty" : "'" + text + "'")
                    + " is not a number");
        }
    }
}
