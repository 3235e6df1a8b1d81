package dev.kindling.app;

import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfigLoader;
import dev.kindling.app.data.Inputs;
import dev.kindling.app.output.Json;
import dev.kindling.app.output.TrainOutputs;
import dev.kindling.core.blas.Blas;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.ProgressPrinter;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.StepTimings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Trains the configured model on data.train with Spark, evaluates it on data.test (when given), "
                + "and writes model.kindling, history.json, metrics.json and history.png to output.dir. The "
                + "directory is replaced only when everything is written; a failed run leaves a previous one as it "
                + "was.",
        footerHeading = "%nExample:%n",
        footer = {"  spark-submit --master local[2] --class dev.kindling.app.Main \\",
            "      app/target/kindling-app.jar train -c conf/mnist-mlp.conf --set fit.epochs=1"})
final class TrainCommand extends JobCommand {

    @Override
    JobConfigLoader.Task task() {
        return JobConfigLoader.Task.TRAIN;
    }

    @Override
    int run(JobConfig job, SparkSession spark) throws Exception {
        Sequential model = job.model().newModel();
        job.compile().applyTo(model);
        Inputs.Input train = Inputs.load(spark, job.data(), Inputs.Split.TRAIN, job.model().inputDim());
        Inputs.Input test = job.data().hasTest()
                ? Inputs.load(spark, job.data(), Inputs.Split.TEST, job.model().inputDim()) : null;
        String master = spark.sparkContext().master();
        out.println("Kindling " + Main.version() + " | Spark " + spark.version() + ", master " + master
                + " | BLAS on the driver: " + Blas.implementationName());
        out.println("train: " + train.description() + (test != null ? "\ntest:  " + test.description() : ""));
        if (model.isBuilt()) {
            out.print(model.summary());
        }

        SparkTrainer trainer = SparkTrainer.create().withTreeDepth(job.fit().treeDepth())
                .withPartitions(job.fit().partitions());
        JobConfig.FitConfig fit = job.fit();
        FitOptions options = FitOptions.builder().epochs(fit.epochs()).batchSize(fit.batchSize())
                .validationSplit(fit.validationSplit()).seed(fit.seed()).shuffle(fit.shuffle())
                .listeners(new ProgressPrinter(out)).build();
        History history = trainer.fit(model, train.frame(), train.columns(), options);
        StepTimings timings = trainer.lastTimings();
        Evaluation evaluation = test != null ? trainer.evaluate(model, test.frame(), test.columns()) : null;
        int partitions = fit.partitions() > 0 ? fit.partitions() : train.frame().rdd().getNumPartitions();
        List<String> executorBlas = executorBlas(spark);

        List<Double> seconds = history.epochSeconds();
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (evaluation != null) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("loss", evaluation.loss());
            t.putAll(evaluation.metrics());
            metrics.put("test", t);
        }
        metrics.put("epochs", history.epochs());
        metrics.put("seconds_per_epoch", seconds);
        metrics.put("mean_seconds_per_epoch", TrainOutputs.mean(seconds));
        metrics.put("partitions", partitions);
        metrics.put("spark_master", master);
        metrics.put("spark_version", spark.version());
        metrics.put("default_parallelism", spark.sparkContext().defaultParallelism());
        Map<String, Object> blas = new LinkedHashMap<>();
        blas.put("driver", Blas.implementationName());
        blas.put("executors", executorBlas);
        metrics.put("blas", blas);
        Map<String, Object> steps = new LinkedHashMap<>();
        steps.put("steps", timings.steps());
        steps.put("broadcast_seconds", timings.broadcastSeconds());
        steps.put("job_seconds", timings.jobSeconds());
        steps.put("compute_seconds", timings.computeSeconds());
        steps.put("compute_cpu_seconds", timings.computeCpuSeconds());
        steps.put("cleanup_seconds", timings.cleanupSeconds());
        metrics.put("step_timings", steps);
        metrics.put("kindling_version", Main.version());
        metrics.put("config", Json.parse(job.toJson()));

        TrainOutputs.write(job.output().dir(), model, history, metrics);

        if (evaluation != null) {
            out.println(EvaluateCommand.describe(evaluation));
        }
        out.printf(Locale.ROOT, "seconds per epoch: mean %.2f, epochs %s; %d partitions%n",
                TrainOutputs.mean(seconds), seconds.stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList(),
                partitions);
        out.println("outputs: " + relative(job.output().dir()) + "/ (" + TrainOutputs.MODEL + ", "
                + TrainOutputs.HISTORY + ", " + TrainOutputs.METRICS + ", " + TrainOutputs.PLOT + ")");
        return Main.OK;
    }
}
