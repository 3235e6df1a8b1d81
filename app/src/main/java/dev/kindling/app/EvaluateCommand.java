// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfigLoader;
import dev.kindling.app.data.Inputs;
import dev.kindling.app.config.BadConfigurationException;
import dev.kindling.app.output.ConfusionPlot;
import dev.kindling.app.output.Json;
import dev.kindling.app.output.Locations;
import dev.kindling.app.output.TrainOutputs;
import dev.kindling.core.BuildInfo;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.ClassReport;
import dev.kindling.spark.OutputKind;
import dev.kindling.spark.PreparedData;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
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
            description = "The saved model (a path or URI: file:, hdfs:, s3a:). Default: <output.dir>/model.kindling,"
                    + " what train wrote.")
    String modelFile;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write the evaluation (JSON; a path or URI). Default: <output.dir>/evaluation.json.")
    String outputFile;

    @Override
    JobConfigLoader.Task task() {
        return JobConfigLoader.Task.EVALUATE;
    }

    static String model(JobConfig job, String given) {
        return given != null ? given : job.output().resolve(TrainOutputs.MODEL);
    }

    @Override
    void checkMore(JobConfig job, List<String> problems) {
        checkModel(job, modelFile, problems);
    }

    @Override
    void locations(JobConfig job, List<Locations.Target> targets) {
        if (outputFile != null) {
            org.apache.hadoop.fs.Path parent = new org.apache.hadoop.fs.Path(outputFile).getParent();
            targets.add(new Locations.Target("--output", parent == null ? "." : parent.toString(),
                    Locations.Kind.FOLDER));
        } else {
            targets.add(new Locations.Target("output.dir", job.output().dir(), Locations.Kind.FOLDER));
        }
    }

    /** A model on the local disk must exist before Spark starts; one on another file system is checked when read. */
    static void checkModel(JobConfig job, String given, List<String> problems) {
        String model = model(job, given);
        Path local = dev.kindling.app.data.LocalInputs.localPath(model);
        if (local != null && !Files.isRegularFile(local)) {
            problems.add((given != null ? "--model" : "output.dir") + ": no saved model at " + model
                    + (given != null ? "" : " (run train first, or give --model FILE)"));
        } else if (local != null) {
            // A local model file is read once now, so a bad one fails before Spark starts.
            try (InputStream in = Files.newInputStream(local)) {
                Sequential.load(in, model);
            } catch (IOException e) {
                problems.add((given != null ? "--model" : "output.dir") + ": " + modelProblem(e));
            }
        }
    }

    /**
     * A model file that does not read back (torn, of another version, naming a layer or optimizer that is not
     * registered here: the core names the registered ones) is an input the user gave: one line.
     */
    static String modelProblem(IOException e) {
        return dev.kindling.app.output.Locations.oneLine(e);
    }

    /** Reads the saved model through Hadoop's file system API, so any URI works. */
    static Sequential load(SparkSession spark, HadoopFiles.Location location) throws IOException,
            BadConfigurationException {
        if (!HadoopFiles.isFile(location)) {
            throw new BadConfigurationException(List.of("--model / output.dir: no saved model at " + location));
        }
        try (InputStream in = HadoopFiles.open(location)) {
            return Sequential.load(in, location.toString());
        } catch (IOException e) {
            throw new BadConfigurationException(List.of("--model / output.dir: " + modelProblem(e)));
        }
    }

    @Override
    int run(JobConfig job, SparkSession spark) throws Exception {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        HadoopFiles.Location modelPath = HadoopFiles.locate(hadoop, model(job, modelFile));
        Sequential model = load(spark, modelPath);
        // A label column of class names is indexed with the names saved in the model.
        Inputs.Input test = Inputs.load(spark, job.data(), Inputs.Split.TEST, model.network().inputShape(),
                model.classNames());
        SparkTrainer trainer = SparkTrainer.create();
        dev.kindling.app.data.MemoryCheck.require(test, model, model.network().outputDim(),
                model.network().dtype(), spark.sparkContext(), 0);
        Evaluation evaluation;
        stage = "packing the test data";
        try (PreparedData data = test.prepare(trainer, model)) {
            stage = "evaluating";
            evaluation = trainer.evaluate(model, data);
        }
        out.println(describe(evaluation) + " on " + test.description());
        ClassReport report = null;
        OutputKind kind = OutputKind.of(model);
        String label = test.columns().label();
        if (kind != OutputKind.REGRESSION && !(test.frame().schema().apply(label).dataType()
                instanceof org.apache.spark.sql.types.ArrayType)) {
            stage = "counting the test data's classes";
            report = trainer.classReport(model, test.frame(), test.columns());
            out.print(describe(report));
        }
        signals.check("before writing the evaluation; nothing written");

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", modelPath.toString());
        json.put("data", test.description());
        json.put("loss", evaluation.loss());
        json.putAll(evaluation.metrics());
        if (!model.classNames().isEmpty()) {
            json.put("class_names", model.classNames());
        }
        if (report != null) {
            json.putAll(report.toJson());
        }
        json.put("spark_master", spark.sparkContext().master());
        json.put("kindling_version", Main.version());
        json.put("kindling_commit", BuildInfo.current().commit().orElse(null));
        HadoopFiles.Location target = HadoopFiles.locate(hadoop,
                outputFile != null ? outputFile : job.output().resolve("evaluation.json"));
        byte[] bytes = Json.bytes(json);
        if (report != null) {
            // Beside evaluation.json (in output.dir by default, beside history.png).
            ClassReport r = report;
            HadoopFiles.writeFile(new HadoopFiles.Location(target.fs(), new org.apache.hadoop.fs.Path(
                    target.path().getParent(), CONFUSION_PNG)), o -> ConfusionPlot.write(r, o));
        }
        HadoopFiles.writeFile(target, o -> o.write(bytes));
        out.println("wrote " + shown(target) + (report != null ? " and " + CONFUSION_PNG : ""));
        return Main.OK;
    }

    /** The confusion matrix's heat map, written beside {@code evaluation.json}. */
    static final String CONFUSION_PNG = "confusion_matrix.png";

    /** One line per class: name, precision, recall, F1, support. */
    @SuppressWarnings("unchecked")
    static String describe(ClassReport report) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-20s %9s %9s %9s %9s%n", "class",
                "precision", "recall", "f1", "support"));
        for (Map<String, Object> c : (List<Map<String, Object>>) report.toJson().get("per_class")) {
            s.append(String.format(Locale.ROOT, "%-20s %9.4f %9.4f %9.4f %9d%n", c.get("name"), c.get("precision"),
                    c.get("recall"), c.get("f1"), c.get("support")));
        }
        return s.toString();
    }

    /** {@code test loss 0.1234, test accuracy 0.9650}. */
    static String describe(Evaluation e) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "test loss %.4f", e.loss()));
        e.metrics().forEach((k, v) -> s.append(String.format(Locale.ROOT, ", test %s %.4f", k, v)));
        return s.toString();
    }
}
