// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.app.Cli;
import dev.kindling.app.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every bad configuration stops the command before Spark starts: exit code 2, one message per problem on stderr
 * naming the key (and the file and line), and the output directory neither created nor touched.
 */
class BadConfigurationTest {
    @TempDir
    Path dir;
    Path out;
    Path job;

    @BeforeEach
    void setUp() throws IOException {
        out = dir.resolve("out");
        job = dir.resolve("job.conf");
        Files.writeString(job, "data { dir = \"" + Cli.digits() + "\", scale = 255 }\n"
                + "model.layers = [{type = dense, units = 16, activation = relu}, {type = dense, units = 10,"
                + " activation = softmax}]\n"
                + "output.dir = \"" + out + "\"\n"
                + "spark.master = \"local[1]\"\n");
    }

    private Cli train(String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "--config", job.toString()));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return Cli.run(args.toArray(new String[0]));
    }

    private static void assertBad(Cli cli, String... fragments) {
        assertEquals(Main.BAD_CONFIGURATION, cli.exitCode(), cli::toString);
        for (String f : fragments) {
            assertTrue(cli.err().contains(f), () -> "expected '" + f + "' in\n" + cli);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "fit.batch_size=64               | fit.batch_size: unknown key (did you mean 'batch-size'?)",
        "fit.epoch=3                     | fit.epoch: unknown key (did you mean 'epochs'?)",
        "trainer.epochs=3                | trainer: unknown key",
        "compile.optimizer.name=adamw    | compile.optimizer.name: unknown optimizer 'adamw' (did you mean 'adam'?)",
        "compile.optimizer.beta-1=0.8    | compile.optimizer.beta-1: unknown key for the rmsprop optimizer; it takes epsilon, learning-rate, rho",
        "compile.optimizer.learning-rate=-0.1 | compile.optimizer.learning-rate: rmsprop: learning-rate must be > 0, got -0.1",
        "compile.optimizer.learning-rate=0 | compile.optimizer.learning-rate: rmsprop: learning-rate must be > 0, got 0.0",
        "compile.optimizer.rho=high      | compile.optimizer.rho: expected a number, got string \"high\"",
        "compile.optimizer.rho=1.5       | compile.optimizer.rho: rmsprop: rho must be in [0, 1)",
        "compile.loss=crossentropy       | compile.loss: unknown loss 'crossentropy'",
        "data.parquet.padding=middle     | data.parquet.padding: unknown value 'middle', expected one of none, pre, post",
        "data.parquet.padding=pre        | data.parquet.padding: is for parquet inputs (a column of token ids); the format is idx",
        "model.layers=[{type = lstm, units = 4, recurrent-dropout = 1}] | model.layers[0].recurrent-dropout: LSTM: recurrent-dropout must be in [0, 1), got 1.0",
        "compile.metrics=[accuracy, f1]  | compile.metrics[1]: unknown metric 'f1'",
        "model.layers=[{type = dense, units = 10, activation = softmx}] | model.layers[0].activation: unknown activation 'softmx' (did you mean 'softmax'?)",
        "model.layers=[{type = dense, unit = 10}] | model.layers[0].unit: unknown key for the dense layer (did you mean 'units'?)",
        "model.layers=[{type = conv3d}]  | model.layers[0].type: unknown layer type 'conv3d' (did you mean 'conv2d'?)",
        "model.layers=[{type = conv2d, filters = 8}] | model.layers[0].kernel-size: missing (the conv2d layer needs it)",
        "model.layers=[{type = dense, units = ten}] | model.layers[0].units: expected an integer, got string \"ten\"",
        "model.layers=[{activation = relu}] | model.layers[0].type: missing: each layer needs a type, one of dense, dropout, conv2d",
        "model.layers=[{type = conv2d, filters = 8, kernel-size = [3, 3, 3]}] | model.layers[0].kernel-size: Conv2D: kernel-size must be an integer or [height, width], got [3, 3, 3]",
        "model.layers=[{type = max_pooling2d, pool-size = 0}] | model.layers[0]: MaxPooling2D: pool size and strides must be > 0, got pool 0x0",
        "model.layers=[{type = conv2d, filters = 8, kernel-size = 3, padding = full}] | model.layers[0].padding: unknown padding 'full', expected valid or same",
        "model.layers=[{type = flatten, input-dim = 784}] | model.layers[0].input-dim: unknown key for the flatten layer; it takes input-shape",
        "model.layers=[{type = flatten, input-shape = [784]}] | model.layers: the model has no weights to train",
        "model.input-shape=[28, 28, 0]   | model.input-shape: expected integers > 0",
        "fit.callbacks=[{type = early_stop}] | fit.callbacks[0].type: unknown callback type 'early_stop' (did you mean 'early_stopping'?)",
        "fit.callbacks=[{type = early_stopping, patience = 2, restore-best = true}] | fit.callbacks[0].restore-best: unknown key for the early_stopping callback",
        "fit.callbacks=[{type = learning_rate_scheduler, schedule = step, initial = 0.1}] | fit.callbacks[0]: the step schedule needs every",
        "fit.callbacks=[{type = early_stopping, mode = biggest}] | fit.callbacks[0].mode: mode must be auto, min or max, got 'biggest'",
        "fit.callbacks=early_stopping    | fit.callbacks: expected a list of callbacks",
        "fit.callbacks=[{type = terminate_on_nan, patience = 2}] | fit.callbacks[0].patience: unknown key for the terminate_on_nan callback; it takes no parameters",
        "fit.class-weights={\"12\" = 2}  | fit.class-weights: names class 12 but there are 10 classes (0..9)",
        "fit.class-weights={\"3\" = -1}  | fit.class-weights.3: expected a weight (a finite number >= 0), got number -1",
        "fit.class-weights={three = 1}   | fit.class-weights.three: expected a class index (an integer >= 0) as the key",
        "data.weight-column=w            | data.weight-column: is for csv and parquet inputs; idx files have no columns to weigh by",
        "data.validation=[nowhere.idx, labels.idx] | data.validation[0]: 'nowhere.idx' does not exist",
        "model.dtype=float16             | model.dtype: unknown value 'float16'",
        "data.format=json                | data.format: unknown value 'json'",
        "data.format=null                | data.format: missing, expected one of idx, csv, libsvm, parquet",
        "spark=3                         | spark: expected an object (a section of keys), got number 3",
        "fit.batch-size=0                | fit.batch-size: must be >= 1, got 0",
        "fit.validation-split=1.0        | fit.validation-split: must be in [0, 1), got 1.0",
        "fit.validation-split=-0.1       | fit.validation-split: must be in [0, 1), got -0.1",
        "fit.epochs=five                 | fit.epochs: expected an integer, got string \"five\"",
        "fit.epochs=2.5                  | fit.epochs: expected an integer, got number 2.5",
        "fit.shuffle=maybe               | fit.shuffle: expected true or false",
        "fit.epochs=null                 | fit.epochs: missing, expected an integer",
        "fit.checkpoint=null             | fit.checkpoint: expected an object (a section of keys), got null",
        "fit=3                           | fit: expected an object (a section of keys), got number 3",
        "data.dir=/no/such/folder        | data.dir: '/no/such/folder' does not exist",
        "data.num-classes=7              | data.num-classes: is 7 but the last dense layer (model.layers) has 10 units",
        "data.scale=0                    | data.scale: must be a positive number, got 0.0",
        "fit.tree-depth=0                | fit.tree-depth: must be in [1, 64], got 0",
        "fit.steps-per-job=0             | fit.steps-per-job: must be >= 1, got 0",
        "fit.steps-per-job=weekly        | fit.steps-per-job: 'weekly' is neither 'epoch' nor a number of steps >= 1",
    })
    void eachBadOverrideNamesItsKey(String set, String message) {
        Cli cli = train(set);
        assertBad(cli, "--set " + set + ": " + message.substring(0, message.indexOf(':')), message);
        assertFalse(Files.exists(out), "a bad configuration must not create the output directory");
    }

    @Test
    void aParameterGivenByItsNameAndItsAlias() {
        Cli cli = train("compile.optimizer=null", "compile.optimizer={name = adagrad, initial-accumulator = 0.5,"
                + " initial-accumulator-value = 0.2}");
        assertBad(cli, "compile.optimizer.initial-accumulator-value: the same parameter as initial-accumulator;"
                + " give one of them");
        assertFalse(Files.exists(out));
    }

    @Test
    void imageShapesAreCheckedBeforeSpark() {
        assertBad(train("model.input-shape=[28, 28, 1]"), job + ":2: model.layers: layer 1 (Dense): Dense expects flat"
                + " samples (features), got (28, 28, 1): put a Flatten layer before it");
        assertBad(train("model.input-shape=[28, 28, 1]", "model.input-dim=785"), "--set model.input-shape=[28, 28, 1]:"
                + " model.input-shape: is (28, 28, 1) (784 values) but model.input-dim is 785");
        assertBad(train("model.input-shape=[3, 3, 1]", "model.layers=[{type = conv2d, filters = 4, kernel-size = 5},"
                + " {type = flatten}, {type = dense, units = 10}]"), "layer 1 (Conv2D): Conv2D: a 5x5 window does not"
                + " fit in samples of shape (3, 3, 1) with padding 'valid'");
        assertBad(train("model.input-shape=[8, 8, 1]", "model.layers=[{type = conv2d, filters = 4, kernel-size = 3}]",
                "data.num-classes=10"), "the last layer (Conv2D) outputs samples of shape (6, 6, 4)");
        assertFalse(Files.exists(out));
    }

    @Test
    void problemsInTheFileNameFileAndLine() throws IOException {
        Files.writeString(job, "fit {\n  epochs = 2\n  batch-size = 0\n  shufle = false\n}\n", 
                java.nio.file.StandardOpenOption.APPEND);
        Cli cli = train();
        // The appended block starts at line 5: batch-size is on line 7, shufle on line 8. Both are reported.
        assertBad(cli, "2 problems", job + ":8: fit.shufle: unknown key (did you mean 'shuffle'?)",
                job + ":7: fit.batch-size: must be >= 1, got 0");
    }

    /** Values of one section that do not bind are each reported, in one run, beside the other sections' problems. */
    @Test
    void everyValueThatDoesNotBindIsReported() {
        Cli cli = train("fit.epochs=five", "fit.shuffle=maybe", "fit.batch-size=null", "fit.tree-depth=0",
                "data.csv.header=sometimes");
        assertBad(cli, "5 problems", "--set fit.epochs=five: fit.epochs: expected an integer, got string \"five\"",
                "--set fit.shuffle=maybe: fit.shuffle: expected true or false, got string \"maybe\"",
                "--set fit.batch-size=null: fit.batch-size: missing, expected an integer",
                "--set fit.tree-depth=0: fit.tree-depth: must be in [1, 64], got 0",
                "--set data.csv.header=sometimes: data.csv.header: expected true or false");
        assertFalse(Files.exists(out));
    }

    @Test
    void missingTrainingInputIsNamed() throws IOException {
        Files.writeString(job, "data.format = csv\nspark.master = \"local[1]\"\noutput.dir = \"" + out + "\"\n");
        assertBad(train(), "data.train: missing");
        Files.writeString(job, "data { format = csv, train = \"" + dir.resolve("nope.csv") + "\" }\n");
        assertBad(train(), job + ":1: data.train: '" + dir.resolve("nope.csv") + "' does not exist");
    }

    @Test
    void hoconSyntaxErrorGivesFileAndLine() throws IOException {
        Files.writeString(job, "fit {\n  epochs = \n}\n}\n");
        assertBad(train(), job + ": 3: Expecting a value but got wrong token: '}'");
    }

    @Test
    void missingConfigFileAndBadSetSyntax() {
        assertBad(Cli.run("train", "-c", dir.resolve("nope.conf").toString()),
                "nope.conf: the configuration file does not exist");
        assertBad(train("fit.epochs"), "--set fit.epochs: expected KEY=VALUE");
    }

    @Test
    void badConfigurationLeavesAnExistingOutputDirectoryAlone() throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("model.kindling"), "previous good model");
        assertBad(train("fit.batch-size=0"), "fit.batch-size");
        assertEquals(List.of(out.resolve("model.kindling")), Files.list(out).toList());
        assertEquals("previous good model", Files.readString(out.resolve("model.kindling")));
        assertEquals(1, Files.list(dir).filter(p -> p.getFileName().toString().startsWith(".")).count() + 1);
    }

    @Test
    void evaluateWithoutAModelIsABadConfiguration() {
        assertBad(Cli.run("evaluate", "-c", job.toString()), "output.dir: no saved model at "
                + out.resolve("model.kindling"));
        assertBad(Cli.run("predict", "-c", job.toString(), "--model", dir.resolve("m.kindling").toString()),
                "--model: no saved model at");
    }

    @Test
    void usageErrors() {
        Cli none = Cli.run();
        assertEquals(Main.BAD_CONFIGURATION, none.exitCode());
        assertTrue(none.err().contains("a command is needed"), none::toString);
        Cli noConfig = Cli.run("train");
        assertEquals(2, noConfig.exitCode());
        assertTrue(noConfig.err().contains("Missing required option: '--config=FILE'"), noConfig::toString);
    }

    @Test
    void checkpointSettingsAreChecked() {
        assertBad(train("fit.checkpoint.dir=\"" + dir.resolve("ckpt") + "\"", "fit.checkpoint.every-epochs=0"),
                "fit.checkpoint: every-steps and every-epochs are both 0");
        assertBad(train("fit.checkpoint.keep=0"), "fit.checkpoint.keep: must be in [1, 1000000], got 0");
        assertBad(train("fit.checkpoint.every-step=10"), "fit.checkpoint.every-step: unknown key (did you mean"
                + " 'every-steps'?)");
        List<String> args = new ArrayList<>(List.of("train", "--config", job.toString(), "--resume"));
        Cli cli = Cli.run(args.toArray(new String[0]));
        assertBad(cli, "--resume: fit.checkpoint.dir is not set, so there is nothing to resume from");
        assertFalse(Files.exists(out));
    }

    /** A checkpoint folder that does not fit the run is refused before any Spark job, changing nothing. */
    @Test
    void aCheckpointFolderOfAnotherRunOrNoneToResumeIsRefused() throws IOException {
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        Cli cli = Cli.run("train", "--config", job.toString(), "--resume", "--set", "fit.checkpoint.dir=\"" + ckpt + "\"");
        assertBad(cli, "kindling: checkpoint: no checkpoint to resume from in ");
        Path earlier = ckpt.resolve("checkpoint-e000002-s0000000.kindling");
        Files.writeString(earlier, "an earlier run's");
        cli = train("fit.checkpoint.dir=\"" + ckpt + "\"");
        assertBad(cli, "kindling: checkpoint: ", "already holds 1 checkpoint(s) of an earlier run, the newest"
                + " checkpoint-e000002-s0000000.kindling");
        assertEquals("an earlier run's", Files.readString(earlier));
        assertFalse(Files.exists(out));
    }
}
