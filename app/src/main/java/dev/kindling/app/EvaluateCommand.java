package dev.kindling.app;

import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfigLoader;
import dev.kindling.app.data.Inputs;
import dev.kindling.app.output.AtomicDirectory;
import dev.kindling.app.output.Json;
import dev.kindling.app.output.TrainOutputs;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.SparkTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Loads a saved model and computes its loss and metrics on data.test with Spark; prints them and "
                + "writes evaluation.json (atomically) to output.dir, or to --output.",
        footerHeading = "%nExample:%n",
        footer = {"  spark-submit --master local[2] --class dev.kindling.app.Main \\",
            "      app/target/kindling-app.jar evaluate -c conf/mnist-mlp.conf"})
final class EvaluateCommand extends JobCommand {

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "The saved model. Default: <output.dir>/model.kindling, what train wrote.")
    Path modelFile;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write the evaluation (JSON). Default: <output.dir>/evaluation.json.")
    Path outputFile;

    @Override
    JobConfigLoader.Task task() {
        return JobConfigLoader.Task.EVALUATE;
    }

    static Path model(JobConfig job, Path given) {
        return given != null ? given : job.output().dir().resolve(TrainOutputs.MODEL);
    }

    @Override
    void checkMore(JobConfig job, List<String> problems) {
        checkModel(job, modelFile, problems);
    }

    static void checkModel(JobConfig job, Path given, List<String> problems) {
        Path model = model(job, given);
        if (!Files.isRegularFile(model)) {
            problems.add((given != null ? "--model" : "output.dir") + ": no saved model at " + model
                    + (given != null ? "" : " (run train first, or give --model FILE)"));
        }
    }

    @Override
    int run(JobConfig job, SparkSession spark) throws Exception {
        Path modelPath = model(job, modelFile);
        Sequential model = Sequential.load(modelPath);
        Inputs.Input test = Inputs.load(spark, job.data(), Inputs.Split.TEST, model.network().inputDim());
        Evaluation evaluation = SparkTrainer.create().evaluate(model, test.frame(), test.columns());
        out.println(describe(evaluation) + " on " + test.description());

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", modelPath.toAbsolutePath().normalize().toString());
        json.put("data", test.description());
        json.put("loss", evaluation.loss());
        json.putAll(evaluation.metrics());
        json.put("spark_master", spark.sparkContext().master());
        json.put("kindling_version", Main.version());
        Path target = outputFile != null ? outputFile : job.output().dir().resolve("evaluation.json");
        AtomicDirectory.writeFile(target, Json.bytes(json));
        out.println("wrote " + relative(target));
        return Main.OK;
    }

    /** {@code test loss 0.1234, test accuracy 0.9650}. */
    static String describe(Evaluation e) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "test loss %.4f", e.loss()));
        e.metrics().forEach((k, v) -> s.append(String.format(Locale.ROOT, ", test %s %.4f", k, v)));
        return s.toString();
    }
}
