// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.SparseInput;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.EpochLogs;
import dev.kindling.core.model.Features;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.ProgressPrinter;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.Columns;
import dev.kindling.spark.SparkTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What the Kindling estimators and models share: the schema checks made on the driver before any job, the
 * {@code handleInvalid} filter, and the fit itself, which is {@link SparkTrainer#fit} on a {@code Sequential}
 * made from the Params.
 */
final class Training {
    private Training() {
    }

    /** A fitted network and what its fit did. */
    record Fitted(Sequential model, KindlingTrainingSummary summary) {
    }

    /** The layer, loss and label checks a stage makes before any job; throws with the reason. */
    interface ArchitectureCheck {
        void check(List<Layer> layers, Loss loss, int outputs, int labelClasses);
    }

    // ---- schema checks ------------------------------------------------------------------------------------

    static void requireColumn(StructType schema, String stage, String role, String param, String column) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException(stage + ": the " + role + " column '" + column + "' (" + param
                    + ") is not in the data, which has columns " + String.join(", ", schema.fieldNames()));
        }
    }

    /**
     * Spark's {@code Predictor} checks (in {@code spark}, a super {@code transformSchema}) that the features column
     * is a vector; Kindling takes an array of numbers too, as {@link SparkTrainer} and the app do. The check and the
     * output columns are Spark's, made with the array seen as a vector; the features column keeps its own type.
     */
    static StructType withFeatures(StructType schema, String stage, String featuresCol,
                                   java.util.function.UnaryOperator<StructType> spark) {
        requireColumn(schema, stage, "features", "featuresCol", featuresCol);
        StructField field = schema.apply(featuresCol);
        DataType type = field.dataType();
        if (type instanceof VectorUDT) {
            return spark.apply(schema);
        }
        if (!(type instanceof ArrayType array && array.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException(stage + ": the features column '" + featuresCol + "' has type "
                    + type.simpleString() + ", expected a vector (VectorAssembler's) or an array of numbers"
                    + " (array<float>, array<double>)");
        }
        int i = schema.fieldIndex(featuresCol);
        StructField[] asVector = schema.fields().clone();
        asVector[i] = new StructField(featuresCol, SQLDataTypes.VectorType(), field.nullable(), field.metadata());
        StructField[] out = spark.apply(new StructType(asVector)).fields().clone();
        out[i] = field;
        return new StructType(out);
    }

    /**
     * One row of features for the single-row API ({@code predict(Vector)}): a sparse vector stays sparse when the
     * first layer takes sparse rows, as {@code transform} and training do; otherwise its values, dense. Its size
     * must be the network's input width ({@code stage} names the model in the error).
     */
    static Features oneRow(String stage, Network network, Vector features) {
        if (features.size() != network.inputDim()) {
            throw new IllegalArgumentException(stage + ": expected " + network.inputDim() + " features, got "
                    + features.size());
        }
        if (features instanceof SparseVector v && network.layers().get(0) instanceof SparseInput) {
            SparseRows.Builder row = new SparseRows.Builder(v.size());
            for (int k = 0; k < v.indices().length; k++) {
                row.add(v.indices()[k], v.values()[k]);
            }
            row.endRow();
            return Features.sparse(row.build().astype(network.dtype()));
        }
        return Features.dense(Tensor.of(features.toArray(), 1, network.inputDim()).astype(network.dtype()));
    }

    /** Whether the features column is an array of numbers rather than a vector. */
    static boolean arrayFeatures(StructType schema, String featuresCol) {
        return schema.apply(featuresCol).dataType() instanceof ArrayType;
    }

    static void requireNumericLabel(StructType schema, String stage, String column) {
        requireColumn(schema, stage, "label", "labelCol", column);
        if (!(schema.apply(column).dataType() instanceof NumericType)) {
            throw new IllegalArgumentException(stage + ": the label column '" + column + "' has type "
                    + schema.apply(column).dataType().simpleString() + ", expected a number (a class index for a "
                    + "classifier: StringIndexer makes one from strings)");
        }
    }

    /**
     * Output columns (Param name to column name; empty names are not written) must be new and distinct: Spark would
     * fail later with "Column prediction already exists", or silently replace a column.
     */
    static void requireNewOutputs(StructType schema, String stage, Map<String, String> outputs) {
        List<String> existing = Arrays.asList(schema.fieldNames());
        Map<String, String> seen = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : outputs.entrySet()) {
            String column = e.getValue();
            if (column == null || column.isEmpty()) {
                continue;
            }
            if (existing.contains(column)) {
                throw new IllegalArgumentException(stage + ": output column '" + column + "' (" + e.getKey()
                        + ") already exists in the data, which has columns " + String.join(", ", existing)
                        + ": drop or rename that column, or set" + Character.toUpperCase(e.getKey().charAt(0))
                        + e.getKey().substring(1) + " to another name (\"\" leaves it out)");
            }
            String other = seen.put(column, e.getKey());
            if (other != null) {
                throw new IllegalArgumentException(stage + ": " + other + " and " + e.getKey() + " both name the column '"
                        + column + "': give each its own name");
            }
        }
    }

    // ---- invalid rows --------------------------------------------------------------------------------------

    /**
     * With {@code skip}, the rows whose features are null or hold NaN or an infinity are left out; with
     * {@code error} the data is returned as it is, and the trainer fails on such a row naming it.
     */
    static Dataset<Row> validRows(Dataset<?> data, String featuresCol, String handleInvalid) {
        Dataset<Row> rows = data.toDF();
        if (!KindlingParamSet.SKIP.equals(handleInvalid)) {
            return rows;
        }
        Column features = rows.col(featuresCol);
        Column values = arrayFeatures(rows.schema(), featuresCol) ? features.cast("array<double>")
                : functions.vector_to_array(features, "float64");
        Column finite = org.apache.spark.sql.functions.forall(values,
                x -> org.apache.spark.sql.functions.not(org.apache.spark.sql.functions.isnan(x))
                        .and(org.apache.spark.sql.functions.abs(x).lt(Double.POSITIVE_INFINITY)));
        return rows.filter(features.isNotNull().and(finite));
    }

    // ---- the fit ------------------------------------------------------------------------------------------

    /**
     * Output width of the layers, known before the features' width: a first layer that declares its input shape
     * (a convnet's {@code withInputShape(28, 28, 1)}) fixes it; otherwise the rows are vectors, and a network of
     * dense layers ends with its last Dense's units whatever their width (1 stands in for it).
     */
    static int outputs(List<Layer> layers, String stage) {
        Shape shape = layers.get(0).inputShape() != null ? layers.get(0).inputShape() : Shape.of(1);
        try {
            for (Layer l : layers) {
                shape = l.outputShape(shape);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(stage + ": layers " + layers + " take vector features unless the first"
                    + " layer declares its input shape (withInputShape(28, 28, 1)): " + e.getMessage(), e);
        }
        return shape.size();
    }

    static Activation lastActivation(List<Layer> layers) {
        return layers.get(layers.size() - 1).activation();
    }

    /**
     * Builds the network from the Params, checks it before any job, and trains it with {@link SparkTrainer}.
     *
     * @param labelClasses the number of classes the label column's metadata declares, or -1
     * @param rowsCheck    a check of the rows to train on that needs a job (run before training), or none
     */
    static Fitted fit(KindlingParams params, String stage, Dataset<?> dataset, String featuresCol, String labelCol,
                      int labelClasses, ArchitectureCheck check, Consumer<Dataset<Row>> rowsCheck,
                      Metric... metrics) {
        boolean onBase = params.isDefined(params.initialModel());
        if (!params.isDefined(params.layers()) && !onBase) {
            throw new IllegalArgumentException(stage + ": layers are not set: setLayers(new Dense(64, Activation.RELU),"
                    + " new Dense(10, Activation.SOFTMAX)) or setLayers(\"dense(64, relu), dense(10, softmax)\")");
        }
        List<Layer> head = params.isDefined(params.layers()) ? params.getLayers() : List.of();
        Sequential base = onBase ? initialModel(params, dataset, stage) : null;
        int keep = base == null ? 0 : params.getInitialLayers() == 0 ? base.layers().size() : params.getInitialLayers();
        if (base != null && keep > base.layers().size()) {
            throw new IllegalArgumentException(stage + ": initialLayers is " + keep + " but the initial model "
                    + params.getInitialModel() + " has " + base.layers().size() + " layers " + base.layerNames());
        }
        List<Layer> layers = new ArrayList<>(base == null ? List.of() : base.layers().subList(0, keep));
        layers.addAll(head);
        Loss loss = Registry.loss(params.getLoss());
        check.check(layers, loss, outputs(layers, stage), labelClasses);
        if (params.getFrozenLayers() > layers.size()) {
            throw new IllegalArgumentException(stage + ": frozenLayers is " + params.getFrozenLayers() + " but the"
                    + " network has " + layers.size() + " layers");
        }

        Sequential network;
        try {
            network = base == null ? new Sequential(layers).seed(params.getSeed())
                    : Sequential.fromBase(base, keep).add(head.toArray(new Layer[0])).seed(params.getSeed()).build();
            int width = arrayFeatures(dataset.schema(), featuresCol) ? -1
                    : AttributeGroup.fromStructField(dataset.schema().apply(featuresCol)).size();
            if (width > 0) {
                // VectorAssembler and friends record the width: the network is built, and checked, before any job
                network.build(width);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(stage + ": layers " + layers + " do not fit the features column '"
                    + featuresCol + "': " + e.getMessage(), e);
        }
        if (params.getFrozenLayers() > 0) {
            if (!network.isBuilt()) {
                throw new IllegalArgumentException(stage + ": frozenLayers needs the features' width before the fit:"
                        + " a features column with ML attributes (VectorAssembler's), a first layer that declares its"
                        + " input shape, or an initialModel");
            }
            network.freezeWeights(0, params.getFrozenLayers() - 1);
        }
        network.compile(params.effectiveOptimizer(), loss, metrics);

        Recorder recorder = new Recorder();
        List<TrainingListener> listeners = new ArrayList<>(List.of(recorder));
        if (params.getVerbose() == 1) {
            listeners.add(new ProgressPrinter(System.out));
        }
        FitOptions options = FitOptions.builder().epochs(params.getEpochs()).batchSize(params.getBatchSize())
                .validationSplit(params.getValidationSplit()).seed(params.getSeed())
                .listeners(listeners.toArray(new TrainingListener[0])).build();
        Dataset<Row> rows = validRows(dataset.select(featuresCol, labelCol), featuresCol, params.getHandleInvalid());
        rowsCheck.accept(rows);
        long start = System.nanoTime();
        SparkTrainer.create().withPartitions(params.getPartitions()).withStepsPerJob(params.getStepsPerJob())
                .fit(network, rows, Columns.of(featuresCol, labelCol), options);
        return new Fitted(network, new KindlingTrainingSummary(recorder.epochs, (System.nanoTime() - start) / 1e9));
    }

    /** The saved model of the {@code initialModel} Param, read through Hadoop's file system API. */
    private static Sequential initialModel(KindlingParams params, Dataset<?> dataset, String stage) {
        String path = params.getInitialModel();
        try {
            dev.kindling.spark.io.HadoopFiles.Location location = dev.kindling.spark.io.HadoopFiles.locate(
                    dataset.sparkSession().sparkContext().hadoopConfiguration(), path);
            if (!dev.kindling.spark.io.HadoopFiles.isFile(location)) {
                throw new IllegalArgumentException(stage + ": initialModel: no saved model at " + path);
            }
            try (java.io.InputStream in = dev.kindling.spark.io.HadoopFiles.open(location)) {
                return Sequential.load(in, location.toString());
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(stage + ": initialModel " + path + ": " + e.getMessage(), e);
        }
    }

    /** Keeps each epoch's logs for the summary. */
    private static final class Recorder implements TrainingListener {
        final List<EpochLogs> epochs = new ArrayList<>();

        @Override
        public void onEpochEnd(EpochLogs logs) {
            epochs.add(logs);
        }
    }
}
