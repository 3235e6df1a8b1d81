// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.data;

import dev.kindling.app.config.BadConfigurationException;
import dev.kindling.app.config.JobConfig.CsvOptions;
import dev.kindling.app.config.JobConfig.DataConfig;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.data.Sequences;
import dev.kindling.core.tensor.Shape;
import dev.kindling.spark.ClassNames;
import dev.kindling.spark.Columns;
import dev.kindling.spark.PreparedData;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.DataException;
import dev.kindling.spark.JobDescription;
import dev.kindling.spark.TensorFrames;
import dev.kindling.spark.TokenSequences;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/** The training, validation or test input of a job as a DataFrame plus the names of its columns. */
public final class Inputs {
    /** Which input of the {@code data} section. */
    public enum Split {
        TRAIN, VALIDATION, TEST
    }

    /**
     * A DataFrame ready for the trainer; {@code description} says where it came from, for messages.
     *
     * @param classNames the name of each class index when the label column holds names (indexed into
     *                   {@link #LABEL_INDEX}), else empty
     */
    public record Input(Dataset<Row> frame, Columns columns, String description, List<String> classNames) {

        public Input(Dataset<Row> frame, Columns columns, String description) {
            this(frame, columns, description, List.of());
        }

        /**
         * Reads, checks and packs this input for {@code model} (see {@link SparkTrainer#prepare}); a data problem's
         * message names the input when it does not name a file already.
         */
        public PreparedData prepare(SparkTrainer trainer, Sequential model) {
            try {
                return trainer.prepare(model, frame, columns);
            } catch (DataException e) {
                String format = description.substring(0, description.indexOf(' ') + 1);
                throw e.getMessage().startsWith(format) ? e : new DataException(description + ": " + e.getMessage());
            }
        }
    }

    private Inputs() {
    }

    /**
     * Reads one input as configured.
     *
     * @param sampleShape one sample's shape if already known (the model's input shape), else null: LibSVM takes
     *                    its width, so that a test file whose last features are all zero still has the model's
     *                    width; IDX images must have its height and width
     * @throws IOException   for IDX files that are missing or malformed (IdxFormatException)
     * @throws DataException for CSV columns that are missing
     */
    public static Input load(SparkSession spark, DataConfig data, Split split, Shape sampleShape) throws IOException,
            BadConfigurationException {
        return load(spark, data, split, sampleShape, null, false);
    }

    /**
     * Reads one input to predict on, its label column (if any) left as it is: for a model trained on class names
     * ({@code modelNames} not empty) a CSV label column stays text, else it is read as numbers.
     */
    public static Input loadForPrediction(SparkSession spark, DataConfig data, Split split, Shape sampleShape,
                                          List<String> modelNames) throws IOException, BadConfigurationException {
        return load(spark, data, split, sampleShape, modelNames, false);
    }

    /**
     * Reads one input as configured, and turns a label column of class names into class indices as
     * {@link ClassNames} does: a Parquet string column (indexed into {@link #LABEL_INDEX}), or a CSV label column
     * none of whose values is a number (a column mixing names and numbers is read as numbers, and its first name is
     * reported as not a number).
     *
     * @param classNames the names of the class indices (the model's, or the training input's; empty when those
     *                   were numbers), or null to take them from this input's rows: its distinct labels in
     *                   alphabetical order ({@code StringIndexer}'s {@code stringOrderType = alphabetAsc}). A name
     *                   not in the list, or a null label, is bad data naming its row and value, found before
     *                   anything else runs ({@code handleInvalid = error}, with the row).
     */
    public static Input load(SparkSession spark, DataConfig data, Split split, Shape sampleShape,
                             List<String> classNames) throws IOException, BadConfigurationException {
        return load(spark, data, split, sampleShape, classNames, true);
    }

    private static Input load(SparkSession spark, DataConfig data, Split split, Shape sampleShape,
                              List<String> classNames, boolean indexLabels) throws IOException,
            BadConfigurationException {
        int knownWidth = sampleShape == null ? 0 : sampleShape.size();
        String where = switch (split) {
            case TRAIN -> data.trainWhere();
            case VALIDATION -> data.validationWhere();
            case TEST -> data.testWhere();
        };
        String whereKey = "data." + split.name().toLowerCase(java.util.Locale.ROOT) + "-where";
        List<String> own = switch (split) {
            case TRAIN -> data.train();
            case VALIDATION -> data.validation();
            case TEST -> data.test();
        };
        // A validation or test condition without its own input selects from the training input.
        List<String> paths = own.isEmpty() && where != null ? data.train() : own;
        Condition condition = where == null ? null : new Condition(whereKey, where);
        return switch (data.format()) {
            case IDX -> idx(spark, data, split, sampleShape);
            case CSV -> csv(spark, data.csv(), paths, data.scale(), data.weightColumn(), split != Split.TRAIN,
                    condition, classNames, indexLabels, split);
            case LIBSVM -> libsvm(spark, paths, data.libsvm().numFeatures() > 0 ? data.libsvm().numFeatures() : knownWidth,
                    data.scale());
            case PARQUET -> {
                Dataset<Row> df;
                try (JobDescription ignored = JobDescription.of(spark.sparkContext(), "reading: the schema of"
                        + " parquet " + paths)) {
                    df = spark.read().parquet(paths.toArray(new String[0]));
                }
                String description = "parquet " + paths + (condition == null ? "" : " where " + where);
                if (condition != null) {
                    df = df.where(condition.column(df, "parquet " + paths));
                }
                String features = data.parquet().featuresColumn();
                if (data.scale() != 1.0) {
                    if (!Arrays.asList(df.columns()).contains(features)) {
                        throw new DataException("parquet " + paths + ": features column '" + features
                                + "' is missing; the data has columns " + String.join(", ", df.columns()));
                    }
                    boolean vector = df.schema().apply(features).dataType().sameType(SQLDataTypes.VectorType());
                    df = scaled(df, features, vector, data.scale());   // a null stays null: the trainer names its row
                }
                if (data.parquet().paddingSide() != null) {
                    if (sampleShape == null || sampleShape.rank() != 1) {
                        throw new DataException("parquet " + paths + ": data.parquet.padding pads token sequences to"
                                + " the model's input length, and the model declares " + (sampleShape == null
                                ? "none (give the embedding an input-length)" : "samples of shape " + sampleShape));
                    }
                    df = TokenSequences.pad(df, features, sampleShape.dim(0),
                            data.parquet().paddingSide(), data.parquet().truncating(), 0);
                }
                String label = data.parquet().labelColumn();
                List<String> names = List.of();
                if (indexLabels && Arrays.asList(df.columns()).contains(label)
                        && df.schema().apply(label).dataType() instanceof StringType) {
                    names = classNames != null ? classNames : ClassNames.learn(df, label, description);
                    df = ClassNames.index(df, label, names, LABEL_INDEX, description, split != Split.TRAIN);
                    label = LABEL_INDEX;
                }
                Columns columns = Columns.of(features, label);
                // Validation and test data weigh their rows only if they have the column, as Keras's
                // validation_data=(x, y[, w]) and evaluate(x, y, sample_weight = NULL).
                boolean weighed = data.weightColumn() != null && (split == Split.TRAIN
                        || Arrays.asList(df.columns()).contains(data.weightColumn()));
                yield new Input(df, weighed ? columns.withWeight(data.weightColumn()) : columns, description, names);
            }
        };
    }

    /** The column a label column of class names is indexed into (a double, with Spark ML's nominal metadata). */
    public static final String LABEL_INDEX = ClassNames.INDEX_COLUMN;

    /** A {@code data.*-where} condition: the key it came from and its Spark SQL text. */
    record Condition(String key, String sql) {

        /**
         * The condition as a column of {@code df}, resolved now: a column it names that the data does not have (or
         * a condition that is not true/false) is a configuration problem at its key, before any job.
         */
        Column column(Dataset<Row> df, String where) throws BadConfigurationException {
            Column c = functions.expr(sql);
            DataType type;
            try {
                type = df.select(c).schema().fields()[0].dataType();
            } catch (Exception e) {   // Spark's AnalysisException: checked for javac, undeclared by Scala
                if (e instanceof org.apache.spark.sql.AnalysisException a) {
                    throw new BadConfigurationException(List.of(key + ": '" + sql + "' cannot be applied to "
                            + where + ": " + a.getSimpleMessage().lines().findFirst().orElse("").trim()
                            + "; its columns are " + String.join(", ", df.columns())));
                }
                throw e;
            }
            if (!(type instanceof org.apache.spark.sql.types.BooleanType)) {
                throw new BadConfigurationException(List.of(key + ": '" + sql + "' is a " + type.simpleString()
                        + ", not a condition (true or false for each row)"));
            }
            return c;
        }
    }

    /** Divides every feature by {@code scale} with Spark's own column functions (a no-op for scale 1). */
    private static org.apache.spark.ml.linalg.Vector scaledVector(org.apache.spark.ml.linalg.Vector v, double scale) {
        if (v instanceof org.apache.spark.ml.linalg.SparseVector s) {
            double[] values = s.values().clone();
            for (int i = 0; i < values.length; i++) {
                values[i] /= scale;
            }
            return Vectors.sparse(s.size(), s.indices().clone(), values);
        }
        double[] values = v.toArray().clone();
        for (int i = 0; i < values.length; i++) {
            values[i] /= scale;
        }
        return Vectors.dense(values);
    }

    static Dataset<Row> scaled(Dataset<Row> df, String features, boolean vector, double scale) {
        if (scale == 1.0) {
            return df;
        }
        Column c = functions.col(features);
        if (vector) {
            // A sparse vector stays sparse (its non-zeros divided): the trainer packs it as sparse rows.
            c = functions.udf((org.apache.spark.ml.linalg.Vector v) -> scaledVector(v, scale),
                    SQLDataTypes.VectorType()).apply(c);
        } else {
            c = functions.transform(c, x -> x.cast(DataTypes.DoubleType).divide(scale));
        }
        // A null row stays null instead of failing the vector functions' UDFs: the trainer reports it by row.
        return df.withColumn(features, functions.when(functions.col(features).isNull(), functions.lit(null)
                .cast(df.schema().apply(features).dataType())).otherwise(c));
    }

    // ---- IDX ---------------------------------------------------------------------------------------------

    /** IDX files read by the executors (see {@link IdxFiles}); the driver reads only their headers. */
    private static Input idx(SparkSession spark, DataConfig data, Split split, Shape sampleShape) throws IOException {
        String images;
        String labels;
        if (data.dir() != null && split != Split.VALIDATION) {
            Configuration hadoop = spark.sparkContext().hadoopConfiguration();
            images = mnistFile(hadoop, data.dir(), split == Split.TRAIN ? Mnist.TRAIN_IMAGES : Mnist.TEST_IMAGES);
            labels = mnistFile(hadoop, data.dir(), split == Split.TRAIN ? Mnist.TRAIN_LABELS : Mnist.TEST_LABELS);
        } else {
            List<String> files = switch (split) {
                case TRAIN -> data.train();
                case VALIDATION -> data.validation();
                case TEST -> data.test();
            };
            images = files.get(0);
            labels = files.get(1);
        }
        int slices = data.partitions() > 0 ? data.partitions() : spark.sparkContext().defaultParallelism();
        return new Input(IdxFiles.frame(spark, images, labels, slices, data.scale(), sampleShape), Columns.defaults(),
                "idx " + images + ", " + labels);
    }

    /** {@code dir/name.gz} or {@code dir/name}, on any file system. */
    private static String mnistFile(Configuration hadoop, String dir, String name) throws IOException {
        List<String> candidates = List.of(dir + "/" + name + ".gz", dir + "/" + name);
        for (String candidate : candidates) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(candidate);
            if (p.getFileSystem(hadoop).isFile(p)) {
                return candidate;
            }
        }
        throw new NoSuchFileException(candidates.get(0), null, "missing MNIST file: neither " + candidates.get(0)
                + " nor " + candidates.get(1) + " exists");
    }

    // ---- LibSVM ------------------------------------------------------------------------------------------

    /**
     * LibSVM text ({@code label index:value ...}, indices 1-based and ascending, as Spark's own libsvm source reads
     * it), parsed here so that a bad line is reported with its file, row and line. Blank lines and {@code #}
     * comments are skipped. Without a known width, one pass finds the largest index.
     */
    private static Input libsvm(SparkSession spark, List<String> paths, int knownWidth, double scale) {
        Dataset<Row> raw = spark.read().text(paths.toArray(new String[0]))
                .select(functions.col("value"), functions.input_file_name());
        boolean oneFile = paths.size() == 1 && !paths.get(0).matches(".*[*?\\[{].*")
                && Files.isRegularFile(Path.of(paths.get(0)));
        JavaRDD<Tuple2<Row, Long>> lines = raw.javaRDD().zipWithIndex().rdd().toJavaRDD()
                .filter(t -> !LibSvmParser.skipped(t._1().getString(0)));
        String where = "libsvm " + (paths.size() == 1 ? paths.get(0) : paths.toString());
        int width = knownWidth;
        if (width == 0) {
            LibSvmParser scan = new LibSvmParser(Integer.MAX_VALUE, scale, oneFile);
            try {
                width = lines.map(t -> scan.parse(t._1(), t._2()).lastIndex()).fold(0, Math::max);
            } catch (DataException e) {
                throw e;
            } catch (RuntimeException e) {
                throw rethrowData(e, where);
            }
            if (width == 0) {
                throw new DataException(where + ": no features in any line");
            }
        }
        LibSvmParser parser = new LibSvmParser(width, scale, oneFile);
        int d = width;
        JavaRDD<Row> rows = lines.map(t -> parser.parse(t._1(), t._2()).row(d));
        return new Input(spark.createDataFrame(rows, TensorFrames.SCHEMA), Columns.defaults(), where);
    }

    /** A Spark job failure carrying a DataException from an executor, as that DataException. */
    private static RuntimeException rethrowData(Exception e, String where) {
        String data = dev.kindling.app.Main.dataProblem(e);
        return data != null ? new DataException(data) : new IllegalStateException(where + ": " + e.getMessage(), e);
    }

    /** Parses one LibSVM line (text, file name) numbered {@code row} in the input. */
    record LibSvmParser(int width, double scale, boolean oneFile) implements Serializable {

        /** A parsed line: its label and its (index - 1, value) pairs. */
        record Line(double label, int[] indices, double[] values) {
            int lastIndex() {
                return indices.length == 0 ? 0 : indices[indices.length - 1] + 1;
            }

            Row row(int width) {
                return RowFactory.create(Vectors.sparse(width, indices, values), label);
            }
        }

        static boolean skipped(String text) {
            String t = text == null ? "" : text.trim();
            return t.isEmpty() || t.startsWith("#");
        }

        Line parse(Row r, long row) {
            String[] tokens = r.getString(0).trim().split("\\s+");
            double label = number(tokens[0], "label", r, row);
            int[] indices = new int[tokens.length - 1];
            double[] values = new double[tokens.length - 1];
            int previous = 0;
            for (int i = 1; i < tokens.length; i++) {
                int colon = tokens[i].indexOf(':');
                if (colon <= 0) {
                    throw bad(r, row, "'" + tokens[i] + "' is not index:value");
                }
                int index;
                try {
                    index = Integer.parseInt(tokens[i].substring(0, colon));
                } catch (NumberFormatException e) {
                    throw bad(r, row, "index '" + tokens[i].substring(0, colon) + "' is not an integer");
                }
                if (index < 1 || index > width) {
                    throw bad(r, row, "index " + index + " is out of range: expected 1.." + width
                            + (width < Integer.MAX_VALUE ? " (data.libsvm.num-features, or the model's input width)"
                            : ""));
                }
                if (index <= previous) {
                    throw bad(r, row, "index " + index + " follows index " + previous + ": indices must ascend");
                }
                previous = index;
                indices[i - 1] = index - 1;
                values[i - 1] = number(tokens[i].substring(colon + 1), "value of index " + index, r, row) / scale;
            }
            return new Line(label, indices, values);
        }

        private double number(String text, String what, Row r, long row) {
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw bad(r, row, what + " '" + text + "' is not a number");
            }
        }

        private DataException bad(Row r, long row, String problem) {
            String file = r.getString(1);
            if (file != null && file.startsWith("file:")) {
                file = Path.of(java.net.URI.create(file)).toString();
            }
            return new DataException("libsvm " + file + ": row " + row + (oneFile ? " (line " + (row + 1) + ")" : "")
                    + ": " + problem);
        }
    }

    // ---- CSV ---------------------------------------------------------------------------------------------

    /**
     * Spark's CSV reader with every column read as text, then each row parsed here so that a bad value is
     * reported with its file, row and column (Spark's own casts would say neither).
     */
    private static Input csv(SparkSession spark, CsvOptions options, List<String> paths, double scale,
                             String weightColumn, boolean weightOptional, Condition condition,
                             List<String> classNames, boolean indexLabels, Split split)
            throws BadConfigurationException {
        Dataset<Row> raw = spark.read().format("csv")
                .option("header", options.header())
                .option("sep", options.delimiter())
                .option("inferSchema", false)
                .load(paths.toArray(new String[0]));
        List<String> columns = Arrays.asList(raw.columns());
        String where = "csv " + (paths.size() == 1 ? paths.get(0) : paths.toString());
        // Resolved before the header checks below: a condition on a missing column is the condition's problem.
        Column keep = condition == null ? null : condition.column(raw, where);
        if (!columns.contains(options.labelColumn())) {
            throw new DataException(where + ": label column '" + options.labelColumn() + "' is missing; the columns"
                    + " are " + String.join(", ", columns) + (options.header() ? "" : " (data.csv.header = false)"));
        }
        String weight = weightOptional && !columns.contains(weightColumn) ? null : weightColumn;
        if (weight != null && !columns.contains(weight)) {
            throw new DataException(where + ": weight column '" + weight + "' (data.weight-column) is missing; the"
                    + " columns are " + String.join(", ", columns));
        }
        List<String> features = new ArrayList<>();
        if (options.featureColumns().isEmpty()) {
            for (String c : columns) {
                if (!c.equals(options.labelColumn()) && !c.equals(weight)) {
                    features.add(c);
                }
            }
        } else {
            for (String c : options.featureColumns()) {
                if (!columns.contains(c)) {
                    throw new DataException(where + ": feature column '" + c + "' (data.csv.feature-columns) is"
                            + " missing; the columns are " + String.join(", ", columns));
                }
                if (c.equals(weight)) {
                    throw new DataException(where + ": column '" + c + "' is both a feature and the weight column");
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
        if (weight != null) {
            selected.add(functions.col(quote(weight)));
        }
        if (keep != null) {
            selected.add(keep);
        }
        selected.add(functions.input_file_name());
        // Class names, or none: numbers. Names learned from training rows are those the condition keeps.
        List<String> names = List.of();
        boolean text = false;
        if (indexLabels && classNames == null) {
            Dataset<Row> labels = keep == null ? raw : raw.where(keep);
            if (!anyNumber(labels, options.labelColumn(), where)) {
                names = ClassNames.learn(labels, options.labelColumn(), where);
            }
        } else if (classNames != null && !classNames.isEmpty()) {
            names = classNames;
            text = !indexLabels;   // predictions keep a name as it is: no label is needed to predict
        }
        CsvParser parser = new CsvParser(options.labelColumn(), features.toArray(new String[0]), weight, scale,
                options.header() ? 2 : 1, paths.size() == 1 && !paths.get(0).matches(".*[*?\\[{].*")
                && Files.isRegularFile(Path.of(paths.get(0))), text || names.isEmpty() ? null
                : names.toArray(new String[0]), text, split != Split.TRAIN);
        org.apache.spark.api.java.JavaPairRDD<Row, Long> numbered = raw.select(selected.toArray(new Column[0])).javaRDD().zipWithIndex();
        if (keep != null) {
            // Rows are numbered before they are selected, so a bad value is reported at its row and line in the file.
            numbered = numbered.filter(t -> !t._1().isNullAt(t._1().length() - 2)
                    && t._1().getBoolean(t._1().length() - 2));
            where += " where " + condition.sql();
        }
        JavaRDD<Row> rows = numbered.map(parser::parse);
        StructType schema = text ? new StructType().add(TensorFrames.SCHEMA.apply("features"))
                .add("label", DataTypes.StringType, true) : TensorFrames.SCHEMA;
        if (weight == null) {
            return new Input(spark.createDataFrame(rows, schema), Columns.defaults(), where, names);
        }
        return new Input(spark.createDataFrame(rows, schema.add(WEIGHT, DataTypes.DoubleType, false)),
                Columns.defaults().withWeight(WEIGHT), where, names);
    }

    /** Whether any label of a CSV input is a number (as the parser reads numbers): stops at the first number. */
    private static boolean anyNumber(Dataset<Row> raw, String label, String where) {
        try (JobDescription ignored = JobDescription.of(raw.sparkSession().sparkContext(), "reading: whether the"
                + " labels of " + where + " are numbers or class names")) {
            return !raw.select(functions.col(quote(label))).javaRDD()
                    .filter(r -> !r.isNullAt(0) && CsvParser.isNumber(r.getString(0))).take(1).isEmpty();
        }
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /** The weight column of a parsed CSV input (the trainer checks its values, naming the row). */
    static final String WEIGHT = "weight";

    /**
     * Parses one CSV row of text (label, features..., weight if any, file name) into a vector, a label and a
     * weight.
     */
    record CsvParser(String label, String[] features, String weight, double scale, int firstLine, boolean oneFile,
                     String[] names, boolean text, boolean modelNames) implements Serializable {

        static boolean isNumber(String text) {
            try {
                Double.parseDouble(text.trim());
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        Row parse(Tuple2<Row, Long> indexed) {
            Row r = indexed._1();
            long row = indexed._2();
            Object y = text ? r.getString(0) : names != null ? classIndex(r, row) : number(r, 0, label, row);
            double[] x = new double[features.length];
            for (int i = 0; i < features.length; i++) {
                x[i] = number(r, i + 1, features[i], row) / scale;
            }
            if (weight == null) {
                return RowFactory.create(Vectors.dense(x), y);
            }
            double w = number(r, features.length + 1, weight, row);
            if (!(w >= 0) || Double.isInfinite(w)) {
                // Checked here, where the user's column name and the line are known (the trainer would name the
                // parsed frame's column).
                throw bad(r, row, weight, w + " is not a weight: expected a finite number >= 0");
            }
            return RowFactory.create(Vectors.dense(x), y, w);
        }

        /** The label's index in {@code names} (StringIndexer's index of it), or bad data naming row and value. */
        private double classIndex(Row r, long row) {
            String name = r.getString(0);
            int k = name == null ? -1 : Arrays.asList(names).indexOf(name);   // a model's names: in any order
            if (k < 0) {
                throw bad(r, row, label, ClassNames.notAClass(name, List.of(names), modelNames));
            }
            return k;
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
            throw bad(r, row, column, (text == null ? "empty" : "'" + text + "'") + " is not a number");
        }

        private DataException bad(Row r, long row, String column, String problem) {
            String file = r.getString(r.length() - 1);
            if (file != null && file.startsWith("file:")) {
                file = Path.of(java.net.URI.create(file)).toString();
            }
            return new DataException("csv " + file + ": row " + row + (oneFile ? " (line " + (row + firstLine) + ")"
                    : "") + ", column '" + column + "': " + problem);
        }
    }
}
