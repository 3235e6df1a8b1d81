// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfigLoader;
import dev.kindling.app.data.Inputs;
import dev.kindling.app.output.Locations;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.OutputKind;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.io.HadoopFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "predict", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Loads a saved model and predicts data.test with Spark. Writes one row per sample (the label "
                + "when the input has one, prediction = the class (the most probable; for one sigmoid unit, p > 0.5) "
                + "and the class probabilities; for a regression model, prediction = the value) to "
                + "predict.path as Parquet (probability: an array) or CSV (probability_0, probability_1, ...). "
                + "Spark writes to a temporary folder next to it, renamed into place when complete.",
        footerHeading = "%nExample:%n",
        footer = {"  spark-submit --master local[2] --class dev.kindling.app.Main \\",
            "      app/target/kindling-app.jar predict -c conf/mnist-mlp.conf --set predict.format=csv"})
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

    @Override
    int run(JobConfig job, SparkSession spark) throws Exception {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Sequential model = EvaluateCommand.load(spark, HadoopFiles.locate(hadoop, EvaluateCommand.model(job, modelFile)));
        Inputs.Input input = Inputs.load(spark, job.data(), Inputs.Split.TEST, model.network().inputShape());
        Dataset<Row> predicted = SparkTrainer.create().predict(model, input.frame(), input.columns().features());
        OutputKind kind = OutputKind.of(model);
        List<Column> columns = new ArrayList<>();
        String label = input.columns().label();
        if (label != null && Arrays.asList(predicted.columns()).contains(label)) {
            columns.add(functions.col(label).as("label"));
        }
        columns.add(functions.col("prediction"));
        // A regression model writes its value(s) as the prediction and no probabilities.
        if (kind != OutputKind.REGRESSION) {
            Column probability = org.apache.spark.ml.functions.vector_to_array(functions.col("probability"), "float64");
            if (job.predict().format().equals("csv")) {
                for (int k = 0; k < kind.classes(model.network().outputDim()); k++) {
                    columns.add(probability.getItem(k).as("probability_" + k));
                }
            } else {
                columns.add(probability.as("probability"));
            }
        }
        Dataset<Row> rows = predicted.select(columns.toArray(new Column[0]));
        HadoopFiles.Location target = HadoopFiles.locate(hadoop, job.predict().path());
        String format = job.predict().format();
        HadoopFiles.replaceDirectoryWrittenBy(target, staging -> rows.write().mode(SaveMode.ErrorIfExists)
                .format(format).option("header", "true").save(staging.toString()));
        out.println("wrote predictions for " + input.description() + " to " + shown(target) + " (" + format + ")");
        return Main.OK;
    }
}
