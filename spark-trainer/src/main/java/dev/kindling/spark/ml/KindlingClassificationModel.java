// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.autodiff.NoGrad;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.OutputKind;
import dev.kindling.spark.PredictionColumns;
import dev.kindling.spark.SparkTrainer;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link KindlingClassifier}: {@code transform} runs the network where the data lives
 * ({@link SparkTrainer#predict(Sequential, Dataset, PredictionColumns)}, a GEMM per block of rows) and appends
 * {@code rawPrediction}, {@code probability} and {@code prediction}, under the names the Params give (an empty name
 * leaves a column out). Saved with {@code write().save(path)} as Spark ML metadata plus the core's model file.
 */
public final class KindlingClassificationModel
        extends ProbabilisticClassificationModel<Vector, KindlingClassificationModel>
        implements KindlingClassifierParams, KindlingModel, MLWritable {
    private static final String STAGE = "KindlingClassificationModel";

    private final KindlingParamSet params;
    private final Sequential model;
    private final KindlingTrainingSummary summary;
    private final OutputKind kind;

    KindlingClassificationModel(String uid, Sequential model, KindlingTrainingSummary summary) {
        this(ConstructingUid.begin(uid), model, summary);
    }

    private KindlingClassificationModel(ConstructingUid.Token constructing, Sequential model,
                                        KindlingTrainingSummary summary) {
        super();
        this.params = KindlingParamSet.constructed(this, true, KindlingClassifier.DEFAULT_LOSS);
        this.model = model;
        this.summary = summary;
        this.kind = OutputKind.of(model);
        if (kind == OutputKind.REGRESSION) {
            throw new IllegalArgumentException(STAGE + ": the network is a regression model (" + model.compileConfig()
                    + ")");
        }
    }

    @Override
    public String uid() {
        return KindlingParamSet.uidOf(params);
    }

    @Override
    public KindlingParamSet kindlingParamSet() {
        return params;
    }

    @Override
    public Sequential sequential() {
        return model;
    }

    @Override
    public KindlingTrainingSummary summary() {
        return summary;
    }

    public KindlingClassificationModel setThreshold(double value) {
        return (KindlingClassificationModel) set(threshold(), value);
    }

    public KindlingClassificationModel setHandleInvalid(String value) {
        return (KindlingClassificationModel) set(handleInvalid(), value);
    }

    public KindlingClassificationModel setRawPredictionCol(String value) {
        return (KindlingClassificationModel) set(rawPredictionCol(), value);
    }

    @Override
    public int numClasses() {
        return kind.classes(model.network().outputDim());
    }

    @Override
    public int numFeatures() {
        return model.network().inputDim();
    }

    // ---- transform: the network on blocks of rows, where the data lives ------------------------------------

    @Override
    public StructType transformSchema(StructType schema) {
        Map<String, String> outputs = KindlingClassifier.outputColumns(getRawPredictionCol(), getProbabilityCol(),
                getPredictionCol());
        Training.requireNewOutputs(schema, STAGE, outputs);
        if (isDefined(thresholds()) && getThresholds().length != numClasses()) {
            throw new IllegalArgumentException(STAGE + ": thresholds has " + getThresholds().length
                    + " values, the model has " + numClasses() + " classes");
        }
        StructType out = Training.withFeatures(schema, STAGE, getFeaturesCol(), super::transformSchema);
        List<String> names = model.classNames();
        if (names.isEmpty() || getPredictionCol().isEmpty()) {
            return out;
        }
        // The class names the label column's metadata had (StringIndexer's), so IndexToString needs no setLabels.
        StructField[] fields = out.fields().clone();
        int i = out.fieldIndex(getPredictionCol());
        fields[i] = NominalAttribute.defaultAttr().withName(getPredictionCol())
                .withValues(names.toArray(new String[0])).toStructField();
        return new StructType(fields);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        if (getRawPredictionCol().isEmpty() && getProbabilityCol().isEmpty() && getPredictionCol().isEmpty()) {
            return dataset.toDF(); // every output left out, as MLlib's models allow: nothing to compute
        }
        PredictionColumns columns = PredictionColumns.of(getFeaturesCol()).withPrediction(getPredictionCol())
                .withProbability(getProbabilityCol()).withRawPrediction(getRawPredictionCol())
                .withThreshold(getThreshold()).withThresholds(isDefined(thresholds()) ? getThresholds() : null);
        Dataset<Row> rows = Training.validRows(dataset, getFeaturesCol(), getHandleInvalid());
        Dataset<Row> predicted = SparkTrainer.create().predict(model, rows, columns);
        for (String column : new String[] {getRawPredictionCol(), getProbabilityCol(), getPredictionCol()}) {
            if (!column.isEmpty()) {
                // Spark ML's column metadata (number of classes, vector size), as MLlib's classifiers write it
                predicted = predicted.withMetadata(column, out.apply(column).metadata());
            }
        }
        return predicted;
    }

    // ---- one row at a time (Spark ML's predict/predictRaw/predictProbability API) -------------------------

    /** The last layer's output before its activation: the logits; {@code [-z, z]} for one sigmoid unit. */
    @Override
    public Vector predictRaw(Vector features) {
        Network network = model.network();
        Tensor z;
        try (NoGrad ignored = NoGrad.enter()) {
            z = Training.oneRow(STAGE, network, features).preActivation(network, model.weights(), null,
                    ForwardContext.inference()).value();
        }
        if (kind == OutputKind.BINARY) {
            return Vectors.dense(-z.getFlat(0), z.getFlat(0));
        }
        double[] raw = new double[z.size()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = z.getFlat(i);
        }
        return Vectors.dense(raw);
    }

    /** Softmax of the logits, or {@code [1-p, p]} with {@code p = sigmoid(z)} for one unit (the fit checks both). */
    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        double[] v = ((DenseVector) rawPrediction).values();
        if (kind == OutputKind.BINARY) {
            double p = 1 / (1 + Math.exp(-v[1]));
            v[0] = 1 - p;
            v[1] = p;
            return rawPrediction;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= sum;
        }
        return rawPrediction;
    }

    @Override
    public double raw2prediction(Vector rawPrediction) {
        return probability2prediction(raw2probability(rawPrediction));
    }

    /** The rule {@code transform} uses: argmax, {@code p > threshold} for one sigmoid unit, or MLlib's thresholds. */
    @Override
    public double probability2prediction(Vector probability) {
        return PredictionColumns.of(getFeaturesCol()).withThreshold(getThreshold())
                .withThresholds(isDefined(thresholds()) ? getThresholds() : null)
                .classOf(kind, probability.toArray());
    }

    @Override
    public double predict(Vector features) {
        return raw2prediction(predictRaw(features));
    }

    /**
     * Spark's own (used by summaries of binary models); restated only because javac sees two inherited signatures
     * of it, ClassificationModel's and ProbabilisticClassificationModel's, where Scala sees one.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        // a raw type: Scala's Tuple3 is covariant, Java's view of it is not, so no one generic type fits both
        return super.findSummaryModel();
    }

    // ---- copies and persistence --------------------------------------------------------------------------

    /** A copy with its own network (nothing shared: training one copy further leaves the other as it was). */
    @Override
    public KindlingClassificationModel copy(ParamMap extra) {
        KindlingClassificationModel copied = new KindlingClassificationModel(uid(), ModelData.copy(model), summary);
        return copyValues(copied, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelData.Writer<>(this, STAGE);
    }

    public static MLReader<KindlingClassificationModel> read() {
        return new ModelData.Reader<>(KindlingClassificationModel.class, STAGE, KindlingClassificationModel::new);
    }

    public static KindlingClassificationModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return STAGE + ": uid=" + uid() + ", numClasses=" + numClasses() + ", numFeatures=" + numFeatures()
                + ", layers=" + model.network().layers();
    }
}
