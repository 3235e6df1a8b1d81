// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.app.Cli;
import dev.kindling.app.Main;
import dev.kindling.core.data.Idx;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.TensorFrames;
import dev.kindling.spark.io.HadoopFiles;
import dev.kindling.spark.ml.KindlingClassificationModel;
import dev.kindling.spark.ml.KindlingClassifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Kindling on a real HDFS ({@link MiniHdfs}: a NameNode and two DataNodes in this JVM, replication 2): the app's
 * inputs in every format read by the executors from {@code hdfs://}, every location it writes on {@code hdfs://},
 * Spark ML's PipelineModel saved and loaded there, HDFS's rename semantics that the atomic writer relies on, and
 * the faults: a driver killed by {@code kill -9} mid-fit and resumed, a DataNode stopped mid-fit, the NameNode
 * stopped. The fault runs are separate driver JVMs ({@code scripts/submit}, local[2]) against this JVM's HDFS.
 * Tests run in order: the last ones stop daemons.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class HdfsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Cli.repoRoot();
    private static final Path WORK = ROOT.resolve("app/target/hdfs-test");
    /** Rows of the digits in the CSV, LibSVM and Parquet inputs. */
    private static final int TABLE_ROWS = 1000;

    private static MiniHdfs hdfs;
    private static DistributedFileSystem fs;
    private static Mnist digits;
    /** The two-epoch reference run of the driver-kill and DataNode tests (a separate driver JVM), set once. */
    private static Path uninterrupted;
    private static TestClasspath classpath;
    private static Path sparkClasspath;
    private static Path appJar;

    @BeforeAll
    static void startHdfs() throws IOException {
        long started = System.nanoTime();
        hdfs = MiniHdfs.start(WORK.resolve("dfs"));
        fs = hdfs.fs();
        System.out.printf("MiniDFSCluster (NameNode + 2 DataNodes) up in %.1f s at %s%n",
                (System.nanoTime() - started) / 1e9, hdfs.uri());
        digits = Mnist.load(Cli.digits());
        // Uncompressed IDX files, so that the executors each seek to their range of records.
        Path idx = Files.createDirectories(WORK.resolve("idx"));
        Idx.write(idx.resolve(Mnist.TRAIN_IMAGES), digits.trainImages());
        Idx.write(idx.resolve(Mnist.TRAIN_LABELS), digits.trainLabels());
        Idx.write(idx.resolve(Mnist.TEST_IMAGES), digits.testImages());
        Idx.write(idx.resolve(Mnist.TEST_LABELS), digits.testLabels());
        fs.mkdirs(new org.apache.hadoop.fs.Path("/data"));
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(idx.toUri()), new org.apache.hadoop.fs.Path("/data/idx"));
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfs != null) {
            hdfs.close();
        }
    }

    /**
     * What {@link HadoopFiles}' swap assumes, checked on HDFS itself: {@code rename} onto an existing file fails
     * (returns false, both files unchanged) and onto an existing folder moves the source <em>into</em> it; so the
     * writer moves the old target aside first. Then a file and a folder are replaced through the writer: no nesting,
     * no leftovers, the new contents.
     */
    @Test
    @Order(1)
    void hdfsRenameSemanticsAreWhatTheAtomicWriterAssumes() throws IOException {
        org.apache.hadoop.fs.Path base = new org.apache.hadoop.fs.Path("/rename");
        org.apache.hadoop.fs.Path a = new org.apache.hadoop.fs.Path(base, "a.txt");
        org.apache.hadoop.fs.Path b = new org.apache.hadoop.fs.Path(base, "b.txt");
        write(a, "new");
        write(b, "old");
        assertFalse(fs.rename(a, b), "HDFS rename onto an existing file");
        assertEquals("new", read(a));
        assertEquals("old", read(b));

        org.apache.hadoop.fs.Path dirA = new org.apache.hadoop.fs.Path(base, "dirA");
        org.apache.hadoop.fs.Path dirB = new org.apache.hadoop.fs.Path(base, "dirB");
        write(new org.apache.hadoop.fs.Path(dirA, "x"), "A");
        write(new org.apache.hadoop.fs.Path(dirB, "x"), "B");
        assertTrue(fs.rename(dirA, dirB), "HDFS rename onto an existing folder");
        assertEquals("A", read(new org.apache.hadoop.fs.Path(dirB, "dirA/x")), "the source went into the folder");
        assertEquals("B", read(new org.apache.hadoop.fs.Path(dirB, "x")));

        HadoopFiles.Location file = HadoopFiles.locate(hdfs.configuration(), hdfs.uri("/rename/b.txt"));
        HadoopFiles.writeFile(file, out -> out.write("replaced".getBytes(StandardCharsets.UTF_8)));
        assertEquals("replaced", read(b));
        HadoopFiles.Location folder = HadoopFiles.locate(hdfs.configuration(), hdfs.uri("/rename/dirB"));
        HadoopFiles.replaceDirectory(folder, staging -> HadoopFiles.writeFile(staging.resolve("y"),
                out -> out.write('Y')));
        assertEquals(List.of("y"), names("/rename/dirB"), "the folder replaced as a whole, nothing nested");
        assertEquals(List.of("a.txt", "b.txt", "dirB"), names("/rename"), "no staging or backup left");
    }

    /**
     * The seed recipe on the IDX digits in HDFS, one epoch in local[2] with every location it writes on HDFS
     * (output.dir, fit.checkpoint.dir, model_checkpoint, csv_logger); then evaluate and predict with the model and
     * outputs on HDFS. The same run on the local copy of the files learns the same weights, bit for bit.
     */
    @Test
    @Order(2)
    void idxTrainEvaluatePredictWithEveryLocationOnHdfs() throws IOException {
        String out = hdfs.uri("/jobs/idx/out");
        Cli train = Cli.run(job("train", "data.dir=\"" + hdfs.uri("/data/idx") + "\"", "data.partitions=2",
                "output.dir=\"" + out + "\"",
                "fit.checkpoint.dir=\"" + hdfs.uri("/jobs/idx/checkpoints") + "\"",
                "fit.validation-split=0.2",
                "fit.callbacks=[{type = csv_logger, path = \"" + hdfs.uri("/jobs/idx/logs/training.csv") + "\"},"
                        + " {type = model_checkpoint, path = \"" + hdfs.uri("/jobs/idx/logs/m-{epoch:02d}.kindling")
                        + "\"}]"));
        assertEquals(Main.OK, train.exitCode(), train::toString);
        assertEquals(List.of("history.json", "history.png", "metrics.json", "model.kindling"), names("/jobs/idx/out"));
        assertEquals(List.of("m-01.kindling", "training.csv"), names("/jobs/idx/logs"));
        assertEquals(List.of("checkpoint-e000002-s0000000.kindling"), names("/jobs/idx/checkpoints"));
        assertEquals(2, fs.getFileStatus(new org.apache.hadoop.fs.Path("/jobs/idx/out/model.kindling"))
                .getReplication(), "model.kindling stored twice");
        List<String> csvLog = lines("/jobs/idx/logs/training.csv");
        assertEquals(2, csvLog.size(), csvLog::toString);
        JsonNode metrics = JSON.readTree(read(new org.apache.hadoop.fs.Path("/jobs/idx/out/metrics.json")));
        double accuracy = metrics.at("/test/accuracy").asDouble();
        assertTrue(accuracy > 0.8, "test accuracy " + accuracy);
        Sequential onHdfs = load("/jobs/idx/out/model.kindling");
        assertEquals(onHdfs.weights(), load("/jobs/idx/logs/m-01.kindling").weights());

        Cli evaluate = Cli.run(job("evaluate", "data.dir=\"" + hdfs.uri("/data/idx") + "\"",
                "output.dir=\"" + out + "\""));
        assertEquals(Main.OK, evaluate.exitCode(), evaluate::toString);
        JsonNode evaluation = JSON.readTree(read(new org.apache.hadoop.fs.Path("/jobs/idx/out/evaluation.json")));
        assertEquals(accuracy, evaluation.get("accuracy").asDouble(), 1e-9, "same model, same test data");

        Cli predict = Cli.run(job("predict", "data.dir=\"" + hdfs.uri("/data/idx") + "\"",
                "output.dir=\"" + out + "\"", "predict.format=csv",
                "predict.path=\"" + hdfs.uri("/jobs/idx/predictions") + "\""));
        assertEquals(Main.OK, predict.exitCode(), predict::toString);
        List<String> rows = new ArrayList<>();
        for (FileStatus part : fs.listStatus(new org.apache.hadoop.fs.Path("/jobs/idx/predictions"))) {
            if (part.getPath().getName().startsWith("part-")) {
                List<String> partLines = lines(part.getPath().toUri().getPath());
                rows.addAll(partLines.subList(1, partLines.size()));
            }
        }
        assertEquals(2000, rows.size());
        long hits = rows.stream().map(l -> l.split(",")).filter(f -> Double.parseDouble(f[0])
                == Double.parseDouble(f[1])).count();
        assertEquals(accuracy, hits / 2000.0, 1e-9, "predictions agree with the evaluation");
        assertEquals(List.of(), names("/jobs/idx").stream().filter(n -> n.startsWith(".")).toList(),
                "no staging folders left");

        // The same job on the local copy of the same files.
        Path local = WORK.resolve("idx-local-out");
        MiniHdfs.deleteRecursively(local);
        Cli onDisk = Cli.run(job("train", "data.dir=\"" + WORK.resolve("idx") + "\"", "data.partitions=2",
                "output.dir=\"" + local + "\"", "fit.validation-split=0.2"));
        assertEquals(Main.OK, onDisk.exitCode(), onDisk::toString);
        double diff = maxAbsDifference(Sequential.load(local.resolve("model.kindling")), onHdfs);
        System.out.printf("IDX on hdfs:// vs file: test accuracy %.4f; max |weight difference| %s%n", accuracy, diff);
        assertEquals(0.0, diff, "the same files on HDFS and on the local disk train the same weights");
    }

    /** CSV, LibSVM and Parquet inputs on HDFS, read by the executors, outputs on HDFS. */
    @Test
    @Order(3)
    void csvLibsvmAndParquetInputsOnHdfs() throws IOException {
        Tensor train = Mnist.flattenAndScale(digits.trainImages().slice(0, 0, TABLE_ROWS));
        Tensor trainLabels = digits.trainLabels().slice(0, 0, TABLE_ROWS);
        Tensor test = Mnist.flattenAndScale(digits.testImages().slice(0, 0, TABLE_ROWS / 2));
        Tensor testLabels = digits.testLabels().slice(0, 0, TABLE_ROWS / 2);
        write(new org.apache.hadoop.fs.Path("/data/csv/train.csv"), csv(train, trainLabels));
        write(new org.apache.hadoop.fs.Path("/data/csv/test.csv"), csv(test, testLabels));
        write(new org.apache.hadoop.fs.Path("/data/libsvm/train.libsvm"), libsvm(train, trainLabels));
        write(new org.apache.hadoop.fs.Path("/data/libsvm/test.libsvm"), libsvm(test, testLabels));
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            TensorFrames.of(spark, digits.trainImages().slice(0, 0, TABLE_ROWS), trainLabels, 2, 255)
                    .write().parquet(hdfs.uri("/data/parquet/train"));
            TensorFrames.of(spark, digits.testImages().slice(0, 0, TABLE_ROWS / 2), testLabels, 2, 255)
                    .write().parquet(hdfs.uri("/data/parquet/test"));
        } finally {
            spark.stop();
        }
        Map<String, Sequential> models = new java.util.LinkedHashMap<>();
        for (String format : List.of("csv", "libsvm", "parquet")) {
            String suffix = format.equals("parquet") ? "" : "." + format;
            String out = "/jobs/" + format + "/out";
            Cli run = Cli.run(job("train", "data.format=" + format, "data.dir=null",
                    "data.train=\"" + hdfs.uri("/data/" + format + "/train" + suffix) + "\"",
                    "data.test=\"" + hdfs.uri("/data/" + format + "/test" + suffix) + "\"",
                    "data.scale=1", "data.libsvm.num-features=784", "fit.partitions=2",
                    "output.dir=\"" + hdfs.uri(out) + "\""));
            assertEquals(Main.OK, run.exitCode(), format + ": " + run);
            assertTrue(run.out().contains(hdfs.uri("/data/" + format + "/train")), format + ": " + run);
            JsonNode metrics = JSON.readTree(read(new org.apache.hadoop.fs.Path(out + "/metrics.json")));
            double accuracy = metrics.at("/test/accuracy").asDouble();
            System.out.printf("%s on hdfs://: %d training rows, test accuracy %.4f%n", format, TABLE_ROWS, accuracy);
            // One epoch of 1,000 digits: far above chance (0.1).
            assertTrue(accuracy > 0.5, format + " test accuracy " + accuracy);
            models.put(format, load(out + "/model.kindling"));
        }
        for (String format : List.of("libsvm", "parquet")) {
            System.out.printf("%s vs csv on hdfs://: max |weight difference| %s%n", format,
                    maxAbsDifference(models.get("csv"), models.get(format)));
        }
        // The CSV and LibSVM files hold the same rows in the same order, as the same text numbers; LibSVM rows are
        // packed sparse (CSR) and CSV rows dense, so the first layer adds the same products in another order: equal
        // to float32 rounding carried through one epoch (EquivalenceTest's bound for trained float32 weights).
        assertEquals(0.0, maxAbsDifference(models.get("csv"), models.get("libsvm")), 1e-4, "csv vs libsvm weights");
    }

    /** A PipelineModel with a KindlingClassifier saved to and loaded from HDFS predicts what it did before. */
    @Test
    @Order(4)
    void pipelineModelSavedAndLoadedOnHdfs() {
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            Dataset<Row> train = TensorFrames.of(spark, digits.trainImages().slice(0, 0, TABLE_ROWS),
                    digits.trainLabels().slice(0, 0, TABLE_ROWS), 2, 255);
            Dataset<Row> test = spark.read().parquet(hdfs.uri("/data/parquet/test"));
            KindlingClassifier kindling = new KindlingClassifier()
                    .setLayers(new Dense(64, Activation.RELU), new Dense(10, Activation.SOFTMAX))
                    .setOptimizer(Optimizer.rmsprop()).setLoss(Loss.CATEGORICAL_CROSSENTROPY)
                    .setEpochs(2).setBatchSize(64).setSeed(1).setVerbose(0);
            PipelineModel model = new Pipeline().setStages(new PipelineStage[] {kindling}).fit(train);
            String path = hdfs.uri("/models/digits-pipeline");
            model.write().overwrite().save(path);
            PipelineModel loaded = PipelineModel.load(path);
            List<Row> before = model.transform(test).select("rawPrediction", "probability", "prediction")
                    .collectAsList();
            List<Row> after = loaded.transform(test).select("rawPrediction", "probability", "prediction")
                    .collectAsList();
            assertEquals(TABLE_ROWS / 2, after.size());
            assertEquals(before, after, "predictions after PipelineModel.save/load on hdfs://");
            assertEquals(((KindlingClassificationModel) model.stages()[0]).sequential().weights(),
                    ((KindlingClassificationModel) loaded.stages()[0]).sequential().weights());
            System.out.println("PipelineModel on hdfs://: " + names("/models/digits-pipeline/stages"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            spark.stop();
        }
    }

    /**
     * {@code kill -9} of the driver JVM mid-epoch (local[2], a checkpoint on HDFS every 10 steps): nothing of
     * output.dir on HDFS, every checkpoint there whole (each loads); then {@code train --resume} from HDFS ends with
     * the uninterrupted run's weights, bit for bit.
     */
    @Test
    @Order(5)
    void aDriverKilledMidWriteLeavesNothingHalfWrittenAndResumesExactly() throws Exception {
        uninterrupted = WORK.resolve("uninterrupted");
        Submission.Result reference = submit("uninterrupted", twoEpochs("/faults/uninterrupted"), Submission.Trigger.NONE);
        assertEquals(0, reference.exitCode(), "uninterrupted run failed:\n" + reference.output());
        copyToLocal("/faults/uninterrupted/out", uninterrupted);

        String ckpt = "/faults/killed/checkpoints";
        Submission.Result killed = submit("driver-killed", twoEpochs("/faults/killed"),
                new Submission.Trigger("Epoch 2/2", running -> {
                    awaitCheckpoint(ckpt, "checkpoint-e000002-s0*[1-9][0-9]*\\.kindling");
                    kill(running.driverPid());
                }));
        assertEquals(137, killed.exitCode(), "the driver was killed with SIGKILL:\n" + killed.output());
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path("/faults/killed/out")), "a killed run writes no outputs");
        List<String> all = names(ckpt);
        List<String> checkpoints = all.stream().filter(n -> !n.startsWith(".")).toList();
        System.out.println("on HDFS after the driver's kill -9: " + all);
        assertTrue(checkpoints.get(checkpoints.size() - 1).compareTo("checkpoint-e000002-s0000000.kindling") > 0,
                "the newest checkpoint is inside epoch 2: " + checkpoints);
        for (String name : checkpoints) {
            load(ckpt + "/" + name);   // throws if half-written
        }
        assertTrue(all.stream().filter(n -> n.startsWith(".")).allMatch(n -> n.contains(".tmp-")),
                "only a temporary file may be left: " + all);

        Submission.Result resumed = submit("driver-resumed", concat(twoEpochs("/faults/killed"), List.of("--resume")),
                Submission.Trigger.NONE);
        assertEquals(0, resumed.exitCode(), "resumed run failed:\n" + resumed.output());
        assertTrue(resumed.output().contains("resumed from " + hdfs.uri(ckpt)), resumed.output());
        double diff = maxAbsDifference(Sequential.load(uninterrupted.resolve("model.kindling")),
                load("/faults/killed/out/model.kindling"));
        System.out.printf("driver kill -9 and --resume from hdfs://: max |weight difference| %s; submit to exit %.1f s"
                + " (uninterrupted %.1f s)%n", diff, resumed.elapsed().toMillis() / 1e3,
                reference.elapsed().toMillis() / 1e3);
        assertEquals(0.0, diff, "resumed vs uninterrupted weights");
    }

    /**
     * A DataNode stopped as the second epoch begins: with every block stored twice, reads and the checkpoint and
     * output writes go on with the other one, and the run learns what the uninterrupted run did.
     */
    @Test
    @Order(6)
    void aDataNodeStoppedMidFitChangesNothing() throws Exception {
        MiniDFSCluster.DataNodeProperties[] stopped = {null};
        try {
            Submission.Result run = submit("datanode-stopped", twoEpochs("/faults/datanode"),
                    new Submission.Trigger("Epoch 2/2", running -> stopped[0] = hdfs.stopDataNode(0)));
            assertEquals(0, run.exitCode(), "run with a DataNode stopped failed:\n" + run.output());
            assertEquals(1, hdfs.liveDataNodes(), "one DataNode was stopped during the run");
            double diff = maxAbsDifference(Sequential.load(uninterrupted.resolve("model.kindling")),
                    load("/faults/datanode/out/model.kindling"));
            System.out.printf("DataNode stopped mid-fit: max |weight difference| %s; submit to exit %.1f s%n", diff,
                    run.elapsed().toMillis() / 1e3);
            assertEquals(0.0, diff, "weights with a DataNode stopped vs uninterrupted");
        } finally {
            if (stopped[0] != null) {
                hdfs.restartDataNode(stopped[0]);
            }
        }
    }

    /**
     * The NameNode stopped as the second epoch begins: the next checkpoint write fails with one line naming the
     * location and the cause, within seconds (Kindling's retry bounds, not Hadoop's quarter of an hour), and
     * output.dir is not written; a write begun while it is down gives up within Kindling's retry bounds. Then the
     * NameNode is started again to check that nothing is half-written.
     */
    @Test
    @Order(7)
    void aStoppedNameNodeFailsTheRunWithOneLineWithinSeconds() throws Exception {
        long[] stoppedAt = {0};
        Submission.Result run = submit("namenode-stopped", twoEpochs("/faults/namenode"),
                new Submission.Trigger("Epoch 2/2", running -> {
                    hdfs.stopNameNode();
                    stoppedAt[0] = System.nanoTime();
                }));
        double seconds = (System.nanoTime() - stoppedAt[0]) / 1e9;
        String output = run.output();
        List<String> kindlingLines = output.lines().filter(l -> l.startsWith("kindling: ")).toList();
        System.out.printf("NameNode stopped mid-fit: exit %d %.1f s later; %s%n", run.exitCode(), seconds,
                kindlingLines);
        assertTrue(run.exitCode() != 0, output);
        assertEquals(1, kindlingLines.size(), "one line of error:\n" + output);
        String line = kindlingLines.get(0);
        assertTrue(line.contains(hdfs.uri("/faults/namenode/checkpoints")), line);
        // The cause as the client saw it: the connection refused, or closed under a call in flight.
        assertTrue(line.contains("Connection refused") || line.contains("EOFException"), line);
        assertTrue(seconds < 60, "failed " + seconds + " s after the NameNode stopped");
        assertFalse(output.contains("\tat "), "no stack trace:\n" + output);

        // A write that starts while the NameNode is down: refused connections, retried within Kindling's bounds.
        HadoopFiles.Location file = HadoopFiles.locate(new org.apache.hadoop.conf.Configuration(),
                hdfs.uri("/faults/namenode/late.txt"));
        long started = System.nanoTime();
        IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> HadoopFiles.writeFile(file, out -> out.write('x')));
        double refusedSeconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("a write to a stopped NameNode failed after %.1f s: %s%n", refusedSeconds,
                refused.getMessage().lines().findFirst().orElse(""));
        assertTrue(refused.getMessage().startsWith(file.toString()), refused.getMessage());
        // Refused, or (the NameNode's server still closing) the connection closed under the call.
        assertTrue(refused.getMessage().contains("Connection refused") || refused.getMessage().contains("EOFException"),
                refused.getMessage());
        assertTrue(refusedSeconds < 30, "gave up after " + refusedSeconds + " s");

        // Nothing half-written: with the NameNode back, no output.dir, and every checkpoint loads.
        hdfs.restartNameNode();
        fs = hdfs.fs();
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path("/faults/namenode/out")), "no outputs");
        List<String> checkpoints = names("/faults/namenode/checkpoints");
        System.out.println("on HDFS after the NameNode came back: " + checkpoints);
        for (String name : checkpoints.stream().filter(n -> !n.startsWith(".")).toList()) {
            load("/faults/namenode/checkpoints/" + name);
        }
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path("/faults/namenode/late.txt")));
    }

    // ---------------------------------------------------------------------------------------------------------

    /** scripts/submit in local[2] (a driver JVM of its own) with the app jar made of this build's classes. */
    private static Submission.Result submit(String name, List<String> appArgs, Submission.Trigger trigger)
            throws IOException, InterruptedException {
        if (appJar == null) {
            classpath = TestClasspath.ofThisJvm();
            sparkClasspath = classpath.writeSparkClasspath(WORK.resolve("spark-classpath.txt"));
            appJar = classpath.writeAppJar(WORK.resolve("kindling-app.jar"));
        }
        Map<String, String> env = Map.of("KINDLING_APP_JAR", appJar.toString(),
                "KINDLING_SPARK_CLASSPATH_FILE", sparkClasspath.toString(), "JAVA_OPTS", "-Xmx1g");
        return Submission.run(ROOT, env, List.of(), WORK.resolve(name + ".log"), Duration.ofMinutes(4),
                concat(List.of("--master", "local[2]", "--conf", "spark.ui.enabled=false",
                        // What a client of this two-DataNode cluster has in its hdfs-site.xml: files stored twice.
                        "--conf", "spark.hadoop.dfs.replication=2", "--"), appArgs), trigger);
    }

    /** Two epochs of the seed recipe on the IDX digits in HDFS, a checkpoint every 10 steps, all under {@code base}. */
    private static List<String> twoEpochs(String base) {
        return List.of("train", "--config", "conf/mnist-mlp.conf", "--set", "fit.epochs=2",
                "--set", "data.dir=" + hdfs.uri("/data/idx"), "--set", "data.partitions=2",
                "--set", "output.dir=" + hdfs.uri(base + "/out"),
                "--set", "fit.checkpoint.dir=" + hdfs.uri(base + "/checkpoints"),
                "--set", "fit.checkpoint.every-steps=10");
    }

    private static void awaitCheckpoint(String dir, String regex) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (names(dir).stream().anyMatch(n -> n.matches(regex))) {
                    return;
                }
                Thread.sleep(20);
            } catch (IOException e) {
                // a checkpoint being renamed: look again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("no checkpoint matching " + regex + " in " + dir);
    }

    private static void kill(long pid) {
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        process.destroyForcibly();
        process.onExit().join();
    }

    private static void copyToLocal(String hdfsPath, Path local) throws IOException {
        MiniHdfs.deleteRecursively(local);
        fs.copyToLocalFile(new org.apache.hadoop.fs.Path(hdfsPath), new org.apache.hadoop.fs.Path(local.toUri()));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }


    /** The app's arguments: the seed recipe in local[2], one epoch, plus {@code sets}. */
    private static String[] job(String command, String... sets) {
        List<String> args = new ArrayList<>(List.of(command, "-c", ROOT.resolve("conf/mnist-mlp.conf").toString()));
        List<String> all = new ArrayList<>(List.of("spark.master=local[2]", "spark.conf.spark.ui.enabled=false",
                "fit.epochs=1"));
        all.addAll(Arrays.asList(sets));
        for (String s : all) {
            args.add("--set");
            args.add(s);
        }
        return args.toArray(new String[0]);
    }

    private static Sequential load(String hdfsPath) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(hdfsPath))) {
            return Sequential.load(in, hdfs.uri(hdfsPath));
        }
    }

    static double maxAbsDifference(Sequential a, Sequential b) {
        return b.weights().sub(a.weights()).map(Math::abs).max().item();
    }

    private static void write(org.apache.hadoop.fs.Path path, String text) throws IOException {
        try (OutputStream out = fs.create(path, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String read(org.apache.hadoop.fs.Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> lines(String path) throws IOException {
        return read(new org.apache.hadoop.fs.Path(path)).lines().toList();
    }

    /** The sorted names in an HDFS folder, or none if it does not exist. */
    private static List<String> names(String path) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        if (!fs.exists(p)) {
            return List.of();
        }
        return Arrays.stream(fs.listStatus(p)).map(s -> s.getPath().getName()).sorted().toList();
    }

    /** label,p0,...,p783 with a header. */
    private static String csv(Tensor features, Tensor labels) {
        int n = features.shape().dim(0);
        int width = features.shape().dim(1);
        StringBuilder sb = new StringBuilder("label");
        for (int j = 0; j < width; j++) {
            sb.append(",p").append(j);
        }
        sb.append('\n');
        for (int i = 0; i < n; i++) {
            sb.append((int) labels.get(i));
            for (int j = 0; j < width; j++) {
                sb.append(',').append((float) features.get(i, j));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** label i:v ... with 1-based ascending indices of the non-zero features. */
    private static String libsvm(Tensor features, Tensor labels) {
        int n = features.shape().dim(0);
        int width = features.shape().dim(1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((int) labels.get(i));
            for (int j = 0; j < width; j++) {
                double v = features.get(i, j);
                if (v != 0) {
                    sb.append(' ').append(j + 1).append(':').append((float) v);
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
