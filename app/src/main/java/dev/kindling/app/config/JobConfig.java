// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.kindling.core.callbacks.CallbackConfig;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import java.util.List;
import java.util.Map;

/**
 * A whole job configuration, checked and typed (see {@link JobConfigLoader}). The sections follow the file:
 * {@code data}, {@code model}, {@code compile}, {@code fit}, {@code spark}, {@code output}, {@code predict}.
 *
 * @param resolved the merged configuration (file, overrides and defaults), kept to echo it into metrics.json
 */
public record JobConfig(DataConfig data, ModelConfig model, CompileSettings compile, FitConfig fit,
                        SparkConfig spark, OutputConfig output, PredictConfig predict, Config resolved) {

    /** The resolved configuration as JSON (for metrics.json). */
    public String toJson() {
        return resolved.root().render(ConfigRenderOptions.concise());
    }

    /** The resolved configuration as commented HOCON (for {@code --check}). */
    public String toHocon() {
        return resolved.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }

    /** Input formats. */
    public enum Format {
        IDX, CSV, LIBSVM, PARQUET;

        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param dir          idx: the folder with the four MNIST files, or null
     * @param train        training inputs (paths), possibly empty
     * @param test         test inputs (paths), possibly empty
     * @param validation   validation inputs (Keras's {@code validation_data}), possibly empty: then
     *                     {@code fit.validation-split} decides
     * @param numClasses   one-hot width (already resolved: never 0)
     * @param weightColumn csv and parquet: the column of per-row loss weights (Keras's {@code sample_weight}), or
     *                     null for all 1
     * @param where        {@code data.train-where}, {@code validation-where}, {@code test-where}
     * @param parquetPadding    parquet: {@code pre} or {@code post} to pad or truncate a features column of token
     *                          ids to the model's input length as Keras's {@code pad_sequences}, or null to take
     *                          the rows as they are
     * @param parquetTruncating parquet: which end a long sequence loses, {@code pre} (Keras's default) or
     *                          {@code post}
     */
    public record DataConfig(Format format, String dir, List<String> train, List<String> test,
                             List<String> validation, int numClasses, double scale, int partitions, CsvOptions csv,
                             int libsvmNumFeatures, String parquetFeaturesColumn, String parquetLabelColumn,
                             String weightColumn, RowConditions where, String parquetPadding,
                             String parquetTruncating) {

        /** All rows of each input, without padding of token sequences. */
        public DataConfig(Format format, String dir, List<String> train, List<String> test, List<String> validation,
                          int numClasses, double scale, int partitions, CsvOptions csv, int libsvmNumFeatures,
                          String parquetFeaturesColumn, String parquetLabelColumn, String weightColumn) {
            this(format, dir, train, test, validation, numClasses, scale, partitions, csv, libsvmNumFeatures,
                    parquetFeaturesColumn, parquetLabelColumn, weightColumn, RowConditions.NONE);
        }

        /** Without padding of token sequences. */
        public DataConfig(Format format, String dir, List<String> train, List<String> test, List<String> validation,
                          int numClasses, double scale, int partitions, CsvOptions csv, int libsvmNumFeatures,
                          String parquetFeaturesColumn, String parquetLabelColumn, String weightColumn,
                          RowConditions where) {
            this(format, dir, train, test, validation, numClasses, scale, partitions, csv, libsvmNumFeatures,
                    parquetFeaturesColumn, parquetLabelColumn, weightColumn, where, null, "pre");
        }

        /** Test rows: {@code data.test} (or the MNIST folder), or {@code data.train}'s rows that match test-where. */
        public boolean hasTest() {
            return dir != null || !test.isEmpty() || where.test() != null && !train.isEmpty();
        }

        /** Validation rows: {@code data.validation}, or {@code data.train}'s rows that match validation-where. */
        public boolean hasValidation() {
            return !validation.isEmpty() || where.validation() != null && !train.isEmpty();
        }
    }

    /**
     * Spark SQL conditions ({@code split = 'train'}) that select the rows of each input, null for all rows. A
     * validation or test condition without its own input selects from {@code data.train}'s input.
     */
    public record RowConditions(String train, String validation, String test) {
        public static final RowConditions NONE = new RowConditions(null, null, null);
    }

    /** @param featureColumns empty = every column but the label */
    public record CsvOptions(boolean header, String delimiter, String labelColumn, List<String> featureColumns) {
    }

    /** @param inputShape one sample's shape ({@code model.input-shape} or {@code input-dim}), or null: from the data */
    public record ModelConfig(List<Layer> layers, Shape inputShape, DType dtype, long seed, BaseModel base) {

        public ModelConfig(List<Layer> layers, Shape inputShape, DType dtype, long seed) {
            this(layers, inputShape, dtype, seed, null);
        }

        /**
         * {@code model.base}: fine-tuning starts from a saved model's first layers.
         *
         * @param path       the saved model (any Hadoop file system)
         * @param keepLayers how many of its first layers to keep; 0 = all
         * @param freeze     whether the kept layers are frozen
         */
        public record BaseModel(String path, int keepLayers, boolean freeze) {
        }

        /** The new, uncompiled model on top of {@code saved} (the model at {@code base().path()}), seeded. */
        public Sequential onBase(Sequential saved) {
            Sequential.Builder builder = Sequential.fromBase(saved, base.keepLayers() == 0 ? saved.layers().size()
                    : base.keepLayers()).add(layers.toArray(new Layer[0])).seed(seed);
            return (base.freeze() ? builder.freezeBase() : builder).build();
        }

        /** Values per sample (the width of a flat features row), or 0 if taken from the data. */
        public int inputDim() {
            return inputShape == null ? 0 : inputShape.size();
        }

        /** A new, uncompiled model as configured. */
        public Sequential newModel() {
            Sequential model = new Sequential(layers).dtype(dtype).seed(seed);
            if (inputShape != null) {
                model.build(inputShape);
            }
            return model;
        }
    }

    public record CompileSettings(Optimizer optimizer, Loss loss, List<Metric> metrics) {

        public void applyTo(Sequential model) {
            model.compile(optimizer, loss, metrics.toArray(new Metric[0]));
        }
    }

    /**
     * @param partitions   packed partitions (one task each per step); 0 = one per task slot of the cluster
     * @param treeDepth    1 = partial gradients merged on the driver; more = Spark's treeAggregate of that depth
     * @param stepsPerJob  synchronous steps per Spark job: 1 = a job per step, more = a training stage
     * @param callbacks    {@code fit.callbacks}, in order
     * @param classWeights {@code fit.class-weights}: class index to loss weight (Keras's {@code class_weight});
     *                     empty for none
     */
    public record FitConfig(int epochs, int batchSize, double validationSplit, long seed, boolean shuffle,
                            int partitions, int treeDepth, int stepsPerJob, CheckpointConfig checkpoint,
                            List<CallbackConfig> callbacks,
                            Map<Integer, Double> classWeights) {
    }

    /**
     * Driver checkpoints of a fit ({@code fit.checkpoint}).
     *
     * @param dir         a path or URI (file:, hdfs:, s3a:), or null for no checkpoints
     * @param everySteps  a checkpoint every this many optimizer steps (0: none by steps)
     * @param everyEpochs a checkpoint at the end of every this-many-th epoch (0: none by epochs)
     * @param keep        how many of the newest checkpoints to keep
     */
    public record CheckpointConfig(String dir, int everySteps, int everyEpochs, int keep) {
        public boolean enabled() {
            return dir != null;
        }
    }

    /** @param master null: leave it to spark-submit's --master */
    public record SparkConfig(String master, String appName, Map<String, String> conf) {
    }

    /** @param dir a path or URI on any Hadoop file system (file:, hdfs:, s3a:); plain paths are on the default one */
    public record OutputConfig(String dir) {

        /** A file or folder inside the output folder. */
        public String resolve(String name) {
            return dir.endsWith("/") ? dir + name : dir + "/" + name;
        }
    }

    /**
     * @param path    where predictions go (already resolved: never null)
     * @param columns the input's columns to keep beside the predictions, in order; empty = all of them
     */
    public record PredictConfig(String path, String format, List<String> columns) {
    }
}
