// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.kindling.app.config.JobConfigLoader.Task;
import dev.kindling.core.callbacks.CallbackConfig;
import dev.kindling.core.data.Sequences;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Binder.NonEmpty;
import dev.kindling.core.registry.Binder.Range;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A whole job configuration, checked and typed (see {@link JobConfigLoader}). Its records are the file's sections
 * as it spells them ({@code batchSize} is {@code batch-size}), bound by the core's {@link dev.kindling.core.registry.Binder}
 * with the kinds inside them (layers, optimizer, loss, metrics, callbacks) bound through the registry; each record
 * declares its ranges and checks what spans its keys.
 *
 * @param resolved the merged configuration (file, overrides and defaults), kept to echo it into metrics.json
 * @param file     the job file, or null
 */
public record JobConfig(DataConfig data, ModelConfig model, CompileSettings compile, FitConfig fit,
                        SparkConfig spark, OutputConfig output, PredictConfig predict, Config resolved,
                        java.nio.file.Path file) {

    /** The sections as bound, before what spans them is resolved. */
    record Sections(DataConfig data, ModelConfig model, CompileSettings compile, FitConfig fit, SparkConfig spark,
                    OutputConfig output, PredictConfig predict) {
    }

    /**
     * Where {@code key} ({@code data.train[1]} too) was set, to begin a problem's line: {@code file:line: } or
     * {@code --set k=v: }; the job file for a default or a command-line option, since the fix goes there.
     */
    public String where(String key) {
        return Problems.where(Problems.origin(resolved, key), file);
    }

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
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param dir          idx: the folder with the four MNIST files, or null
     * @param train        training inputs (paths), possibly empty
     * @param validation   validation inputs (Keras's {@code validation_data}), possibly empty: then
     *                     {@code fit.validation-split} decides
     * @param trainWhere   a Spark SQL condition ({@code split = 'train'}) selecting the rows of the training input,
     *                     or null for all rows; the validation and test conditions without their own input select
     *                     from {@code data.train}'s input
     * @param weightColumn csv and parquet: the column of per-row loss weights (Keras's {@code sample_weight}), or
     *                     null for all 1
     * @param numClasses   one-hot width (resolved by the loader from the last layer when 0)
     */
    public record DataConfig(Format format, String dir, List<String> train, List<String> test, List<String> validation,
                             String trainWhere, String validationWhere, String testWhere, String weightColumn,
                             @Range(min = 0) int numClasses, double scale, @Range(min = 0, max = 1_000_000) int partitions,
                             CsvOptions csv, Libsvm libsvm, Parquet parquet) {

        /** @param numFeatures the width of a row; 0 = the largest index found */
        public record Libsvm(@Range(min = 0) int numFeatures) {
        }

        /**
         * @param padding    {@code pre} or {@code post} to pad or truncate a features column of token ids to the
         *                   model's input length as Keras's {@code pad_sequences}, or {@code none} to take the rows
         *                   as they are
         * @param truncating which end a long sequence loses
         */
        public record Parquet(@NonEmpty String featuresColumn, @NonEmpty String labelColumn, String padding,
                              Sequences.Side truncating) {
            /** The padding side, or null for none. */
            public Sequences.Side paddingSide() {
                String side = padding == null ? "" : padding.toLowerCase(Locale.ROOT);
                return side.equals("pre") || side.equals("post") ? Sequences.Side.fromKeyword(side) : null;
            }
        }

        /** The same data with {@code numClasses} classes. */
        DataConfig withNumClasses(int n) {
            return new DataConfig(format, dir, train, test, validation, trainWhere, validationWhere, testWhere,
                    weightColumn, n, scale, partitions, csv, libsvm, parquet);
        }

        /** Test rows: {@code data.test} (or the MNIST folder), or {@code data.train}'s rows that match test-where. */
        public boolean hasTest() {
            return dir != null || !test.isEmpty() || testWhere != null && !train.isEmpty();
        }

        /** Validation rows: {@code data.validation}, or {@code data.train}'s rows that match validation-where. */
        public boolean hasValidation() {
            return !validation.isEmpty() || validationWhere != null && !train.isEmpty();
        }

        void check(Problems p, Task task) {
            if (format == null) {
                return;   // reported by the binder; the rest depends on the format
            }
            if (!(scale > 0) || Double.isInfinite(scale)) {
                p.at("data.scale", "must be a positive number, got " + scale);
            }
            p.choice("data.parquet.padding", parquet.padding(), List.of("none", "pre", "post"));
            if (parquet.paddingSide() != null && format != Format.PARQUET) {
                p.at("data.parquet.padding", "is for parquet inputs (a column of token ids); the format is "
                        + format.keyword());
            }
            for (String key : List.of("train", "test", "validation")) {
                if ((key.equals("train") ? train : key.equals("test") ? test : validation).contains(null)) {
                    p.at("data." + key, "expected a list of strings, got an element null");
                }
            }
            if (format == Format.IDX) {
                if (dir == null) {
                    idxFiles(p, "data.train", train, task == Task.TRAIN);
                    idxFiles(p, "data.test", test, task != Task.TRAIN);
                }
                idxFiles(p, "data.validation", validation, false);
            } else {
                if (dir != null) {
                    p.at("data.dir", "is for format idx only; with format " + format.keyword()
                            + " give data.train and data.test");
                }
                // A test (validation) condition without its own input selects data.train's rows.
                if (train.isEmpty() && (task == Task.TRAIN || test.isEmpty() && testWhere != null)) {
                    p.at("data.train", "missing: give the input path(s), e.g. data.train = \"data/train.csv\"");
                }
                if (test.isEmpty() && task != Task.TRAIN && testWhere == null) {
                    p.at("data.test", "missing: give the input path(s), e.g. data.test = \"data/train.csv\"");
                }
            }
            condition(p, "data.train-where", trainWhere);
            condition(p, "data.validation-where", validationWhere);
            condition(p, "data.test-where", testWhere);
            if (weightColumn != null && (weightColumn.isBlank() || format == Format.IDX || format == Format.LIBSVM)) {
                p.at("data.weight-column", weightColumn.isBlank() ? "is empty; set null for no sample weights"
                        : "is for csv and parquet inputs; " + format.keyword() + " files have no columns to weigh by");
            }
            if (weightColumn != null && format == Format.CSV && weightColumn.equals(csv.labelColumn())) {
                p.at("data.weight-column", "is the label column '" + weightColumn + "'");
            }
        }

        private static void idxFiles(Problems p, String key, List<String> files, boolean needed) {
            if (files.isEmpty() && needed) {
                p.at(key, "missing: format idx needs data.dir (a folder with the four MNIST files) or " + key
                        + " = [images-file, labels-file]");
            } else if (!files.isEmpty() && files.size() != 2) {
                p.at(key, "format idx takes exactly two files, [images, labels]; got " + files.size());
            }
        }

        /**
         * A Spark SQL condition ({@code split = 'train'}), parsed now by Spark's own parser so that a syntax error
         * is reported at its key before Spark starts. Its columns are checked against the data when read.
         */
        private void condition(Problems p, String key, String text) {
            if (text == null) {
                return;
            }
            if (format == Format.IDX || format == Format.LIBSVM) {
                p.at(key, "is for csv and parquet inputs; " + format.keyword() + " files have no named columns to"
                        + " select rows by");
            } else if (text.isBlank()) {
                p.at(key, "is empty; set null for all rows");
            } else {
                try {
                    new org.apache.spark.sql.catalyst.parser.CatalystSqlParser().parseExpression(text);
                } catch (Exception e) {   // Spark's ParseException, a checked exception Scala does not declare
                    p.at(key, "'" + text + "' is not a Spark SQL condition: " + e.getMessage().lines().findFirst()
                            .orElse("").trim());
                }
            }
        }
    }

    /** @param featureColumns empty = every column but the label */
    public record CsvOptions(boolean header, @NonEmpty String delimiter, @NonEmpty String labelColumn,
                             List<String> featureColumns) {
    }

    /**
     * @param declaredDim   {@code model.input-dim}, 0 for none
     * @param declaredShape {@code model.input-shape}, empty for none
     * @param base          {@code model.base}, or null (an empty path)
     */
    public record ModelConfig(List<Layer> layers, @JsonProperty("input-dim") @Range(min = 0) int declaredDim,
                              @JsonProperty("input-shape") List<Integer> declaredShape, DType dtype, long seed,
                              BaseModel base) {

        public ModelConfig {
            base = base == null || base.path() == null || base.path().isEmpty() ? null : base;
        }

        /**
         * {@code model.base}: fine-tuning starts from a saved model's first layers.
         *
         * @param path       the saved model (any Hadoop file system)
         * @param keepLayers how many of its first layers to keep; 0 = all
         * @param freeze     whether the kept layers are frozen
         */
        public record BaseModel(String path, @Range(min = 0) int keepLayers, boolean freeze) {
        }

        /** One sample's shape: {@code model.input-shape}, else {@code input-dim}, else the first layer's, or null. */
        public Shape inputShape() {
            boolean shaped = !declaredShape.isEmpty() && declaredShape.size() <= 3 && declaredShape.stream()
                    .allMatch(n -> n != null && n > 0);
            return shaped ? Shape.of(declaredShape.stream().mapToInt(Integer::intValue).toArray())
                    : declaredDim > 0 ? Shape.of(declaredDim) : layers.isEmpty() || layers.get(0) == null ? null
                    : layers.get(0).inputShape();
        }

        /** Values per sample (the width of a flat features row), or 0 if taken from the data. */
        public int inputDim() {
            return inputShape() == null ? 0 : inputShape().size();
        }

        /** The new, uncompiled model on top of {@code saved} (the model at {@code base().path()}), seeded. */
        public Sequential onBase(Sequential saved) {
            Sequential.Builder builder = Sequential.fromBase(saved, base.keepLayers() == 0 ? saved.layers().size()
                    : base.keepLayers()).add(layers.toArray(new Layer[0])).seed(seed);
            return (base.freeze() ? builder.freezeBase() : builder).build();
        }

        /** A new, uncompiled model as configured. */
        public Sequential newModel() {
            Sequential model = new Sequential(layers).dtype(dtype).seed(seed);
            if (inputShape() != null) {
                model.build(inputShape());
            }
            return model;
        }

        void check(Problems p) {
            if (declaredShape.size() > 3 || declaredShape.stream().anyMatch(n -> n == null || n <= 0)) {
                p.at("model.input-shape", "expected " + (declaredShape.size() > 3 ? "1 to 3 " : "")
                        + "integers > 0, got " + declaredShape);
            } else if (!declaredShape.isEmpty() && declaredDim > 0 && declaredDim != inputShape().size()) {
                p.at("model.input-shape", "is " + inputShape() + " (" + inputShape().size() + " values) but"
                        + " model.input-dim is " + declaredDim + "; set one of them");
            }
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
     * @param steps        {@code steps-per-job}: {@code epoch}, or synchronous steps per Spark job (1 = a job per
     *                     step, more = a training stage)
     * @param callbacks    {@code fit.callbacks}, in order
     * @param weights      {@code fit.class-weights}, as written: class index to loss weight (Keras's
     *                     {@code class_weight})
     */
    public record FitConfig(@Range(min = 1, max = 1_000_000) int epochs, @Range(min = 1) int batchSize,
                            double validationSplit, long seed, boolean shuffle,
                            @Range(min = 0, max = 1_000_000) int partitions, @Range(min = 1, max = 64) int treeDepth,
                            @JsonProperty("steps-per-job") String steps, CheckpointConfig checkpoint,
                            List<CallbackConfig> callbacks, @JsonProperty("class-weights") Map<String, Double> weights) {

        /** Synchronous steps per Spark job; one job per epoch is the most an int holds; -1 for neither. */
        public int stepsPerJob() {
            try {
                return "epoch".equals(steps) ? Integer.MAX_VALUE : new java.math.BigDecimal(String.valueOf(steps)
                        .trim()).intValueExact();
            } catch (ArithmeticException | NumberFormatException notSteps) {
                return -1;
            }
        }

        /** Class index to loss weight, for the keys and weights that are those ({@link #check} names the rest). */
        public Map<Integer, Double> classWeights() {
            Map<Integer, Double> out = new TreeMap<>();
            weights.forEach((k, w) -> {
                if (k.matches("\\d{1,9}") && w != null && w >= 0 && !w.isInfinite()) {
                    out.put(Integer.valueOf(k), w);
                }
            });
            return Collections.unmodifiableMap(out);
        }

        void check(Problems p) {
            if (!(validationSplit >= 0 && validationSplit < 1)) {
                p.at("fit.validation-split", "must be in [0, 1), got " + validationSplit);
            }
            if (stepsPerJob() == -1) {
                p.at("fit.steps-per-job", "'" + steps + "' is neither 'epoch' nor a number of steps >= 1");
            } else if (stepsPerJob() < 1) {
                p.at("fit.steps-per-job", "must be >= 1, got " + stepsPerJob());
            }
            if (checkpoint.dir() != null && checkpoint.dir().isBlank()) {
                p.at("fit.checkpoint.dir", "is empty; set null for no checkpoints");
            }
            if (checkpoint.dir() != null && checkpoint.everySteps() == 0 && checkpoint.everyEpochs() == 0) {
                p.at("fit.checkpoint", "every-steps and every-epochs are both 0: checkpoints would be written only"
                        + " on SIGTERM and at the end; set one of them (e.g. every-epochs = 1)");
            }
            weights.forEach((k, w) -> {
                if (!k.matches("\\d{1,9}")) {
                    p.at("fit.class-weights." + k, "expected a class index (an integer >= 0) as the key, got '" + k
                            + "'");
                } else if (w == null || !(w >= 0) || w.isInfinite()) {
                    p.at("fit.class-weights." + k, "expected a weight (a finite number >= 0), got number "
                            + (w != null && w == Math.rint(w) && !w.isInfinite() ? String.valueOf(w.longValue()) : w));
                }
            });
        }
    }

    /**
     * Driver checkpoints of a fit ({@code fit.checkpoint}).
     *
     * @param dir         a path or URI (file:, hdfs:, s3a:), or null for no checkpoints
     * @param everySteps  a checkpoint every this many optimizer steps (0: none by steps)
     * @param everyEpochs a checkpoint at the end of every this-many-th epoch (0: none by epochs)
     * @param keep        how many of the newest checkpoints to keep
     */
    public record CheckpointConfig(String dir, @Range(min = 0) int everySteps, @Range(min = 0) int everyEpochs,
                                   @Range(min = 1, max = 1_000_000) int keep) {
        public boolean enabled() {
            return dir != null;
        }
    }

    /** @param master null: leave it to spark-submit's --master */
    public record SparkConfig(String master, @NonEmpty String appName, Map<String, String> conf) {
        void check(Problems p) {
            if (master != null && master.isBlank()) {
                p.at("spark.master", "is empty; remove it to use spark-submit's --master");
            }
        }
    }

    /** @param dir a path or URI on any Hadoop file system (file:, hdfs:, s3a:); plain paths are on the default one */
    public record OutputConfig(@NonEmpty String dir) {

        /** A file or folder inside the output folder. */
        public String resolve(String name) {
            return dir.endsWith("/") ? dir + name : dir + "/" + name;
        }
    }

    /**
     * @param path    where predictions go (resolved by the loader: never null)
     * @param format  {@code parquet} or {@code csv}
     * @param columns the input's columns to keep beside the predictions, in order; empty = all of them
     */
    public record PredictConfig(String path, String format, List<String> columns) {
        void check(Problems p) {
            if (path != null && path.isBlank()) {
                p.at("predict.path", "is empty");
            }
            p.choice("predict.format", format, List.of("parquet", "csv"));
        }
    }
}
