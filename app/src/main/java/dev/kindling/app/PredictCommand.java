// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.app.config.BadConfigurationException;
import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfigLoader;
import dev.kindling.app.data.Inputs;
import dev.kindling.app.output.Locations;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.JobDescription;
import dev.kindling.spark.OutputKind;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.io.HadoopFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "predict", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Loads a saved model and predicts data.test (or data.train's rows where data.test-where holds) "
                + "with Spark. Writes one row per input row: the input's columns (all, as Spark ML's transform keeps "
                + "them, or predict.columns), then prediction = the class index (the most probable; for one sigmoid "
                + "unit, p > 0.5; for a regression model, the value), predicted_label = its name (a model trained on "
                + "class names) and the class probabilities, to predict.path as Parquet (probability: an array) or "
                + "CSV (probability_<class> columns). Spark writes to a temporary folder next to it, renamed into "
                + "place when complete.",
        footerHeading = "%nExample:%n",
        footer = {"  spark-submit --master local[2] --class dev.kindling.app.Main \\",
            "      app/target/kindling-app.jar predict -c conf/mnist-mlp.conf \\",
            "      --set predict.format=csv"})
final class PredictCommand extends JobCommand {

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "The saved model (a path or URI: file:, hdfs:, s3a:). Default: <output.dir>/model.kindling,"
                    + " what train wrote.")
    String modelFile;

    @Override
    JobConfigLoader.Task task() {
        return JobConfigLoader.Task.PREDICT;
    }

    @Override
    void checkMore(JobConfig job, List<String> problems) {
        EvaluateCommand.checkModel(job, modelFile, problems);
    }

    @Override
    void locations(JobConfig job, List<Locations.Target> targets) {
        targets.add(new Locations.Target("predict.path", job.predict().path(), Locations.Kind.REPLACED));
    }

    /** The column naming each predicted class, for a model trained on class names. */
    static final String PREDICTED_LABEL = "predicted_label";

    @Override
    int run(JobConfig job, SparkSession spark) throws Exception {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Sequential model = EvaluateCommand.load(spark, HadoopFiles.locate(hadoop, EvaluateCommand.model(job, modelFile)));
        Inputs.Input input = Inputs.loadForPrediction(spark, job.data(), Inputs.Split.TEST,
                model.network().inputShape(), model.classNames());
        OutputKind kind = OutputKind.of(model);
        // Names for every class, or none (a model whose names do not cover its classes is written with indices).
        List<String> names = kind == OutputKind.REGRESSION || model.classNames().size() != kind.classes(
                model.network().outputDim()) ? List.of() : model.classNames();
        boolean csv = job.predict().format().equals("csv");
        List<String> kept = keptColumns(input, job.predict().columns(), csv);
        // The columns added, in order; a kept column of the same name would make the output ambiguous.
        List<String> added = new ArrayList<>(List.of("prediction"));
        if (!names.isEmpty()) {
            added.add(PREDICTED_LABEL);
        }
        List<String> probabilities = new ArrayList<>();
        if (kind != OutputKind.REGRESSION) {
            int classes = kind.classes(model.network().outputDim());
            for (int k = 0; k < classes; k++) {
                probabilities.add("probability_" + (names.isEmpty() ? String.valueOf(k) : names.get(k)));
            }
            added.addAll(csv ? probabilities : List.of("probability"));
        }
        for (String c : kept) {
            if (added.contains(c)) {
                throw new BadConfigurationException(List.of("predict.columns: the input " + input.description()
                        + " has a column '" + c + "', which predict writes; leave it out with predict.columns"));
            }
        }

        Dataset<Row> predicted = SparkTrainer.create().predict(model, input.frame(), input.columns().features());
        if (!names.isEmpty()) {
            // Spark's own inverse of StringIndexer; the names are the ones saved with the model.
            predicted = new IndexToString().setInputCol("prediction").setOutputCol(PREDICTED_LABEL)
                    .setLabels(names.toArray(new String[0])).transform(predicted);
        }
        List<Column> columns = new ArrayList<>();
        for (String c : kept) {
            columns.add(functions.col(quote(c)));
        }
        columns.add(functions.col("prediction"));
        if (!names.isEmpty()) {
            columns.add(functions.col(PREDICTED_LABEL));
        }
        // A regression model writes its value(s) as the prediction and no probabilities.
        if (kind != OutputKind.REGRESSION) {
            Column probability = org.apache.spark.ml.functions.vector_to_array(functions.col("probability"), "float64");
            if (csv) {
                for (int k = 0; k < probabilities.size(); k++) {
                    columns.add(probability.getItem(k).as(probabilities.get(k)));
                }
            } else {
                columns.add(probability.as("probability"));
            }
        }
        Dataset<Row> rows = predicted.select(columns.toArray(new Column[0]));
        HadoopFiles.Location target = HadoopFiles.locate(hadoop, job.predict().path());
        String format = job.predict().format();
        try (JobDescription ignored = JobDescription.of(spark.sparkContext(), "prediction: " + input.description()
                + " to " + format)) {
            HadoopFiles.replaceDirectoryWrittenBy(target, staging -> rows.write().mode(SaveMode.ErrorIfExists)
                    .format(format).option("header", "true").save(staging.toString()));
        }
        out.println("wrote predictions for " + input.description() + " to " + shown(target) + " (" + format
                + "; columns " + String.join(", ", rows.columns()) + ")");
        return Main.OK;
    }

    /**
     * The input's columns that go with the predictions: {@code chosen}, each checked, or all of them (for CSV,
     * all those CSV can hold: arrays, vectors and structs are left out).
     */
    static List<String> keptColumns(Inputs.Input input, List<String> chosen, boolean csv)
            throws BadConfigurationException {
        StructType schema = input.frame().schema();
        List<String> all = Arrays.asList(schema.fieldNames());
        List<String> kept = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String c : chosen.isEmpty() ? all : chosen) {
            if (!all.contains(c)) {
                problems.add("predict.columns: '" + c + "' is not a column of " + input.description()
                        + "; its columns are " + String.join(", ", all));
            } else if (csv && !atomic(schema.apply(c).dataType())) {
                if (!chosen.isEmpty()) {
                    problems.add("predict.columns: '" + c + "' is a " + schema.apply(c).dataType().simpleString()
                            + ", which CSV cannot hold (predict.format = csv); write parquet, or leave it out");
                }
            } else {
                kept.add(c);
            }
        }
        if (!problems.isEmpty()) {
            throw new BadConfigurationException(problems);
        }
        return kept;
    }

    private static boolean atomic(DataType type) {
        return !(type instanceof ArrayType || type instanceof StructType || type instanceof MapType
                || type instanceof org.apache.spark.sql.types.UserDefinedType);
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }
}
