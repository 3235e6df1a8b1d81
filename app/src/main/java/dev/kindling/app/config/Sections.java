// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import dev.kindling.app.config.JobConfig.CheckpointConfig;
import dev.kindling.app.config.JobConfig.CsvOptions;
import dev.kindling.app.config.JobConfig.Format;
import dev.kindling.app.config.JobConfigLoader.Task;
import dev.kindling.core.data.Sequences;
import dev.kindling.core.tensor.DType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The job file's sections as it spells them, each bound by Jackson ({@link Problems#bind}) and checking its own
 * ranges. The open parts ({@code model.layers}, {@code compile.optimizer}, {@code fit.callbacks},
 * {@code fit.class-weights}, {@code spark.conf}) are bound through the registry by {@link JobConfigLoader}.
 */
final class Sections {
    private Sections() {
    }

    static final List<String> FORMATS = Arrays.stream(Format.values()).map(Format::keyword).toList();
    static final List<String> DTYPES = Arrays.stream(DType.values()).map(DType::keyword).toList();
    /** Keras's pad_sequences sides, as the core names them. */
    static final List<String> SIDES = Arrays.stream(Sequences.Side.values())
            .map(side -> side.name().toLowerCase(Locale.ROOT)).toList();

    static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /** The whole job file. */
    record Job(Data data, Model model, Compile compile, Fit fit, Spark spark, Output output, Predict predict) {

        /** Every section's own checks; the data's format (IDX when it is not known). */
        Format check(Problems p, Task task) {
            model.check(p);
            fit.check(p);
            spark.check(p);
            predict.check(p);
            p.nonEmpty("output.dir", output.dir());
            return data.check(p, task);
        }
    }

    record Data(String format, String dir, List<String> train, List<String> test, List<String> validation,
                String trainWhere, String validationWhere, String testWhere, String weightColumn, int numClasses,
                double scale, int partitions, CsvOptions csv, Libsvm libsvm, Parquet parquet) {

        record Libsvm(int numFeatures) {
        }

        record Parquet(String featuresColumn, String labelColumn, String padding, String truncating) {
        }

        /** The format, or null with the problem. */
        Format check(Problems p, Task task) {
            String name = p.choice("data.format", format, FORMATS);
            Format f = name == null ? Format.IDX : Format.valueOf(name.toUpperCase(Locale.ROOT));
            p.range("data.num-classes", numClasses, 0, Integer.MAX_VALUE);
            if (!(scale > 0) || Double.isInfinite(scale)) {
                p.at("data.scale", "must be a positive number, got " + scale);
            }
            p.range("data.partitions", partitions, 0, 1_000_000);
            p.nonEmpty("data.csv.delimiter", csv.delimiter());
            p.nonEmpty("data.csv.label-column", csv.labelColumn());
            p.range("data.libsvm.num-features", libsvm.numFeatures(), 0, Integer.MAX_VALUE);
            p.nonEmpty("data.parquet.features-column", parquet.featuresColumn());
            p.nonEmpty("data.parquet.label-column", parquet.labelColumn());
            String padding = p.choice("data.parquet.padding", parquet.padding(),
                    Stream.concat(Stream.of("none"), SIDES.stream()).toList());
            p.choice("data.parquet.truncating", parquet.truncating(), SIDES);
            if (padding != null && !padding.equals("none") && f != Format.PARQUET) {
                p.at("data.parquet.padding", "is for parquet inputs (a column of token ids); the format is "
                        + f.keyword());
            }
            for (String key : List.of("train", "test", "validation")) {
                List<String> paths = key.equals("train") ? train : key.equals("test") ? test : validation;
                if (paths != null && paths.contains(null)) {
                    p.at("data." + key, "expected a list of strings, got an element null");
                }
            }
            if (f == Format.IDX) {
                if (dir == null) {
                    idxFiles(p, "data.train", orEmpty(train), task == Task.TRAIN);
                    idxFiles(p, "data.test", orEmpty(test), task != Task.TRAIN);
                }
                idxFiles(p, "data.validation", orEmpty(validation), false);
            } else {
                if (dir != null) {
                    p.at("data.dir", "is for format idx only; with format " + f.keyword()
                            + " give data.train and data.test");
                }
                // A test (validation) condition without its own input selects data.train's rows.
                if (orEmpty(train).isEmpty() && (task == Task.TRAIN || orEmpty(test).isEmpty() && testWhere != null)) {
                    p.at("data.train", "missing: give the input path(s), e.g. data.train = \"data/train.csv\"");
                }
                if (orEmpty(test).isEmpty() && task != Task.TRAIN && testWhere == null) {
                    p.at("data.test", "missing: give the input path(s), e.g. data.test = \"data/train.csv\"");
                }
            }
            condition(p, "data.train-where", trainWhere, f);
            condition(p, "data.validation-where", validationWhere, f);
            condition(p, "data.test-where", testWhere, f);
            if (weightColumn != null && (weightColumn.isBlank() || f == Format.IDX || f == Format.LIBSVM)) {
                p.at("data.weight-column", weightColumn.isBlank() ? "is empty; set null for no sample weights"
                        : "is for csv and parquet inputs; " + f.keyword() + " files have no columns to weigh by");
            }
            if (weightColumn != null && f == Format.CSV && weightColumn.equals(csv.labelColumn())) {
                p.at("data.weight-column", "is the label column '" + weightColumn + "'");
            }
            return f;
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
        private static void condition(Problems p, String key, String text, Format format) {
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

    record Model(int inputDim, List<Integer> inputShape, String dtype, long seed, Base base) {

        record Base(String path, int keepLayers, boolean freeze) {
        }

        void check(Problems p) {
            p.range("model.input-dim", inputDim, 0, Integer.MAX_VALUE);
            p.range("model.base.keep-layers", base.keepLayers(), 0, Integer.MAX_VALUE);
            p.choice("model.dtype", dtype, DTYPES);
            if (inputShape != null && !inputShape.isEmpty() && (inputShape.size() > 3 || inputShape.stream()
                    .anyMatch(n -> n == null || n <= 0))) {
                p.at("model.input-shape", "expected " + (inputShape.size() > 3 ? "1 to 3 " : "") + "integers > 0, got "
                        + Problems.describe(p.value("model.input-shape")));
            } else if (inputShape != null && !inputShape.isEmpty() && inputDim > 0 && inputDim != shape().size()) {
                p.at("model.input-shape", "is " + shape() + " (" + shape().size() + " values) but model.input-dim is "
                        + inputDim + "; set one of them");
            }
        }

        /** {@code model.input-shape}, else {@code model.input-dim} as a flat shape, else null (from the data). */
        dev.kindling.core.tensor.Shape shape() {
            return inputShape != null && !inputShape.isEmpty() && inputShape.size() <= 3
                    && inputShape.stream().allMatch(n -> n != null && n > 0)
                    ? dev.kindling.core.tensor.Shape.of(inputShape.stream().mapToInt(Integer::intValue).toArray())
                    : inputDim > 0 ? dev.kindling.core.tensor.Shape.of(inputDim) : null;
        }
    }

    record Compile(String loss, List<String> metrics) {
    }

    record Fit(int epochs, int batchSize, double validationSplit, long seed, boolean shuffle, int partitions,
               int treeDepth, String stepsPerJob, CheckpointConfig checkpoint) {

        void check(Problems p) {
            p.range("fit.epochs", epochs, 1, 1_000_000);
            p.range("fit.batch-size", batchSize, 1, Integer.MAX_VALUE);
            if (!(validationSplit >= 0 && validationSplit < 1)) {
                p.at("fit.validation-split", "must be in [0, 1), got " + validationSplit);
            }
            p.range("fit.partitions", partitions, 0, 1_000_000);
            p.range("fit.tree-depth", treeDepth, 1, 64);
            int steps = steps();
            if (steps != Integer.MAX_VALUE && steps != -1) {
                p.range("fit.steps-per-job", steps, 1, Integer.MAX_VALUE);
            } else if (steps == -1) {
                p.at("fit.steps-per-job", "'" + stepsPerJob + "' is neither 'epoch' nor a number of steps >= 1");
            }
            CheckpointConfig c = checkpoint;
            if (c.dir() != null && c.dir().isBlank()) {
                p.at("fit.checkpoint.dir", "is empty; set null for no checkpoints");
            }
            p.range("fit.checkpoint.every-steps", c.everySteps(), 0, Integer.MAX_VALUE);
            p.range("fit.checkpoint.every-epochs", c.everyEpochs(), 0, Integer.MAX_VALUE);
            p.range("fit.checkpoint.keep", c.keep(), 1, 1_000_000);
            if (c.dir() != null && c.everySteps() == 0 && c.everyEpochs() == 0) {
                p.at("fit.checkpoint", "every-steps and every-epochs are both 0: checkpoints would be written only"
                        + " on SIGTERM and at the end; set one of them (e.g. every-epochs = 1)");
            }
        }

        /** {@code epoch}: one Spark job per epoch (the most an int holds); a number of steps; -1 for neither. */
        int steps() {
            if ("epoch".equals(stepsPerJob)) {
                return Integer.MAX_VALUE;
            }
            try {
                return new java.math.BigDecimal(String.valueOf(stepsPerJob).trim()).intValueExact();
            } catch (ArithmeticException | NumberFormatException notSteps) {
                return -1;
            }
        }
    }

    record Spark(String master, String appName) {
        void check(Problems p) {
            if (master != null && master.isBlank()) {
                p.at("spark.master", "is empty; remove it to use spark-submit's --master");
            }
            p.nonEmpty("spark.app-name", appName);
        }
    }

    record Output(String dir) {
    }

    record Predict(String path, String format, List<String> columns) {
        void check(Problems p) {
            if (path != null && path.isBlank()) {
                p.at("predict.path", "is empty");
            }
            p.choice("predict.format", format, List.of("parquet", "csv"));
        }
    }
}
