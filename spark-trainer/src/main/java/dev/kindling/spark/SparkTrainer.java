// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.layers.SparseInput;
import dev.kindling.core.model.CompileConfig;
import dev.kindling.core.model.BatchStats;
import dev.kindling.core.model.ClassWeights;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.metrics.Metric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains, evaluates and predicts with a core {@link Sequential} on Spark data, data-parallel. In order of use:
 * <pre>{@code
 * Sequential network = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX));
 * network.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
 * SparkTrainer trainer = SparkTrainer.create();
 * History history = trainer.fit(network, trainDf, Columns.defaults(), FitOptions.builder().epochs(5).batchSize(128).build());
 * Evaluation result = trainer.evaluate(network, testDf, Columns.defaults());
 * Dataset<Row> predictions = trainer.predict(network, testDf, "features");   // + probability, prediction
 * }</pre>
 *
 * <p>The data is packed once into as many cached partitions as the cluster has task slots (whatever the input's
 * partitioning). Each iteration the driver broadcasts the weights; each partition holding rows of the global
 * mini-batch sums their gradient; the sums are merged on the driver, which divides by the batch size and applies
 * the optimizer. The loop is the core's own ({@link Sequential#fit(dev.kindling.core.model.TrainingData,
 * FitOptions)}): samples are numbered in the data's order and batches are drawn by number, so with the same seed
 * and row order, 1, 2 or 40 partitions learn the same weights as the one-JVM fit, up to float rounding. A lost
 * executor costs the step it interrupted a retry, never a rollback (see {@link Packing}). The trained weights and
 * optimizer state stay in the {@code Sequential} on the driver.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
    /** {@link #withStepsPerJob}'s default. */
    public static final int DEFAULT_STEPS_PER_JOB = Integer.MAX_VALUE;
    private final int treeDepth;
    private final int partitions;
    private final StorageLevel storageLevel;
    private final int stepsPerJob;
    private StepTimings lastTimings = StepTimings.none();

    private SparkTrainer(int treeDepth, int partitions, StorageLevel storageLevel, int stepsPerJob) {
        if (treeDepth < 1) {
            throw new IllegalArgumentException("treeDepth must be >= 1, got " + treeDepth);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions must be >= 0 (0 = one per task slot), got " + partitions);
        }
        if (stepsPerJob < 1) {
            throw new IllegalArgumentException("stepsPerJob must be >= 1 (1 = one Spark job per step), got "
                    + stepsPerJob);
        }
        this.treeDepth = treeDepth;
        this.partitions = partitions;
        this.storageLevel = storageLevel;
        this.stepsPerJob = stepsPerJob;
    }

    /** Partial gradients merged on the driver, one packed partition per task slot, blocks cached in memory and disk. */
    public static SparkTrainer create() {
        return new SparkTrainer(1, 0, StorageLevel.MEMORY_AND_DISK(), DEFAULT_STEPS_PER_JOB);
    }

    /**
     * Depth of the aggregation tree. 1 (the default) merges every partition's gradient on the driver, in one job
     * with no shuffle; 2 or more goes through Spark's {@code treeAggregate}, which adds a shuffle stage per level
     * but brings fewer gradients to the driver: for hundreds of partitions of a large model.
     */
    public SparkTrainer withTreeDepth(int depth) {
        return new SparkTrainer(depth, partitions, storageLevel, stepsPerJob);
    }

    /** Packs the data into {@code n} partitions, one task each per step (0, the default: one per task slot). */
    public SparkTrainer withPartitions(int n) {
        return new SparkTrainer(treeDepth, n, storageLevel, stepsPerJob);
    }

    public SparkTrainer withStorageLevel(StorageLevel level) {
        return new SparkTrainer(treeDepth, partitions, level, stepsPerJob);
    }

    /**
     * Up to {@code n} synchronous steps per Spark job. 1 runs every step as its own job (broadcast, tasks, merge):
     * the reference path. More runs a training stage: one barrier job whose tasks stay up for up to {@code n}
     * steps (never past an epoch's end), receive each step's batch and weights from the driver and send their
     * gradient sums back over a connection of their own; the driver adds them in the same order, so the weights
     * are the same bit for bit. See docs/design.md.
     */
    public SparkTrainer withStepsPerJob(int n) {
        return new SparkTrainer(treeDepth, partitions, storageLevel, n);
    }

    /**
     * Reads, checks and packs a DataFrame for {@code model} (compiled; built from the data's width if it is not
     * yet), so that {@link #fit(Sequential, PreparedData, FitOptions)} and {@link #evaluate(Sequential, PreparedData)}
     * can use it. Every data problem surfaces here.
     *
     * <p>A label column of strings holds class names: they are indexed by the model's {@link Sequential#classNames()},
     * or, for a model that has none, by the data's distinct names in alphabetical order ({@link ClassNames}, as
     * Spark's {@code StringIndexer} with {@code stringOrderType = alphabetAsc}), which then become the model's
     * (saved with it, and written on {@link #predict}'s prediction column). No {@code StringIndexer} is needed.
     *
     * @param columns which columns hold features and labels
     * @throws DataException for a missing or mistyped column, a features row of the wrong length, a null, a label out
     *                       of range or a class name the model does not have, NaN features, or no rows
     */
    public PreparedData prepare(Sequential model, Dataset<Row> data, Columns columns) {
        return prepare(model, data, columns, true);
    }

    /** {@link #prepare(Sequential, Dataset, Columns)}; names are learned from a string label column if allowed. */
    private PreparedData prepare(Sequential model, Dataset<Row> data, Columns columns, boolean learnNames) {
        CompileConfig config = requireCompiled(model, "prepare");
        Named named = named(model, data, columns, learnNames);
        data = named.data();
        columns = named.columns();
        Input<Row> input = rowsOf(model, data, columns, true);
        if (named.learned() != null) {
            requireOneClassPerName(model, named.learned());
            model.classNames(named.learned());
        }
        Packing.Layout layout = layout(model.network(), config, input.labelIsArray(), columns.features())
                .withSparseFeatures(input.sparse());
        try (JobDescription ignored = JobDescription.of(data.sparkSession().sparkContext(), "packing and checking"
                + " the rows of columns " + columns.features() + ", " + columns.label())) {
            return new PreparedData(Packing.pack(input.rdd(), input.reader(), layout, partitions, storageLevel),
                    layout, input.labelIsArray());
        }
    }

    /**
     * Trains {@code model} on a DataFrame; the last {@code options.validationSplit()} of its rows (in the
     * data's order) validate at the end of each epoch. The data is read and checked before the first step.
     *
     * @throws DataException for a missing or mistyped column, a features row of the wrong length, a null label,
     *                       a label out of range, NaN features, or no rows; nothing is trained then
     */
    public History fit(Sequential model, Dataset<Row> data, Columns columns, FitOptions options) {
        try (PreparedData prepared = prepare(model, data, columns)) {
            return fit(model, prepared, options);
        }
    }

    /**
     * Trains {@code model} on a DataFrame and validates on another (Keras's {@code validation_data}) at the end of
     * each epoch; {@code options.validationSplit()} is then not used. Both are read and checked before the first step.
     * The validation losses are weighted when the validation DataFrame has the weight column too (as Keras's
     * {@code validation_data=(x, y, sample_weight)}).
     */
    public History fit(Sequential model, Dataset<Row> data, Dataset<Row> validation, Columns columns,
                       FitOptions options) {
        Columns validationColumns = columns.weight() != null
                && !java.util.Arrays.asList(validation.columns()).contains(columns.weight())
                ? new Columns(columns.features(), columns.label()) : columns;
        // Validation class names are the training data's (a name only the validation rows have is bad data).
        boolean named = !model.classNames().isEmpty();
        try (PreparedData prepared = prepare(model, data, columns);
             PreparedData validating = prepare(model, validation, validationColumns, false)) {
            return fit(model, prepared, validating, options);
        } catch (DataException e) {
            if (!named) {
                model.classNames(List.of());   // names learned from data that was then refused are not kept
            }
            throw e;
        }
    }

    /** Trains {@code model} on prepared data (see {@link #fit(Sequential, Dataset, Columns, FitOptions)}). */
    public History fit(Sequential model, PreparedData data, FitOptions options) {
        return fit(model, data, null, options);
    }

    /**
     * Trains {@code model} on prepared data, validating on {@code validation} (prepared for the same model) or, when it
     * is null, on the last {@code options.validationSplit()} of {@code data}. {@code options.classWeights()} weigh
     * the training losses by class, as Keras's {@code class_weight}.
     */
    public History fit(Sequential model, PreparedData data, PreparedData validation, FitOptions options) {
        CompileConfig config = requireCompiled(model, "fit");
        Network network = model.network();
        Packing.Packed packed = data.packed();
        requireFits(data, network, config, "fit");
        if (validation != null) {
            requireFits(validation, network, config, "fit (validation data)");
        }
        if (options.validationData() != null) {
            throw new IllegalArgumentException("fit: FitOptions.validationData holds tensors for a one-JVM fit; on Spark"
                    + " give the validation DataFrame or PreparedData to SparkTrainer.fit");
        }
        ClassWeights classWeights = ClassWeights.of(options.classWeights(), network.outputDim());
        try (JobDescription ignored = JobDescription.fit(packed.blocks().context(), "fit: " + options.epochs()
                + " epochs of batch " + options.batchSize() + " over " + packed.samples() + " rows");
             DistributedData distributed = new DistributedData(JavaSparkContext.fromSparkContext(
                packed.blocks().context()), packed, validation == null ? null : validation.packed(), network,
                config.loss(), config.resolvedMetrics(network.outputDim()), options.validationSplit(), classWeights,
                treeDepth, stepsPerJob)) {
            try {
                return model.fit(distributed, options);
            } finally {
                lastTimings = distributed.timings();
            }
        }
    }

    /** Trains {@code model} on an RDD of samples, as {@link #fit(Sequential, Dataset, Columns, FitOptions)}. */
    public History fit(Sequential model, JavaRDD<Sample> samples, FitOptions options) {
        CompileConfig config = requireCompiled(model, "fit");
        Sample first = firstOrFail(samples);
        if (!model.isBuilt()) {
            model.build(first.features().length);
        }
        boolean arrayTargets = !config.loss().classIndexTargets() && first.target().length > 1;
        Packing.Layout layout = layout(model.network(), config, arrayTargets, "features");
        try (PreparedData prepared = new PreparedData(Packing.pack(samples, SampleReader.samples(), layout, partitions,
                storageLevel), layout, arrayTargets)) {
            return fit(model, prepared, options);
        }
    }

    /** Mean loss and metrics of {@code model} over a DataFrame, computed where the data lives. */
    public Evaluation evaluate(Sequential model, Dataset<Row> data, Columns columns) {
        try (PreparedData prepared = prepare(model, data, columns, false)) {
            return evaluate(model, prepared);
        }
    }

    /** Mean loss (with the regularizers' penalty, as Keras's) and metrics of {@code model} over prepared data. */
    public Evaluation evaluate(Sequential model, PreparedData data) {
        CompileConfig config = requireCompiled(model, "evaluate");
        Network network = model.network();
        requireFits(data, network, config, "evaluate");
        Packing.Packed packed = data.packed();
        List<Metric> resolved = config.resolvedMetrics(network.outputDim());
        BatchStats stats;
        try (JobDescription ignored = JobDescription.of(packed.blocks().context(), "evaluation over "
                + packed.samples() + " rows")) {
            stats = DistributedData.evaluate(JavaSparkContext.fromSparkContext(packed.blocks().context()),
                    packed, network, config.loss(), resolved, model.weights(), 0)
                    .withPenalty(network.regularization(model.weights(), null));   // once, on the driver, as fit's
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < config.metrics().size(); i++) {
            metrics.put(config.metrics().get(i).keyword(), stats.metric(resolved, i));
        }
        return new Evaluation(stats.meanLoss(), metrics);
    }

    /**
     * Per-class precision, recall, F1 and support and the confusion matrix of a classifier on labelled rows (a
     * numeric class-index label column), named with {@link Sequential#classNames()} when it names every class:
     * one prediction pass and one aggregation, where the data lives.
     *
     * @throws IllegalArgumentException for a regression model
     */
    public ClassReport classReport(Sequential model, Dataset<Row> data, Columns columns) {
        if (!model.isBuilt() || OutputKind.of(model) == OutputKind.REGRESSION) {
            throw new IllegalArgumentException("classReport: " + (model.isBuilt() ? "a regression model has no"
                    + " classes" : "the model is not built"));
        }
        int classes = OutputKind.of(model).classes(model.network().outputDim());
        Named named = named(model, data, columns, false);
        try (JobDescription ignored = JobDescription.of(data.sparkSession().sparkContext(), "evaluation: the"
                + " confusion matrix of column " + columns.label())) {
            return ClassReport.of(predict(model, named.data(), columns.features()), named.columns().label(), classes,
                    model.classNames());
        }
    }

    /**
     * {@code data} with the model's predictions appended: for a classifier {@code probability} (a Spark ML vector,
     * one probability per class) and {@code prediction} (the class, a double: the argmax, or for one sigmoid unit
     * {@code p > 0.5}); for a regression model {@code prediction} (the value). See {@link OutputKind}.
     */
    public Dataset<Row> predict(Sequential model, Dataset<Row> data, String featuresColumn) {
        return predict(model, data, PredictionColumns.of(featuresColumn));
    }

    /**
     * {@code data} with the columns {@code columns} names appended, as {@link PredictionColumns} describes them.
     * The schema is checked first, on the driver: a missing or mistyped features column, an output column that
     * the data already has, or thresholds that do not fit the classes fail before any job (a model that is not
     * built yet first reads one row, for its input width).
     *
     * @throws DataException for those problems; for a bad features row, when the result is computed
     */
    public Dataset<Row> predict(Sequential model, Dataset<Row> data, PredictionColumns columns) {
        StructType schema = data.schema();
        int featuresIndex = fieldIndex(schema, columns.features(), "features");
        boolean vector = checkFeaturesType(schema.fields()[featuresIndex]);
        if (!model.isBuilt()) {
            // the only job before the checks: the output width, and so the kind, needs the input width
            model.build(featureWidth(data, columns.features(), vector));
        }
        Network network = model.network();
        OutputKind kind = OutputKind.of(model);
        columns.check(schema, kind, network.outputDim());
        Dataset<Row> predicted = Predictions.of(data, network, model.weights(), featuresIndex, vector, columns, kind);
        List<String> names = model.classNames();
        String prediction = columns.prediction();
        if (kind == OutputKind.REGRESSION || prediction.isEmpty() || names.size() != kind.classes(
                network.outputDim())) {
            return predicted;
        }
        // Spark ML's nominal metadata, as StringIndexer writes it: IndexToString names the classes without setLabels.
        return predicted.withColumn(prediction, predicted.col(prediction).as(prediction, NominalAttribute.defaultAttr()
                .withName(prediction).withValues(names.toArray(new String[0])).toMetadata()));
    }

    /** Where the driver's time went in the last fit (for benchmarks and tuning). */
    public StepTimings lastTimings() {
        return lastTimings;
    }

    // ---- input checks (on the driver, before any job) ---------------------------------------------------

    /**
     * The data and columns to read: a string label column indexed into {@link ClassNames#INDEX_COLUMN}; {@code learned}
     * holds the names taken from the data (for a model without names, when allowed), else null.
     */
    private record Named(Dataset<Row> data, Columns columns, List<String> learned) {
    }

    private static Named named(Sequential model, Dataset<Row> data, Columns columns, boolean learnNames) {
        String label = columns.label();
        if (label == null || !java.util.Arrays.asList(data.columns()).contains(label)
                || !(data.schema().apply(label).dataType() instanceof StringType)) {
            return new Named(data, columns, null);
        }
        List<String> names = model.classNames();
        List<String> learned = null;
        if (names.isEmpty() && learnNames) {
            names = learned = ClassNames.learn(data, label, "the data");
        }
        Dataset<Row> indexed = ClassNames.index(data, label, names, ClassNames.INDEX_COLUMN, "the data",
                learned == null);
        return new Named(indexed, new Columns(columns.features(), ClassNames.INDEX_COLUMN, columns.weight()), learned);
    }

    /** A model trained on names tells exactly that many classes apart (one sigmoid unit: two). */
    private static void requireOneClassPerName(Sequential model, List<String> names) {
        OutputKind kind = OutputKind.of(model);
        int classes = kind == OutputKind.REGRESSION ? 0 : kind.classes(model.network().outputDim());
        if (classes != names.size()) {
            throw new DataException("the data's label column holds " + names.size() + " class name"
                    + (names.size() == 1 ? "" : "s") + " ("
                    + String.join(", ", names) + "), but the model " + (classes == 0 ? "is a regression model"
                    : "tells " + classes + " classes apart") + "; give the last layer " + names.size() + " units");
        }
    }

    /** @param sparse whether the features are packed sparse (see {@link #packSparse}) */
    private record Input<T>(JavaRDD<T> rdd, SampleReader<T> reader, boolean labelIsArray, boolean sparse) {
    }

    private Input<Row> rowsOf(Sequential model, Dataset<Row> data, Columns columns, boolean needLabel) {
        StructType schema = data.schema();
        int featuresIndex = fieldIndex(schema, columns.features(), "features");
        boolean vector = checkFeaturesType(schema.fields()[featuresIndex]);
        int labelIndex = -1;
        boolean labelIsArray = false;
        if (needLabel) {
            if (columns.label() == null) {
                throw new DataException("a label column is needed to " + "train or evaluate");
            }
            labelIndex = fieldIndex(schema, columns.label(), "label");
            labelIsArray = checkLabelType(schema.fields()[labelIndex]);
        }
        int weightIndex = -1;
        if (columns.weight() != null) {
            weightIndex = fieldIndex(schema, columns.weight(), "weight");
            if (!(schema.fields()[weightIndex].dataType() instanceof NumericType)) {
                throw new DataException("weight column '" + columns.weight() + "' has type "
                        + schema.fields()[weightIndex].dataType().simpleString() + ", expected a number per row");
            }
        }
        Object first = vector || !model.isBuilt() ? firstFeatures(data, columns.features()) : null;
        if (!model.isBuilt()) {
            model.build(vector ? ((Vector) first).size() : ((Row) first).getList(0).size());
        }
        Dataset<Row> selected = columns.weight() == null ? data.select(columns.features(), columns.label())
                : data.select(columns.features(), columns.label(), columns.weight());
        return new Input<>(selected.javaRDD(), new SampleReader.RowReader(columns, 0, vector, 1, labelIsArray,
                columns.weight() == null ? -1 : 2), labelIsArray,
                packSparse(model.network(), first, columns.features()));
    }

    /**
     * Features are packed sparse (compressed sparse rows: only the non-zeros, never a dense row of the input width)
     * when the column holds Spark ML vectors whose first row is a {@code SparseVector} (as {@code HashingTF},
     * {@code CountVectorizer}, {@code OneHotEncoder} and LibSVM files make) and the model's first layer takes sparse
     * rows ({@code Dense}). Other rows of such a column, dense vectors included, contribute their non-zeros. A first
     * layer that needs every value (a convolution, an Embedding) gets dense rows, as before.
     */
    private static boolean packSparse(Network network, Object firstFeatures, String column) {
        if (!(firstFeatures instanceof SparseVector)) {
            return false;
        }
        if (!(network.layers().get(0) instanceof SparseInput)) {
            LOG.warn("features column '{}' holds sparse vectors, but the model's first layer ({}) cannot take sparse"
                    + " rows: they are packed dense, {} values each", column, network.layers().get(0).typeName(),
                    network.inputDim());
            return false;
        }
        return true;
    }

    private static int fieldIndex(StructType schema, String column, String role) {
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(column)) {
                return i;
            }
        }
        throw new DataException(role + " column '" + column + "' is missing; the data has columns "
                + String.join(", ", schema.fieldNames()));
    }

    /** True for a Spark ML vector, false for an array of numbers; anything else is an error. */
    private static boolean checkFeaturesType(StructField field) {
        DataType type = field.dataType();
        if (type.sameType(SQLDataTypes.VectorType())) {
            return true;
        }
        if (type instanceof ArrayType array && array.elementType() instanceof NumericType) {
            return false;
        }
        throw new DataException("features column '" + field.name() + "' has type " + type.simpleString()
                + ", expected a Spark ML vector or an array of numbers");
    }

    /** False for a numeric class index, true for an array of numbers; anything else is an error. */
    private static boolean checkLabelType(StructField field) {
        DataType type = field.dataType();
        if (type instanceof NumericType) {
            return false;
        }
        if (type instanceof ArrayType array && array.elementType() instanceof NumericType) {
            return true;
        }
        throw new DataException("label column '" + field.name() + "' has type " + type.simpleString()
                + ", expected a numeric class index or an array of numbers");
    }

    private static int featureWidth(Dataset<Row> data, String column, boolean vector) {
        Object first = firstFeatures(data, column);
        return vector ? ((Vector) first).size() : ((Row) first).getList(0).size();
    }

    /** The features of the first row that has some: a {@link Vector}, or for an array column the {@link Row}. */
    private static Object firstFeatures(Dataset<Row> data, String column) {
        Row[] first;
        try (JobDescription ignored = JobDescription.of(data.sparkSession().sparkContext(), "reading: the width of"
                + " column " + column)) {
            first = (Row[]) data.select(column).na().drop().head(1);
        }
        if (first.length == 0) {
            throw new DataException("the data has no rows with features in column '" + column + "'");
        }
        return first[0].get(0) instanceof Vector v ? v : first[0];
    }

    private static Sample firstOrFail(JavaRDD<Sample> samples) {
        java.util.List<Sample> first = samples.take(1);
        if (first.isEmpty()) {
            throw new DataException("the data has no rows");
        }
        return first.get(0);
    }

    /** Throws unless {@code data} was packed the way this model (width, loss, output, dtype) needs. */
    private static void requireFits(PreparedData data, Network network, CompileConfig config, String call) {
        data.requireLayout(layout(network, config, data.labelIsArray(), data.layout().featuresColumn())
                .withSparseFeatures(data.layout().sparse()), call);
        if (data.layout().sparse()) {
            try {
                network.requireSparseInput(data.layout().inputDim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(call + ": the data was prepared as sparse rows; " + e.getMessage(),
                        e);
            }
        }
    }

    private static Packing.Layout layout(Network network, CompileConfig config, boolean labelIsArray, String features) {
        return new Packing.Layout(network.inputDim(), Targets.of(config.loss(), network.outputDim(), labelIsArray),
                config.loss(), network.outputDim(), network.dtype(), features).checkedBy(network.layers().get(0));
    }

    private static CompileConfig requireCompiled(Sequential model, String call) {
        CompileConfig config = model.compileConfig();
        if (config == null) {
            throw new IllegalStateException(call + " called before compile: call compile(optimizer, loss, metrics) first");
        }
        return config;
    }

}
