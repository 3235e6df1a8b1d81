// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfigLoader;
import dev.kindling.app.data.Inputs;
import dev.kindling.app.data.MemoryCheck;
import dev.kindling.app.output.Json;
import dev.kindling.app.output.Locations;
import dev.kindling.app.output.TrainOutputs;
import dev.kindling.core.BuildInfo;
import dev.kindling.core.blas.Blas;
import dev.kindling.core.callbacks.CallbackConfig;
import dev.kindling.core.checkpoint.BackupAndRestore;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.ProgressPrinter;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingInterruptedException;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.tensor.Shape;
import dev.kindling.spark.PreparedData;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.StepTimings;
import dev.kindling.spark.io.HadoopFileStore;
import dev.kindling.spark.io.HadoopFiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Trains the configured model on data.train with Spark, evaluates it on data.test (when given), "
                + "and writes model.kindling, history.json, metrics.json and history.png to output.dir. Every input "
                + "is read and checked before the first step. The directory is replaced only when everything is "
                + "written; a failed or stopped run leaves a previous one as it was. With fit.checkpoint.dir set, "
                + "checkpoints are written during the fit (and on SIGTERM or Ctrl-C), and --resume continues from "
                + "the newest one exactly.",
        footerHeading = "%nExamples:%n",
        footer = {"  spark-submit --master local[2] --class dev.kindling.app.Main \\",
            "      app/target/kindling-app.jar train -c conf/mnist-mlp.conf \\",
            "      --set fit.epochs=1",
            "  spark-submit ... train -c conf/mnist-mlp.conf \\",
            "      --set fit.checkpoint.dir=hdfs:///ckpt/mnist [--resume]"})
final class TrainCommand extends JobCommand {

    @Option(names = "--resume",
            description = "Continue from the newest good checkpoint in fit.checkpoint.dir: same batches, dropout masks"
                    + " and optimizer steps as if the run had not stopped. Without it, a checkpoint folder that"
                    + " already holds checkpoints is refused.")
    boolean resume;

    @Override
    JobConfigLoader.Task task() {
        return JobConfigLoader.Task.TRAIN;
    }

    @Override
    void checkMore(JobConfig job, List<String> problems) {
        if (resume && !job.fit().checkpoint().enabled()) {
            problems.add(config + ": --resume: fit.checkpoint.dir is not set, so there is nothing to resume from");
        }
    }

    @Override
    void locations(JobConfig job, List<Locations.Target> targets) {
        targets.add(new Locations.Target("output.dir", job.output().dir(), Locations.Kind.REPLACED));
        if (job.fit().checkpoint().enabled()) {
            targets.add(new Locations.Target("fit.checkpoint.dir", job.fit().checkpoint().dir(),
                    Locations.Kind.FOLDER));
        }
        List<CallbackConfig> callbacks = job.fit().callbacks();
        for (int i = 0; i < callbacks.size(); i++) {
            String path = callbacks.get(i).path();
            if (path != null) {
                org.apache.hadoop.fs.Path parent = new org.apache.hadoop.fs.Path(path).getParent();
                targets.add(new Locations.Target("fit.callbacks[" + i + "].path", parent == null ? "."
                        : parent.toString(), Locations.Kind.FOLDER));
            }
        }
    }

    @Override
    int run(JobConfig job, SparkSession spark) throws Exception {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        HadoopFiles.Location outputDir = HadoopFiles.locate(hadoop, job.output().dir());
        JobConfig.FitConfig fit = job.fit();
        BackupAndRestore backup = null;
        if (fit.checkpoint().enabled()) {
            JobConfig.CheckpointConfig c = fit.checkpoint();
            backup = BackupAndRestore.to(HadoopFileStore.at(hadoop, c.dir())).everySteps(c.everySteps())
                    .everyEpochs(c.everyEpochs()).keep(c.keep())
                    .resume(resume ? BackupAndRestore.Resume.REQUIRED : BackupAndRestore.Resume.NEVER)
                    .messages(out::println).build();
            backup.check();   // before any Spark work: a folder of another run, or nothing to resume from
        }

        // model.base: a saved model's first layers under model.layers (fine-tuning), read through Hadoop's API.
        Sequential model = job.model().base() == null ? job.model().newModel() : job.model().onBase(
                EvaluateCommand.load(spark, HadoopFiles.locate(spark.sparkContext().hadoopConfiguration(),
                        job.model().base().path())));
        job.compile().applyTo(model);
        Shape inputShape = model.isBuilt() ? model.network().inputShape() : job.model().inputShape();
        // A label column of class names is indexed by the training rows' names; the other inputs use those names.
        Inputs.Input train = Inputs.load(spark, job.data(), Inputs.Split.TRAIN, inputShape, null);
        List<String> classNames = train.classNames();
        requireClassCount(job, classNames, train.description());
        Inputs.Input validation = job.data().hasValidation()
                ? Inputs.load(spark, job.data(), Inputs.Split.VALIDATION, inputShape, classNames) : null;
        Inputs.Input test = job.data().hasTest()
                ? Inputs.load(spark, job.data(), Inputs.Split.TEST, inputShape, classNames) : null;
        model.classNames(classNames);   // saved in model.kindling; predict and evaluate name classes with them
        String master = spark.sparkContext().master();
        out.println("Kindling " + Main.version() + " | Spark " + spark.version() + ", master " + master
                + " | BLAS on the driver: " + Blas.implementationName());
        out.println("train: " + train.description() + (validation != null ? "\nvalidation: "
                + validation.description() : "") + (test != null ? "\ntest:  " + test.description() : ""));

        SparkTrainer trainer = SparkTrainer.create().withTreeDepth(fit.treeDepth()).withPartitions(fit.partitions())
                .withStepsPerJob(fit.stepsPerJob());
        // Before packing: an input that cannot fit in the memory Spark has is refused with the estimate.
        for (Inputs.Input input : java.util.Arrays.asList(train, validation, test)) {
            if (input != null) {
                MemoryCheck.require(input, model, job.data().numClasses(), job.model().dtype(),
                        spark.sparkContext(), fit.partitions());
            }
        }
        // Every input is read and checked before the first step, the test data's too.
        stage = "packing the inputs";
        try (PreparedData trainData = train.prepare(trainer, model);
             PreparedData validationData = validation == null ? null : validation.prepare(trainer, model);
             PreparedData testData = test == null ? null : test.prepare(trainer, model)) {
            signals.check("before training; no outputs written");
            out.printf(Locale.ROOT, "read and checked: %,d training rows in %d partitions%s%n", trainData.rows(),
                    trainData.partitions(), testData == null ? "" : String.format(Locale.ROOT, ", %,d test rows",
                            testData.rows()));
            out.print(model.summary());
            List<TrainingListener> listeners = new ArrayList<>(List.of(new ProgressPrinter(out), signals));
            if (backup != null) {
                listeners.add(backup);
            }
            for (CallbackConfig callback : fit.callbacks()) {
                listeners.add(callback.build(dir -> {
                    try {
                        return HadoopFileStore.at(hadoop, dir);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException("fit.callbacks: cannot use " + dir + ": " + e.getMessage(), e);
                    }
                }));
            }
            FitOptions options = FitOptions.builder().epochs(fit.epochs()).batchSize(fit.batchSize())
                    .validationSplit(fit.validationSplit()).seed(fit.seed()).shuffle(fit.shuffle())
                    .classWeights(fit.classWeights())
                    .listeners(listeners.toArray(new TrainingListener[0])).build();
            History history;
            try {
                stage = "training";
                history = trainer.fit(model, trainData, validationData, options);
            } catch (TrainingInterruptedException e) {
                throw new StopOnSignal.Stopped(signals.received(), "at epoch " + e.epoch() + ", after step "
                        + e.stepsDone() + (backup != null ? "; checkpoint written to " + fit.checkpoint().dir()
                        + ", continue with train --resume" : "; no checkpoint (fit.checkpoint.dir is not set)")
                        + "; no outputs written");
            }
            StepTimings timings = trainer.lastTimings();
            // From here on the trained model is the one thing that must not be lost: whatever fails (the test
            // data's evaluation, a full disk, a location that became a file), it is saved somewhere safe first.
            try {
                stage = "evaluating the test data";
                Evaluation evaluation = testData != null ? trainer.evaluate(model, testData) : null;
                stage = "writing the outputs";
                signals.check("after training; no outputs written" + (backup != null ? " (the final checkpoint is in "
                        + fit.checkpoint().dir() + ")" : ""));
                writeOutputs(job, spark, outputDir, model, history, timings, evaluation, trainData.partitions());
            } catch (StopOnSignal.Stopped stopped) {
                throw stopped;
            } catch (Exception | OutOfMemoryError e) {
                OutputsNotWrittenException rescued = rescue(job, hadoop, outputDir, model, e);
                if (signals.received() != null) {
                    // The evaluation's job was cancelled by the signal: report the signal, and where the model is.
                    throw new StopOnSignal.Stopped(signals.received(), "after training; no outputs written"
                            + (rescued.savedModel() != null ? "; the trained model is saved in "
                            + rescued.savedModel() : ""));
                }
                throw rescued;
            }
        }
        return Main.OK;
    }

    /**
     * A model trained on class names must have exactly one class per name (one sigmoid unit: two), so that every
     * prediction has a name; checked before any packing.
     */
    private static void requireClassCount(JobConfig job, List<String> names, String input)
            throws dev.kindling.app.config.BadConfigurationException {
        if (names.isEmpty()) {
            return;
        }
        int units = job.data().numClasses();
        boolean regression = job.compile().loss() == dev.kindling.core.losses.Loss.MEAN_SQUARED_ERROR;
        int classes = units == 1 ? 2 : units;
        if (regression || units > 0 && classes != names.size()) {
            throw new dev.kindling.app.config.BadConfigurationException(List.of("data.num-classes: " + input
                    + " has " + names.size() + " class names (" + String.join(", ", names) + "), but the model "
                    + (regression ? "is a regression (compile.loss = mean_squared_error)" : "tells " + classes
                    + " classes apart (the last layer's units" + (units == 1 ? ", one sigmoid unit" : "") + ")")
                    + "; give the last layer " + names.size() + " units"));
        }
    }

    /**
     * Saves the trained model after its outputs could not be written: to the checkpoint folder when there is one,
     * else to a new temporary folder on the driver's disk; returns the one-line error that says where, and how to
     * finish the job.
     */
    private OutputsNotWrittenException rescue(JobConfig job, Configuration hadoop, HadoopFiles.Location outputDir,
                                              Sequential model, Throwable cause) {
        List<String> places = new ArrayList<>();
        if (job.fit().checkpoint().enabled()) {
            places.add(job.fit().checkpoint().dir());
        }
        String saved = null;
        for (int i = 0; saved == null && i <= places.size(); i++) {
            try {
                String folder = i < places.size() ? places.get(i)
                        : java.nio.file.Files.createTempDirectory("kindling-model-").toUri().toString();
                HadoopFiles.Location file = HadoopFiles.locate(hadoop, folder).resolve(TrainOutputs.MODEL);
                HadoopFiles.writeFile(file, model::save);
                saved = shown(file);
            } catch (Exception | OutOfMemoryError e) {
                cause.addSuppressed(e);
            }
        }
        String reason = (cause instanceof OutOfMemoryError ? "out of memory: " : "")
                + dev.kindling.app.output.Locations.oneLine(cause);
        String message = "training finished, but the outputs could not be written to " + shown(outputDir) + ": "
                + reason + (saved == null ? "; the trained model could not be saved anywhere else either"
                : "; the trained model is saved in " + saved + ": finish with `evaluate -c " + config + " --model "
                        + saved + "`, and copy it into output.dir");
        return new OutputsNotWrittenException(message, saved, cause);
    }

    private void writeOutputs(JobConfig job, SparkSession spark, HadoopFiles.Location outputDir, Sequential model,
                              History history, StepTimings timings, Evaluation evaluation, int partitions)
            throws Exception {
        String master = spark.sparkContext().master();
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
        metrics.put("epochs_trained", model.epochsTrained());
        metrics.put("seconds_per_epoch", seconds);
        metrics.put("mean_seconds_per_epoch", TrainOutputs.mean(seconds));
        metrics.put("partitions", partitions);
        metrics.put("spark_master", master);
        metrics.put("spark_version", spark.version());
        metrics.put("default_parallelism", spark.sparkContext().defaultParallelism());
        // What the driver's heap held at most: with data read by the executors it does not grow with the rows.
        metrics.put("driver_max_heap_bytes", Runtime.getRuntime().maxMemory());
        metrics.put("driver_heap_peak_bytes", java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum());
        Map<String, Object> blas = new LinkedHashMap<>();
        blas.put("driver", Blas.implementationName());
        blas.put("executors", executorBlas);
        metrics.put("blas", blas);
        Map<String, Object> steps = new LinkedHashMap<>();
        steps.put("steps", timings.steps());
        steps.put("step_seconds", timings.stepSeconds());
        steps.put("compute_seconds", timings.computeSeconds());
        steps.put("bytes_to_tasks", timings.bytesToTasks());
        steps.put("bytes_from_tasks", timings.bytesFromTasks());
        metrics.put("step_timings", steps);
        metrics.put("kindling_version", Main.version());
        metrics.put("kindling_commit", BuildInfo.current().commit().orElse(null));
        metrics.put("config", Json.parse(job.toJson()));

        TrainOutputs.write(outputDir, model, history, metrics);

        if (evaluation != null) {
            out.println(EvaluateCommand.describe(evaluation));
        }
        out.printf(Locale.ROOT, "seconds per epoch: mean %.2f, epochs %s; %d partitions; driver heap peak %d of %d"
                + " MiB%n", TrainOutputs.mean(seconds), seconds.stream().map(s -> String.format(Locale.ROOT, "%.2f", s))
                .toList(), partitions, (Long) metrics.get("driver_heap_peak_bytes") >> 20,
                (Long) metrics.get("driver_max_heap_bytes") >> 20);
        out.println("outputs: " + shown(outputDir) + "/ (" + TrainOutputs.MODEL + ", "
                + TrainOutputs.HISTORY + ", " + TrainOutputs.METRICS + ", " + TrainOutputs.PLOT + ")");
    }
}
