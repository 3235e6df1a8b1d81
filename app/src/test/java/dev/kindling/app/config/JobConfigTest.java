// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.app.Cli;
import dev.kindling.app.Main;
import dev.kindling.app.config.JobConfigLoader.Task;
import dev.kindling.core.BuildInfo;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.callbacks.CSVLogger;
import dev.kindling.core.callbacks.EarlyStopping;
import dev.kindling.core.callbacks.LearningRateScheduler;
import dev.kindling.core.callbacks.TerminateOnNaN;
import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.AveragePooling2D;
import dev.kindling.core.layers.Bidirectional;
import dev.kindling.core.layers.Conv1D;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.layers.GRU;
import dev.kindling.core.layers.GlobalAveragePooling2D;
import dev.kindling.core.layers.LSTM;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.MaxPooling1D;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Adagrad;
import dev.kindling.core.optim.Adam;
import dev.kindling.core.optim.RmsProp;
import dev.kindling.core.optim.Sgd;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped job files and reference.conf parse into the intended records; overrides apply. */
class JobConfigTest {
    @TempDir
    Path dir;

    private static List<String> at(String dataDir) {
        return List.of("data.dir=\"" + dataDir + "\"");
    }

    @Test
    void mnistMlpIsTheSeedRecipe() throws Exception {
        JobConfig job = JobConfigLoader.load(Cli.repoRoot().resolve("conf/mnist-mlp.conf"),
                at(Cli.digits().toString()), Task.TRAIN);
        assertEquals(List.of(new Dense(512, Activation.RELU), new Dense(10, Activation.SOFTMAX)),
                job.model().layers());
        assertEquals(784, job.model().inputDim());
        assertEquals(new RmsProp(0.001, 0.9, 1e-7), job.compile().optimizer());
        assertEquals(Loss.CATEGORICAL_CROSSENTROPY, job.compile().loss());
        assertEquals(List.of(Metric.ACCURACY), job.compile().metrics());
        assertEquals(new JobConfig.FitConfig(5, 128, 0.0, 1, true, 0, 1, "epoch",
                new JobConfig.CheckpointConfig(null, 0, 1, 3), List.of(), Map.of()), job.fit());
        assertEquals(JobConfig.Format.IDX, job.data().format());
        assertEquals(255.0, job.data().scale());
        assertEquals(10, job.data().numClasses());
        assertNull(job.spark().master(), "spark-submit's --master must win");
        assertEquals("out/mnist-mlp", job.output().dir());
        assertEquals("out/mnist-mlp/predictions", job.predict().path());
    }

    @Test
    void mnistConvnetIsTheChapter5Recipe() throws Exception {
        JobConfig job = JobConfigLoader.load(Cli.repoRoot().resolve("conf/mnist-convnet.conf"),
                at(Cli.digits().toString()), Task.TRAIN);
        // The same layers and the same initial weights as the Java recipe (which declares the shape on its first layer).
        assertEquals(Shape.of(28, 28, 1), job.model().inputShape());
        assertEquals(784, job.model().inputDim());
        assertEquals(Convnet.chapter5().summary(), job.model().newModel().summary());
        assertEquals(Convnet.chapter5().weights(), job.model().newModel().weights());
        assertTrue(job.model().newModel().summary().contains("Total params: 93,322"));
        assertEquals(Convnet.chapter5().compileConfig().optimizer(), job.compile().optimizer());
        assertEquals(new JobConfig.FitConfig(5, 64, 0.0, 1, true, 0, 1, "epoch",
                new JobConfig.CheckpointConfig(null, 0, 1, 3), List.of(), Map.of()), job.fit());
        assertEquals(255.0, job.data().scale());
        assertEquals(10, job.data().numClasses());

        // Every image layer's keys, with Keras's defaults where left out.
        JobConfig keys = JobConfigLoader.load(Cli.repoRoot().resolve("conf/mnist-convnet.conf"), List.of(
                "data.dir=\"" + Cli.digits() + "\"", "model.input-shape=[28, 28, 1]", "model.layers=["
                + "{type = conv2d, filters = 8, kernel-size = [5, 3], strides = [2, 1], padding = same, activation = tanh},"
                + "{type = max_pooling2d, pool-size = 3, strides = 2, padding = same},"
                + "{type = average_pooling2d},"
                + "{type = global_average_pooling2d},"
                + "{type = dense, units = 10, activation = softmax}]"), Task.TRAIN);
        assertEquals(List.of(new Conv2D(8, 5, 3, 2, 1, Padding.SAME, Activation.TANH, null),
                new MaxPooling2D(3, 3, 2, 2, Padding.SAME), new AveragePooling2D(2), new GlobalAveragePooling2D(),
                new Dense(10, Activation.SOFTMAX)), keys.model().layers());
    }

    @Test
    void fashionMnistMlpIsTheSameRecipeOnFashionMnist() throws Exception {
        JobConfig digits = JobConfigLoader.load(Cli.repoRoot().resolve("conf/mnist-mlp.conf"),
                at(Cli.digits().toString()), Task.TRAIN);
        JobConfig fashion = JobConfigLoader.load(Cli.repoRoot().resolve("conf/fashion-mnist-mlp.conf"),
                at(Cli.digits().toString()), Task.TRAIN);
        assertEquals(digits.model(), fashion.model());
        assertEquals(digits.compile(), fashion.compile());
        assertEquals(digits.fit(), fashion.fit());
        assertTrue(Files.readString(Cli.repoRoot().resolve("conf/fashion-mnist-mlp.conf"))
                .contains("dir = data/fashion-mnist"));
    }

    /** A layer of one's own: registered once, a job file names it as it names a built-in one. */
    record Scale(double factor) implements Layer {
        @Override
        public String typeName() {
            return "Scale";
        }

        @Override
        public Shape outputShape(Shape inputShape) {
            return inputShape;
        }

        @Override
        public List<Shape> parameterShapes(Shape inputShape) {
            return List.of();
        }

        @Override
        public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
            return Ops.scale(input, factor);
        }
    }

    /** Chapter 6's layers in a job file, a layer inside Bidirectional in kebab case too; the input declared. */
    @Test
    void sequenceLayersFromTheJobFile() throws Exception {
        Path job = dir.resolve("sequences.conf");
        Files.writeString(job, """
                data { format = parquet, train = "%1$s", parquet.features-column = tokens }
                model.layers = [
                  {type = embedding, input-dim = 10000, output-dim = 32, input-length = 500}
                  {type = conv1d, filters = 32, kernel-size = 7, activation = relu}
                  {type = max_pooling1d, pool-size = 5}
                  {type = bidirectional, layer = {type = lstm, units = 16, return-sequences = true, recurrent-dropout = 0.2}}
                  {type = gru, units = 8, dropout = 0.1}
                  {type = dense, units = 1, activation = sigmoid}
                ]
                compile { loss = binary_crossentropy, metrics = [accuracy] }
                """.formatted(job));
        JobConfig c = JobConfigLoader.load(job, List.of(), Task.TRAIN);
        assertEquals(List.of(new Embedding(10000, 32).withInputLength(500), new Conv1D(32, 7, Activation.RELU),
                new MaxPooling1D(5), new Bidirectional(new LSTM(16).withReturnSequences(true).withRecurrentDropout(0.2)),
                new GRU(8).withDropout(0.1), new Dense(1, Activation.SIGMOID)), c.model().layers());
        assertEquals(Shape.of(500), c.model().inputShape());
    }

    @Test
    void callbacksWeightsValidationAndRegisteredLayersFromTheJobFile() throws Exception {
        Registry.layer("scale", Scale.class);
        Path job = dir.resolve("job.conf");
        Files.writeString(job, """
                data { format = csv, train = "%1$s", validation = "%1$s", weight-column = w }
                model.layers = [{type = scale, factor = 0.5}, {type = dense, units = 3, activation = softmax}]
                fit {
                  class-weights { "2" = 20, "0" = 0.5 }
                  callbacks = [
                    {type = early_stopping, patience = 2, restore-best-weights = true}
                    {type = learning_rate_scheduler, schedule = cosine, initial = 0.01, epochs = 10}
                    {type = csv_logger, path = "hdfs:///logs/training.csv"}
                    {type = terminate_on_nan}
                  ]
                }
                """.formatted(job));
        JobConfig c = JobConfigLoader.load(job, List.of(), Task.TRAIN);
        assertEquals(List.of(new Scale(0.5), new Dense(3, Activation.SOFTMAX)), c.model().layers());
        assertEquals(Map.of(0, 0.5, 2, 20.0), c.fit().classWeights());
        assertEquals(List.of(job.toString()), c.data().validation());
        assertEquals("w", c.data().weightColumn());
        assertEquals(List.of(new EarlyStopping.Config(null, null, null, 2, true),
                new LearningRateScheduler.Config("cosine", 0.01, null, null, null, null, 10, null),
                new CSVLogger.Config("hdfs:///logs/training.csv", null), new TerminateOnNaN.Config()),
                c.fit().callbacks());
    }

    @Test
    void defaultsAndEveryOptimizerAndSparkConf() throws Exception {
        Path job = dir.resolve("job.conf");
        Files.writeString(job, """
                data { format = csv, train = "%s" }
                compile.optimizer { name = adam, beta-2 = 0.99 }
                spark {
                  conf { spark.executor.memory = 2g, "spark.sql.shuffle.partitions" = 4 }
                }
                """.formatted(job));
        JobConfig c = JobConfigLoader.load(job, List.of("fit.epochs=3", "spark.master=local[2]",
                "data.csv.feature-columns=[a, b]"), Task.TRAIN);
        assertEquals(new Adam(0.001, 0.9, 0.99, 1e-7), c.compile().optimizer());
        assertEquals(3, c.fit().epochs());
        // A whole number written with a point is an integer, as Typesafe Config's getInt takes it.
        assertEquals(2, JobConfigLoader.load(job, List.of("fit.epochs=2.0"), Task.TRAIN).fit().epochs());
        assertEquals(32, c.fit().batchSize());
        assertEquals("local[2]", c.spark().master());
        assertEquals(Map.of("spark.executor.memory", "2g", "spark.sql.shuffle.partitions", "4"), c.spark().conf());
        assertEquals(List.of("a", "b"), c.data().csv().featureColumns());
        assertEquals(List.of(job.toString()), c.data().train());
        assertEquals(DType.FLOAT32, c.model().dtype());
        assertEquals(10, c.data().numClasses(), "0 means the last layer's units");

        // HOCON merges objects: an override of compile.optimizer keeps the file's beta-2, which sgd lacks.
        BadConfigurationException merged = org.junit.jupiter.api.Assertions.assertThrows(
                BadConfigurationException.class, () -> JobConfigLoader.load(job,
                        List.of("compile.optimizer.name=sgd"), Task.TRAIN));
        assertEquals(List.of(job + ":2: compile.optimizer.beta-2: unknown key for the sgd optimizer; it takes"
                + " learning-rate, momentum, nesterov"), merged.problems());
        JobConfig sgd = JobConfigLoader.load(job, List.of("compile.optimizer=null", "compile.optimizer={name = sgd,"
                + " momentum = 0.9, nesterov = true}"), Task.TRAIN);
        assertEquals(new Sgd(0.01, 0.9, true), sgd.compile().optimizer());
        JobConfig shorthand = JobConfigLoader.load(job, List.of("compile.optimizer=adagrad"), Task.TRAIN);
        assertEquals(new Adagrad(0.001, 0.1, 1e-7), shorthand.compile().optimizer(), "Keras's defaults");
        // Keras's name and the short one both bind; the unset keys keep the defaults.
        for (String key : List.of("initial-accumulator-value", "initial-accumulator")) {
            JobConfig adagrad = JobConfigLoader.load(job, List.of("compile.optimizer=null",
                    "compile.optimizer={name = adagrad, " + key + " = 0.5, learning-rate = 0.01}"), Task.TRAIN);
            assertEquals(new Adagrad(0.01, 0.5, 1e-7), adagrad.compile().optimizer(), key);
        }
    }

    @Test
    void checkPrintsTheResolvedConfigurationWithoutSpark() {
        Cli cli = Cli.run("train", "--check", "-c", Cli.repoRoot().resolve("conf/mnist-mlp.conf").toString(),
                "--set", "data.dir=" + Cli.digits(), "--set", "fit.epochs=2");
        assertEquals(Main.OK, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("epochs=2") || cli.out().contains("epochs = 2"), cli::toString);
        assertTrue(cli.out().contains("# configuration OK"), cli::toString);
    }

    @Test
    void helpDescribesOptionsAndShowsAnExample() {
        Cli top = Cli.run("--help");
        assertEquals(0, top.exitCode());
        assertTrue(top.out().contains("train") && top.out().contains("Examples:"), top::toString);
        Cli train = Cli.run("train", "--help");
        assertEquals(0, train.exitCode());
        for (String s : List.of("--config=FILE", "--set=KEY=VALUE", "--check", "spark-submit")) {
            assertTrue(train.out().contains(s), () -> s + " missing from\n" + train.out());
        }
    }

    @Test
    void versionNamesTheReleaseAndTheCommit() {
        Cli version = Cli.run("--version");
        assertEquals(0, version.exitCode(), version::toString);
        BuildInfo build = BuildInfo.current();
        assertEquals(System.getProperty("kindling.expected.version"), build.version());
        String expected = "Kindling " + build.version() + " (commit "
                + build.commit().orElse("unknown: built outside a git checkout");
        assertTrue(version.out().startsWith(expected), () -> expected + "... expected, got\n" + version.out());
    }
}
