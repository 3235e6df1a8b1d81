// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.core.data.Idx;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application in-process in local[2], as spark-submit would run it: train the shipped recipe for one epoch on
 * the shipped digits, then evaluate and predict with the saved model; and a bad data file's exit code.
 */
class EndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private List<String> args(String command, String... sets) {
        List<String> args = new ArrayList<>(List.of(command, "-c",
                Cli.repoRoot().resolve("conf/mnist-mlp.conf").toString()));
        for (String s : List.of("data.dir=\"" + Cli.digits() + "\"", "output.dir=\"" + dir.resolve("out") + "\"",
                "spark.master=local[2]", "spark.conf.spark.ui.enabled=false", "fit.epochs=1",
                "fit.validation-split=0.2")) {
            args.add("--set");
            args.add(s);
        }
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return args;
    }

    @Test
    void trainEvaluatePredict() throws IOException {
        Cli train = Cli.run(args("train").toArray(new String[0]));
        assertEquals(Main.OK, train.exitCode(), train::toString);
        assertTrue(train.out().contains("Epoch 1/1"), train::toString);
        assertTrue(train.out().contains("test accuracy"), train::toString);
        assertTrue(train.out().contains("outputs: "), train::toString);

        Path out = dir.resolve("out");
        assertEquals(List.of("history.json", "history.png", "metrics.json", "model.kindling"), names(out));
        JsonNode history = JSON.readTree(out.resolve("history.json").toFile());
        for (String key : List.of("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds")) {
            assertEquals(1, history.get(key).size(), key);
        }
        JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
        double testAccuracy = metrics.at("/test/accuracy").asDouble();
        // One epoch of the seed recipe on 6,400 digits: well above chance (0.1); measured about 0.9.
        assertTrue(testAccuracy > 0.8, "test accuracy " + testAccuracy);
        assertEquals(2, metrics.get("partitions").asInt());
        assertEquals("local[2]", metrics.get("spark_master").asText());
        assertFalse(metrics.at("/blas/driver").asText().isEmpty());
        assertEquals(1, metrics.get("seconds_per_epoch").size());
        assertEquals(512, metrics.at("/config/model/layers/0/units").asInt());
        assertEquals(1, metrics.at("/config/fit/epochs").asInt());

        Cli evaluate = Cli.run(args("evaluate").toArray(new String[0]));
        assertEquals(Main.OK, evaluate.exitCode(), evaluate::toString);
        JsonNode evaluation = JSON.readTree(out.resolve("evaluation.json").toFile());
        assertEquals(testAccuracy, evaluation.get("accuracy").asDouble(), 1e-9, "same model, same test data");

        Cli predict = Cli.run(args("predict", "predict.format=csv").toArray(new String[0]));
        assertEquals(Main.OK, predict.exitCode(), predict::toString);
        List<String> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(out.resolve("predictions"))) {
            for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                List<String> part = Files.readAllLines(p);
                assertTrue(part.get(0).startsWith("label,prediction,probability_0,"), part.get(0));
                lines.addAll(part.subList(1, part.size()));
            }
        }
        assertEquals(2000, lines.size());
        long hits = lines.stream().map(l -> l.split(",")).filter(f -> Double.parseDouble(f[0])
                == Double.parseDouble(f[1])).count();
        assertEquals(testAccuracy, hits / 2000.0, 1e-9, "predictions agree with the evaluation");
        assertEquals(List.of("confusion_matrix.png", "evaluation.json", "history.json", "history.png",
                "metrics.json", "model.kindling", "predictions"), names(out), "no staging folders left");
    }

    /**
     * conf/mnist-convnet.conf: IDX images reach the convnet as flat rows of 784 pixels, reshaped by the model. On
     * the first 1,024 / 500 shipped digits, to keep the suite quick (the full recipe's accuracy is checked in one
     * JVM by Chapter5ConvnetTest, and on Spark by hand: docs/performance.md).
     */
    @Test
    void theConvnetJobTrainsOnIdxImagesAndItsModelEvaluates() throws IOException {
        Mnist mnist = Mnist.load(Cli.digits());
        Path digits = Files.createDirectories(dir.resolve("digits"));
        Idx.write(digits.resolve(Mnist.TRAIN_IMAGES), mnist.trainImages().slice(0, 0, 1024));
        Idx.write(digits.resolve(Mnist.TRAIN_LABELS), mnist.trainLabels().slice(0, 0, 1024));
        Idx.write(digits.resolve(Mnist.TEST_IMAGES), mnist.testImages().slice(0, 0, 500));
        Idx.write(digits.resolve(Mnist.TEST_LABELS), mnist.testLabels().slice(0, 0, 500));
        List<String> train = args("train", "fit.validation-split=0", "data.dir=\"" + digits + "\"");
        train.set(2, Cli.repoRoot().resolve("conf/mnist-convnet.conf").toString());
        Cli cli = Cli.run(train.toArray(new String[0]));
        assertEquals(Main.OK, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("(None, 26, 26, 32)") && cli.out().contains("Total params: 93,322"),
                cli::toString);
        Path out = dir.resolve("out");
        JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
        double testAccuracy = metrics.at("/test/accuracy").asDouble();
        // One epoch (16 steps) on 1,024 digits: far above chance (0.1); measured 0.57.
        assertTrue(testAccuracy > 0.4, "test accuracy " + testAccuracy);
        assertEquals(List.of(28, 28, 1), JSON.convertValue(metrics.at("/config/model/input-shape"), List.class));

        // The saved model, reloaded in this JVM, takes the images as the book shapes them and scores the same.
        Sequential model = Sequential.load(out.resolve("model.kindling"));
        assertEquals(Shape.of(28, 28, 1), model.network().inputShape());
        Evaluation local = model.evaluate(Mnist.imagesAndScale(mnist.testImages().slice(0, 0, 500)),
                Labels.toCategorical(mnist.testLabels().slice(0, 0, 500), 10));
        assertEquals(testAccuracy, local.accuracy(), 1e-9);
    }

    @Test
    void aBadDataFileExitsWithTheDataCodeAndWritesNothing() throws IOException {
        Path csv = dir.resolve("train.csv");
        Files.writeString(csv, "label,a,b\n1,0.5,0.5\n0,0.1,x\n");
        Cli cli = Cli.run("train", "-c", Cli.repoRoot().resolve("conf/mnist-mlp.conf").toString(),
                "--set", "data.format=csv", "--set", "data.dir=null", "--set", "data.train=\"" + csv + "\"",
                "--set", "data.scale=1", "--set", "model.input-dim=2", "--set", "output.dir=\"" + dir.resolve("out") + "\"",
                "--set", "spark.master=local[1]", "--set", "spark.conf.spark.ui.enabled=false");
        assertEquals(Main.BAD_DATA, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("bad input data: csv " + csv + ": row 1 (line 3), column 'b': 'x' is not a"
                + " number"), cli::toString);
        assertFalse(Files.exists(dir.resolve("out")));
    }

    /** A train job on small files of one format: features a and b, labels 0 or 1, local[1]. */
    private Cli trainOn(String format, String train, String test, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "-c", Cli.repoRoot().resolve("conf/mnist-mlp.conf").toString(),
                "--set", "data.format=" + format, "--set", "data.dir=null", "--set", "data.train=\"" + train + "\"",
                "--set", "data.test=\"" + test + "\"", "--set", "data.scale=1", "--set", "data.num-classes=0",
                "--set", "model.input-dim=2", "--set", "model.layers=[{type = dense, units = 2, activation = softmax}]",
                "--set", "fit.epochs=1", "--set", "output.dir=\"" + dir.resolve("out") + "\"",
                "--set", "spark.master=local[1]", "--set", "spark.conf.spark.ui.enabled=false"));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return Cli.run(args.toArray(new String[0]));
    }

    /** Two well separated blobs in (a, b), label 1 right of 0, each row weighing w (the label 1 rows 2). */
    private static void blobs(Path file, int rows, long seed) throws IOException {
        java.util.Random r = new java.util.Random(seed);
        StringBuilder csv = new StringBuilder("label,a,b,w\n");
        for (int i = 0; i < rows; i++) {
            int y = i % 2;
            csv.append(y).append(',').append(y * 2 - 1 + 0.5 * r.nextGaussian()).append(',')
                    .append(0.5 * r.nextGaussian()).append(',').append(y == 1 ? 2 : 1).append('\n');
        }
        Files.writeString(file, csv);
    }

    @Test
    void kerasControlsFromTheJobFile() throws IOException {
        Path train = dir.resolve("train.csv");
        Path validation = dir.resolve("validation.csv");
        blobs(train, 200, 1);
        blobs(validation, 60, 2);
        Path logs = dir.resolve("logs");
        Cli cli = trainOn("csv", train.toString(), validation.toString(), "data.validation=\"" + validation + "\"",
                "data.weight-column=w", "fit.epochs=30", "fit.batch-size=16", "fit.class-weights={\"0\" = 1.5}",
                "fit.callbacks=[{type = early_stopping, monitor = val_loss, min-delta = 0.5, patience = 2},"
                + " {type = reduce_lr_on_plateau, monitor = val_loss, factor = 0.5, patience = 0, min-delta = 0.5},"
                + " {type = csv_logger, path = \"" + logs.resolve("training.csv") + "\"},"
                + " {type = model_checkpoint, path = \"" + logs.resolve("m-{epoch:02d}.kindling") + "\"}]");
        assertEquals(Main.OK, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("validation: csv " + validation), cli::toString);
        // min-delta 0.5: no epoch after the first improves enough, so patience 2 stops after the third.
        JsonNode history = JSON.readTree(dir.resolve("out/history.json").toFile());
        assertEquals(3, history.get("loss").size(), history::toString);
        assertEquals(3, history.get("val_loss").size(), history::toString);
        // ReduceLROnPlateau (patience 0) halved RMSProp's 0.001 after epoch 2, the first without enough improvement.
        List<Double> lr = new ArrayList<>();
        history.get("lr").forEach(v -> lr.add(v.asDouble()));
        assertEquals(List.of(0.001, 0.001, 0.0005), lr);
        List<String> csvLog = Files.readAllLines(logs.resolve("training.csv"));
        assertEquals(4, csvLog.size(), csvLog::toString);
        assertTrue(csvLog.get(0).startsWith("epoch,") && csvLog.get(0).endsWith(",lr"), csvLog::toString);
        assertTrue(Files.exists(logs.resolve("m-01.kindling")) && Files.exists(logs.resolve("m-03.kindling")));
        assertEquals(Sequential.load(logs.resolve("m-03.kindling")).weights(),
                Sequential.load(dir.resolve("out/model.kindling")).weights());
    }

    @Test
    void aBadRowInTheTestDataIsFoundBeforeTheFirstStep() throws IOException {
        Path train = dir.resolve("train.csv");
        Path test = dir.resolve("test.csv");
        Files.writeString(train, "label,a,b\n1,0.5,0.5\n0,0.1,0.2\n");
        Files.writeString(test, "label,a,b\n1,0.5,0.5\n0,0.1,0.2\n1,oops,0.3\n");
        Cli cli = trainOn("csv", train.toString(), test.toString());
        assertEquals(Main.BAD_DATA, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("bad input data: csv " + test + ": row 2 (line 4), column 'a': 'oops' is not a"
                + " number"), cli::toString);
        assertFalse(cli.out().contains("Epoch 1"), "no training step before every input is checked:\n" + cli);
        assertFalse(Files.exists(dir.resolve("out")));
    }

    /**
     * A job file on LibSVM rows hashed into 2^18 features: packed as sparse rows into a first Dense layer, it trains
     * and is evaluated (packed dense, 300 rows would be 300 MB).
     */
    @Test
    void wideLibsvmRowsTrainAsSparseRows() throws IOException {
        java.util.Random r = new java.util.Random(3);
        int[] words = new int[40];
        for (int w = 0; w < words.length; w++) {
            words[w] = 1 + r.nextInt(1 << 18);
        }
        Path train = dir.resolve("hashed.libsvm");
        Path test = dir.resolve("hashed-test.libsvm");
        for (Path file : List.of(train, test)) {
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                java.util.TreeSet<Integer> present = new java.util.TreeSet<>();
                int positive = 0;
                for (int k = 0; k < 5; k++) {
                    int w = r.nextInt(words.length);
                    positive += present.add(words[w]) && w < words.length / 2 ? 1 : 0;
                }
                int label = 2 * positive > present.size() ? 1 : 0;   // more words of the first half than not
                lines.append(label);
                for (int index : present) {
                    lines.append(' ').append(index).append(":1");
                }
                lines.append('\n');
            }
            Files.writeString(file, lines);
        }
        Cli cli = trainOn("libsvm", train.toString(), test.toString(), "data.libsvm.num-features=262144",
                "model.input-dim=0", "fit.epochs=10", "fit.batch-size=32", "compile.optimizer.learning-rate=0.01",
                "model.layers=[{type = dense, units = 8, activation = relu}, {type = dense, units = 2,"
                        + " activation = softmax}]");
        assertEquals(Main.OK, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("test accuracy"), cli::toString);
        String metrics = Files.readString(dir.resolve("out").resolve("metrics.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "\"test\"\\s*:\\s*\\{[^}]*\"accuracy\"\\s*:\\s*([0-9.]+)").matcher(metrics);
        assertTrue(m.find(), metrics);
        assertTrue(Double.parseDouble(m.group(1)) > 0.8, metrics);
    }

    @Test
    void badLibsvmIndicesAreBadDataNamingFileRowAndLine() throws IOException {
        Path good = dir.resolve("good.libsvm");
        Files.writeString(good, "1 1:0.5 2:0.5\n0 2:0.1\n");
        Path outOfRange = dir.resolve("range.libsvm");
        Files.writeString(outOfRange, "# a comment\n1 1:0.5\n0 1:0.1 3:0.4\n");
        Cli cli = trainOn("libsvm", good.toString(), outOfRange.toString(), "data.libsvm.num-features=2");
        assertEquals(Main.BAD_DATA, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("bad input data: libsvm " + outOfRange + ": row 2 (line 3): index 3 is out of"
                + " range: expected 1..2"), cli::toString);

        Path unsorted = dir.resolve("unsorted.libsvm");
        Files.writeString(unsorted, "1 2:0.5 1:0.5\n");
        cli = trainOn("libsvm", unsorted.toString(), good.toString());
        assertEquals(Main.BAD_DATA, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("bad input data: libsvm " + unsorted + ": row 0 (line 1): index 1 follows index"
                + " 2: indices must ascend"), cli::toString);
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void aNullParquetFeatureIsBadDataNamingItsRowWhenScaling() throws IOException {
        Path parquet = dir.resolve("train.parquet");
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[1]")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                    .add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType(), true)
                    .add("label", org.apache.spark.sql.types.DataTypes.DoubleType, false);
            spark.createDataFrame(List.of(
                    org.apache.spark.sql.RowFactory.create(org.apache.spark.ml.linalg.Vectors.dense(10, 20), 1.0),
                    org.apache.spark.sql.RowFactory.create(null, 0.0)), schema).coalesce(1).write().parquet(parquet.toString());
        } finally {
            spark.stop();
        }
        Cli cli = trainOn("parquet", parquet.toString(), parquet.toString(), "data.scale=255");
        assertEquals(Main.BAD_DATA, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("bad input data: parquet [" + parquet + "]: features column 'features', row 1:"
                + " null, expected 2 numbers"), cli::toString);
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
