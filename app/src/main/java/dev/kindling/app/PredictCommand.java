package dev.kindling.app;

import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfigLoader;
import dev.kindling.app.data.Inputs;
import dev.kindling.app.output.SparkOutput;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.OutputKind;
import dev.kindling.spark.SparkTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
            description = "The saved model. Default: <output.dir>/model.kindling, what train wrote.")
    Path modelFile;

    @Override
    JobConfigLoader.Task task() {
        return JobConfigLoader.Task.PREDICT;
    }

    @Override
    void checkMore(JobConfig job, List<String> problems) {
        EvaluateCommand.checkModel(job, modelFile, problems);
    }

    @Override
    int run(JobConfig job, SparkSession spark) throws Exception {
        Sequential model = Sequential.load(EvaluateCommand.model(job, modelFile));
        Inputs.Input input = Inputs.load(spark, job.data(), Inputs.Split.TEST, model.network().inputDim());
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
        String target = SparkOutput.write(rows, job.predict().path(), job.predict().format());
        out.println("wrote predictions for " + input.description() + " to " + target + " ("
                + job.predict().format() + ")");
        return Main.OK;
    }
}
