// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.data.Idx;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: what a careful user's bad inputs now do. Locations, monitors and shapes fail at the configuration check
 * (exit 2, one line naming the key, nothing written, Spark not started); a model that trained survives outputs that
 * cannot be written; data and model-file problems are one line with their exit code and the user's own names.
 */
class FailEarlyTest {
    @TempDir
    Path dir;
    Path out;

    @BeforeEach
    void setUp() {
        out = dir.resolve("out");
    }

    private List<String> args(String command, String conf, String... sets) {
        List<String> args = new ArrayList<>(List.of(command, "-c", Cli.repoRoot().resolve(conf).toString()));
        List<String> all = new ArrayList<>(List.of("data.dir=\"" + Cli.digits() + "\"", "output.dir=\"" + out + "\"",
                "spark.master=local[1]", "spark.conf.spark.ui.enabled=false", "fit.epochs=1"));
        all.addAll(List.of(sets));
        for (String s : all) {
            args.add("--set");
            args.add(s);
        }
        return args;
    }

    private Cli train(String... sets) {
        return Cli.run(args("train", "conf/mnist-mlp.conf", sets).toArray(new String[0]));
    }

    /** Exit 2, each fragment on stderr, no stack trace, Spark never started (no progress) and nothing written. */
    private void assertRefused(Cli cli, String... fragments) throws IOException {
        assertEquals(Main.BAD_CONFIGURATION, cli.exitCode(), cli::toString);
        for (String f : fragments) {
            assertTrue(cli.err().contains(f), () -> "expected '" + f + "' in\n" + cli);
        }
        assertFalse(cli.err().contains("\tat "), () -> "no stack trace:\n" + cli);
        assertFalse(cli.out().contains("Epoch 1"), cli::toString);
        assertFalse(Files.exists(out), "output.dir not created");
        assertEquals(List.of(), probes(dir), "no probe file left behind");
    }

    private static List<Path> probes(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".kindling-probe")).toList();
        }
    }

    // ---- locations -------------------------------------------------------------------------------------------

    @Test
    void aSchemeWithoutAHadoopFileSystemIsAConfigurationErrorNamingKeyAndScheme() throws IOException {
        assertRefused(train("fit.checkpoint.dir=\"nosuchfs://bucket/ckpt\""),
                "fit.checkpoint.dir: 'nosuchfs://bucket/ckpt' has scheme 'nosuchfs', for which there is no Hadoop"
                        + " file system; known schemes: ", "file");
        Cli output = Cli.run(args("train", "conf/mnist-mlp.conf").stream()
                .map(a -> a.startsWith("output.dir=") ? "output.dir=\"nosuchfs://bucket/out\"" : a)
                .toArray(String[]::new));
        assertRefused(output, "output.dir: 'nosuchfs://bucket/out' has scheme 'nosuchfs'");
    }

    @Test
    void aCheckpointFolderThatIsAFileIsRefusedBeforeSparkStarts() throws IOException {
        Path file = Files.writeString(dir.resolve("ckpt"), "a file");
        assertRefused(train("fit.checkpoint.dir=\"" + file + "\""),
                "fit.checkpoint.dir: '" + file + "' is a file, expected a folder");
        assertRefused(train("fit.checkpoint.dir=\"" + file.toUri() + "\""),
                "fit.checkpoint.dir: '" + file.toUri() + "' is a file, expected a folder");
        assertEquals("a file", Files.readString(file));
    }

    @Test
    void anOutputFolderUnderAFileIsRefusedBeforeTraining() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "a file");
        for (String under : List.of(file.resolve("out").toString(), file.toUri() + "/out")) {
            Cli cli = Cli.run(args("train", "conf/mnist-mlp.conf").stream()
                    .map(a -> a.startsWith("output.dir=") ? "output.dir=\"" + under + "\"" : a)
                    .toArray(String[]::new));
            assertRefused(cli, "output.dir: '" + under + "' cannot be created as a folder: ", file + " is a file");
        }
        Path logs = Files.writeString(dir.resolve("logs"), "a file");
        assertRefused(train("fit.callbacks=[{type = csv_logger, path = \"" + logs.resolve("training.csv") + "\"}]",
                "fit.validation-split=0.2"), "fit.callbacks[0].path: '" + logs + "' is a file");
    }

    /** /proc takes no new files, even from root: the probe file is refused, so the location is. */
    @Test
    void aFolderThatTakesNoFilesIsRefusedBeforeSparkStarts() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux's /proc");
        Cli cli = Cli.run(args("train", "conf/mnist-mlp.conf").stream()
                .map(a -> a.startsWith("output.dir=") ? "output.dir=\"/proc/kindling-out\"" : a)
                .toArray(String[]::new));
        assertRefused(cli, "output.dir: '/proc/kindling-out' cannot be written: ");
        assertFalse(Files.exists(Path.of("/proc/kindling-out")));
    }

    @Test
    void predictionsUnderAFileAreRefusedBeforeSparkStarts() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "a file");
        Cli cli = Cli.run(args("predict", "conf/mnist-mlp.conf", "predict.path=\"" + file.resolve("p") + "\"")
                .toArray(new String[0]));
        assertRefused(cli, "predict.path: '" + file.resolve("p") + "' cannot be created as a folder");
    }

    @Test
    void goodLocationsPassTheCheckAndAreLeftAsTheyWere() throws IOException {
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        List<String> a = new ArrayList<>(args("train", "conf/mnist-mlp.conf", "fit.checkpoint.dir=\"" + ckpt.toUri()
                + "\"", "fit.validation-split=0.2", "fit.callbacks=[{type = model_checkpoint, path = \""
                + dir.resolve("m/m-{epoch}.kindling") + "\"}]"));
        a.add("--check");
        Cli cli = Cli.run(a.toArray(new String[0]));
        assertEquals(Main.OK, cli.exitCode(), cli::toString);
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("m")), "a folder that does not exist is probed, not created");
        try (Stream<Path> s = Files.list(ckpt)) {
            assertEquals(0, s.count());
        }
        assertEquals(List.of(), probes(dir));
    }

    // ---- monitors and shapes ---------------------------------------------------------------------------------

    @Test
    void aMonitorTheRunWillNotLogIsRefusedNamingTheLogsAndTheClosestName() throws IOException {
        assertRefused(train("fit.validation-split=0.2", "fit.callbacks=[{type = early_stopping, monitor = val_acc}]"),
                "fit.callbacks[0]: EarlyStopping: monitor 'val_acc' is not a log this fit will have; it will have"
                        + " loss, accuracy, val_loss, val_accuracy, lr (did you mean 'val_accuracy'? 'val_acc' is"
                        + " Keras 2's old name)");
        assertRefused(train("fit.validation-split=0", "fit.callbacks=[{type = early_stopping, monitor = val_loss}]"),
                "fit.callbacks[0]: EarlyStopping: monitor 'val_loss' is not a log this fit will have; it will have"
                        + " loss, accuracy, lr (the fit has no validation data");
    }

    @Test
    void aConvnetWithoutItsInputShapeNamesTheKeyAndALikelyValue() throws IOException {
        Cli cli = Cli.run(args("train", "conf/mnist-convnet.conf", "model.input-shape=[]").toArray(new String[0]));
        assertRefused(cli, "model.input-shape: missing: Conv2D (model.layers[0]) needs model.input-shape (height,"
                + " width, channels); the data has 784 features, e.g. [28, 28, 1]");
    }

    // ---- the trained model survives its outputs ------------------------------------------------------------

    /** The first 512 shipped digits (train) and 200 (test), to keep the fits short. */
    private Path smallDigits() throws IOException {
        Mnist mnist = Mnist.load(Cli.digits());
        Path digits = Files.createDirectories(dir.resolve("digits"));
        Idx.write(digits.resolve(Mnist.TRAIN_IMAGES), mnist.trainImages().slice(0, 0, 512));
        Idx.write(digits.resolve(Mnist.TRAIN_LABELS), mnist.trainLabels().slice(0, 0, 512));
        Idx.write(digits.resolve(Mnist.TEST_IMAGES), mnist.testImages().slice(0, 0, 200));
        Idx.write(digits.resolve(Mnist.TEST_LABELS), mnist.testLabels().slice(0, 0, 200));
        return digits;
    }

    /**
     * Trains with output.dir under {@code parent}, and when the first epoch begins (after every check) replaces
     * {@code parent} with a regular file, so that the outputs cannot be written.
     */
    private Cli trainWhileTheOutputBecomesAFile(Path parent, String... sets) throws IOException {
        Files.createDirectories(parent);
        List<String> a = new ArrayList<>(args("train", "conf/mnist-mlp.conf", sets));
        a.replaceAll(s -> s.startsWith("output.dir=") ? "output.dir=\"" + parent.resolve("out") + "\"" : s);
        a.replaceAll(s -> s.startsWith("data.dir=") ? "data.dir=\"" + dir.resolve("digits") + "\"" : s);
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream() {
            private boolean done;

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                if (!done && toString(StandardCharsets.UTF_8).contains("Epoch 1/")) {
                    done = true;
                    try {
                        Files.delete(parent);
                        Files.writeString(parent, "now a file");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        };
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            code = Main.run(o, e, a.toArray(new String[0]));
        }
        return new Cli(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void whenTheOutputsCannotBeWrittenTheModelGoesToTheCheckpointFolder() throws IOException {
        smallDigits();
        Path ckpt = dir.resolve("ckpt");
        Path parent = dir.resolve("parent");
        Cli cli = trainWhileTheOutputBecomesAFile(parent, "fit.checkpoint.dir=\"" + ckpt + "\"");
        assertEquals(Main.FAILED, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("Epoch 1/1"), cli::toString);
        String line = cli.err().strip();
        assertFalse(line.contains("\n"), () -> "one line:\n" + cli);
        Path saved = ckpt.resolve("model.kindling");
        assertTrue(line.startsWith("kindling: training finished, but the outputs could not be written to "), line);
        assertTrue(line.contains("; the trained model is saved in " + saved + ": finish with `evaluate -c "), line);
        Sequential model = Sequential.load(saved);
        assertEquals(1, model.epochsTrained());
        assertEquals("now a file", Files.readString(parent));
    }

    @Test
    void withoutACheckpointFolderTheModelGoesToATemporaryFolder() throws IOException {
        smallDigits();
        Path parent = dir.resolve("parent");
        Cli cli = trainWhileTheOutputBecomesAFile(parent);
        assertEquals(Main.FAILED, cli.exitCode(), cli::toString);
        String line = cli.err().strip();
        assertFalse(line.contains("\n"), () -> "one line:\n" + cli);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("the trained model is saved in (\\S+model"
                + "\\.kindling): finish with `evaluate -c \\S+ --model \\S+`").matcher(line);
        assertTrue(m.find(), line);
        Path saved = Path.of(m.group(1));
        try {
            assertEquals(1, Sequential.load(saved).epochsTrained());
        } finally {
            Files.deleteIfExists(saved);
            Files.deleteIfExists(saved.getParent());
        }
    }

    // ---- data and model files --------------------------------------------------------------------------------

    private Cli trainCsv(Path train, Path test, String... sets) {
        List<String> a = new ArrayList<>(args("train", "conf/mnist-mlp.conf", "data.format=csv", "data.dir=null",
                "data.train=\"" + train + "\"", "data.test=\"" + test + "\"", "data.scale=1", "data.num-classes=0",
                "model.input-dim=2", "model.layers=[{type = dense, units = 2, activation = softmax}]",
                "data.weight-column=sw", "fit.batch-size=4"));
        for (String s : sets) {
            a.add("--set");
            a.add(s);
        }
        return Cli.run(a.toArray(new String[0]));
    }

    @Test
    void aNegativeWeightNamesTheUsersColumnAndLine() throws IOException {
        Path train = Files.writeString(dir.resolve("train.csv"), "label,a,b,sw\n1,0.5,0.5,1\n0,0.1,0.2,-2\n");
        Cli cli = trainCsv(train, train);
        assertEquals(Main.BAD_DATA, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("bad input data: csv " + train + ": row 1 (line 3), column 'sw': -2.0 is not a"
                + " weight: expected a finite number >= 0"), cli::toString);
        assertFalse(cli.err().contains("\tat "), cli::toString);
        assertFalse(Files.exists(out));
    }

    @Test
    void testDataWithoutTheWeightColumnIsEvaluatedUnweighted() throws IOException {
        Path train = Files.writeString(dir.resolve("train.csv"), "label,a,b,sw\n1,0.5,0.5,1\n0,-0.5,0.2,2\n"
                + "1,0.6,0.1,1\n0,-0.4,0.3,1\n");
        Path test = Files.writeString(dir.resolve("test.csv"), "label,a,b\n1,0.5,0.4\n0,-0.5,0.1\n");
        Cli cli = trainCsv(train, test);
        assertEquals(Main.OK, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("test accuracy"), cli::toString);
        assertTrue(Files.exists(out.resolve("metrics.json")));
    }

    @Test
    void anInputThatCannotFitInMemoryIsRefusedBeforePackingWithTheEstimate() throws IOException {
        // Four rows hashed into 2^30 features: 4 GiB each once packed densely, far more than this JVM has. A first
        // Dense layer would take them as sparse rows; a Dropout before it needs them dense.
        Path train = Files.writeString(dir.resolve("train.libsvm"), "1 1:0.5 1073741824:1\n0 2:0.5\n1 3:1\n0 4:1\n");
        List<String> a = new ArrayList<>(args("train", "conf/mnist-mlp.conf", "data.format=libsvm", "data.dir=null",
                "data.train=\"" + train + "\"", "data.scale=1", "data.num-classes=0",
                "data.libsvm.num-features=1073741824", "model.input-dim=0",
                "model.layers=[{type = dropout, rate = 0.1}, {type = dense, units = 2, activation = softmax}]"));
        Cli cli = Cli.run(a.toArray(new String[0]));
        assertEquals(Main.BAD_CONFIGURATION, cli.exitCode(), cli::toString);
        long heap = Runtime.getRuntime().maxMemory();
        assertTrue(cli.err().contains("libsvm " + train + ": 4 rows of 1,073,741,824 features packed into 1 partition"
                + " need about 16.0 GB per partition (rows x (1,073,741,824 features + 2 targets) x 4"
                + " bytes), 16.0 GB in the driver's JVM (local mode: every partition lives there); Spark has "),
                cli::toString);
        assertTrue(cli.err().contains("give Spark more memory (spark.driver.memory"), cli::toString);
        assertFalse(cli.err().contains("\tat ") || cli.err().contains("OutOfMemoryError"), cli::toString);
        assertFalse(cli.out().contains("Epoch 1"), cli::toString);
        assertFalse(Files.exists(out));
        assertTrue(heap < 16L << 30, "the test needs a heap under 16 GB, has " + heap);
    }

    /** An out-of-memory failure that still happens is one line naming the stage and the settings, exit 1. */
    @Test
    void anOutOfMemoryFailureIsOneLineNamingTheStage() {
        RuntimeException executorLost = new RuntimeException("Job aborted due to stage failure: Task 1 in stage 4.0"
                + " failed 4 times, most recent failure: Lost task 1.3 in stage 4.0 (TID 19) (127.0.0.1 executor 2):"
                + " ExecutorLostFailure (executor 2 exited caused by one of the running tasks) Reason: Command exited"
                + " with code 52\nDriver stacktrace: ...");
        assertTrue(JobCommand.OutOfMemory.lostToMemory(executorLost));
        assertTrue(JobCommand.OutOfMemory.lostToMemory(new IllegalStateException("step failed",
                new OutOfMemoryError("Java heap space"))));
        assertFalse(JobCommand.OutOfMemory.lostToMemory(new RuntimeException("Command exited with code 520")));
        assertFalse(JobCommand.OutOfMemory.lostToMemory(new RuntimeException("ExecutorLostFailure: worker lost")));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.report(new JobCommand.OutOfMemory("packing the inputs", new OutOfMemoryError("Java heap space"),
                true), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        assertEquals(Main.FAILED, code);
        assertEquals("kindling: out of memory while packing the inputs (java.lang.OutOfMemoryError: Java heap space):"
                + " give Spark more memory (spark.driver.memory or --driver-memory: in local mode the executors are the"
                + " driver's JVM), spread the data over more partitions and executors (fit.partitions), or use fewer"
                + " features", err.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void aModelFileNamingAnUnregisteredLayerIsOneLineNamingTheRegisteredOnes() throws IOException {
        Sequential model = new Sequential(new Dense(10, Activation.SOFTMAX, 784));
        model.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        Path good = dir.resolve("good.kindling");
        model.save(good);
        Map<String, byte[]> entries = new TreeMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(good))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        }
        String json = new String(entries.get("model.json"), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"dense\""), json);
        entries.put("model.json", json.replace("\"dense\"", "\"gated_dense\"").getBytes(StandardCharsets.UTF_8));
        Path bad = dir.resolve("bad.kindling");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bad))) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        List<String> a = new ArrayList<>(args("evaluate", "conf/mnist-mlp.conf"));
        a.addAll(List.of("--model", bad.toString()));
        Cli cli = Cli.run(a.toArray(new String[0]));
        assertEquals(Main.BAD_CONFIGURATION, cli.exitCode(), cli::toString);
        assertFalse(cli.err().contains("\tat "), () -> "no stack trace:\n" + cli);
        String line = cli.err().lines().filter(l -> l.contains("--model: ")).findFirst().orElse("");
        assertTrue(line.contains("layers[0].type: unknown layer type 'gated_dense', expected one of dense, ")
                && line.contains("conv2d") && line.contains("register your own kinds before loading"), line);
        assertTrue(cli.out().isEmpty(), "refused before Spark starts:\n" + cli);

        List<String> p = new ArrayList<>(args("predict", "conf/mnist-mlp.conf"));
        p.addAll(List.of("--model", bad.toString()));
        Cli predict = Cli.run(p.toArray(new String[0]));
        assertEquals(Main.BAD_CONFIGURATION, predict.exitCode(), predict::toString);
        assertTrue(predict.err().contains(line), predict::toString);
        assertFalse(predict.err().contains("\tat "), predict::toString);
        // --verbose adds the stack trace.
        a.add("--verbose");
        Cli verbose = Cli.run(a.toArray(new String[0]));
        assertEquals(Main.BAD_CONFIGURATION, verbose.exitCode(), verbose::toString);
        assertTrue(verbose.err().contains(line) && verbose.err().contains("\tat "), verbose::toString);
    }
}
