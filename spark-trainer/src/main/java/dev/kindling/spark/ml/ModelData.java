// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.model.Sequential;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.SparkSession;

/**
 * A saved Kindling model: Spark ML's metadata ({@code metadata/}, written by {@code DefaultParamsWriter}: class,
 * uid, Spark version, every Param), then under {@code data/} the core's model file {@code model.kindling}
 * (architecture, weights, optimizer state: exact) and {@code summary.json} (the training summary). Everything goes
 * through Hadoop's {@code FileSystem} of the session's configuration, so any Hadoop path works.
 */
final class ModelData {
    static final String MODEL_FILE = "model.kindling";
    static final String SUMMARY_FILE = "summary.json";

    private ModelData() {
    }

    /** What a reader gets back: Spark's metadata (uid and Params) and the data. */
    record Loaded(DefaultParamsReader.Metadata metadata, Sequential model, KindlingTrainingSummary summary) {
    }

    static void save(Params instance, String path, SparkSession spark, Sequential model,
                     KindlingTrainingSummary summary) throws IOException {
        DefaultParamsWriter$.MODULE$.saveMetadata(instance, path, spark);
        Path data = new Path(path, "data");
        FileSystem fs = data.getFileSystem(hadoopConf(spark));
        try (OutputStream out = fs.create(new Path(data, MODEL_FILE), false)) {
            model.save(out);
        }
        try (OutputStream out = fs.create(new Path(data, SUMMARY_FILE), false)) {
            out.write(summary.toJson().getBytes(StandardCharsets.UTF_8));
        }
    }

    static Loaded load(String path, SparkSession spark, String className) throws IOException {
        DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, spark, className);
        Path data = new Path(path, "data");
        FileSystem fs = data.getFileSystem(hadoopConf(spark));
        Path modelFile = fs.makeQualified(new Path(data, MODEL_FILE));
        Sequential model;
        try (InputStream in = open(fs, modelFile)) {
            model = Sequential.load(in, modelFile.toString());
        }
        Path summaryFile = fs.makeQualified(new Path(data, SUMMARY_FILE));
        KindlingTrainingSummary summary;
        try (InputStream in = open(fs, summaryFile)) {
            summary = KindlingTrainingSummary.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    summaryFile.toString());
        }
        return new Loaded(metadata, model, summary);
    }

    private static InputStream open(FileSystem fs, Path file) throws IOException {
        try {
            return fs.open(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read, so this is not a saved Kindling model (" + e.getMessage()
                    + ")", e);
        }
    }

    private static Configuration hadoopConf(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }

    /** Builds a fitted model from what was saved: its uid, network and summary. */
    interface Factory<M> {
        M create(String uid, Sequential model, KindlingTrainingSummary summary);
    }

    /** Spark ML's writer for both fitted models: {@link #save} with the model's own stage name in its errors. */
    static final class Writer<M extends Params & KindlingModel> extends MLWriter {
        private final M instance;
        private final String stage;

        Writer(M instance, String stage) {
            this.instance = instance;
            this.stage = stage;
        }

        @Override
        public void saveImpl(String path) {
            try {
                ModelData.save(instance, path, sparkSession(), instance.sequential(), instance.summary());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(stage + ": saving to " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** Spark ML's reader for both fitted models: {@link #load}, the model rebuilt, then its saved Params set. */
    static final class Reader<M extends Params> extends MLReader<M> {
        private final Class<M> type;
        private final String stage;
        private final Factory<M> factory;

        Reader(Class<M> type, String stage, Factory<M> factory) {
            this.type = type;
            this.stage = stage;
            this.factory = factory;
        }

        @Override
        public M load(String path) {
            try {
                Loaded loaded = ModelData.load(path, sparkSession(), type.getName());
                M model = factory.create(loaded.metadata().uid(), loaded.model(), loaded.summary());
                loaded.metadata().getAndSetParams(model, scala.Option.empty());
                return model;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(stage + ": loading " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** A deep copy of a model through its file's bytes: exact, and nothing shared with the original. */
    static Sequential copy(Sequential model) {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            model.save(bytes);
            return Sequential.load(new java.io.ByteArrayInputStream(bytes.toByteArray()), "copy of a model");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("copying a model in memory failed", e);
        }
    }
}
