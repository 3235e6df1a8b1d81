// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.registry.Registry;
import dev.kindling.spark.OutputKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML classifier that trains a Kindling network data-parallel ({@link dev.kindling.spark.SparkTrainer}):
 * <pre>{@code
 * KindlingClassifier kindling = new KindlingClassifier()
 *     .setLayers(new Dense(512, Activation.RELU), new Dense(10, Activation.SOFTMAX))   // or "dense(512, relu), dense(10, softmax)"
 *     .setOptimizer(Optimizer.rmsprop()).setLoss(Loss.CATEGORICAL_CROSSENTROPY)
 *     .setEpochs(5).setBatchSize(128).setValidationSplit(0.2).setSeed(1);
 * PipelineModel model = new Pipeline().setStages(new PipelineStage[] {assembler, scaler, kindling}).fit(train);
 * model.transform(test);   // + rawPrediction, probability, prediction
 * }</pre>
 * Labels are class indices 0, 1, ... (a {@code StringIndexer} makes them from strings). Two architectures:
 * <ul>
 *   <li>a softmax last layer with one unit per class, {@code categorical_crossentropy} (the default; the label is
 *       one-hot encoded for it) or {@code sparse_categorical_crossentropy}: the class is the argmax;</li>
 *   <li>one sigmoid unit with {@code binary_crossentropy}, labels 0 and 1: class 1 when {@code p > threshold}
 *       (0.5, as Keras), with probability {@code [1-p, p]} and rawPrediction {@code [-z, z]} for the logit z.</li>
 * </ul>
 * Both are checked, with the label column's metadata when it has any, before any job. MLlib's {@code thresholds}
 * work as in MLlib. The fitted model holds the trained {@code Sequential}, its history and a training summary.
 */
public final class KindlingClassifier
        extends ProbabilisticClassifier<Vector, KindlingClassifier, KindlingClassificationModel>
        implements KindlingClassifierParams, KindlingEstimator<KindlingClassifier>, DefaultParamsWritable {
    static final Loss DEFAULT_LOSS = Loss.CATEGORICAL_CROSSENTROPY;
    private static final String STAGE = "KindlingClassifier";

    private final KindlingParamSet params;

    public KindlingClassifier() {
        this(Identifiable$.MODULE$.randomUID("kindlingClassifier"));
    }

    public KindlingClassifier(String uid) {
        this(ConstructingUid.begin(uid));
    }

    private KindlingClassifier(ConstructingUid.Token constructing) {
        super();
        this.params = KindlingParamSet.constructed(this, true, DEFAULT_LOSS);
    }

    @Override
    public String uid() {
        return KindlingParamSet.uidOf(params);
    }

    @Override
    public KindlingParamSet kindlingParamSet() {
        return params;
    }

    // ---- setters (the shared ones are KindlingEstimator's) ---------------------------------------------------

    public KindlingClassifier setThreshold(double value) {
        return (KindlingClassifier) set(threshold(), value);
    }

    // ---- Spark ML --------------------------------------------------------------------------------------------

    @Override
    public StructType transformSchema(StructType schema) {
        Training.requireNumericLabel(schema, STAGE, getLabelCol());
        Training.requireNewOutputs(schema, STAGE,
                outputColumns(getRawPredictionCol(), getProbabilityCol(), getPredictionCol()));
        return Training.withFeatures(schema, STAGE, getFeaturesCol(), super::transformSchema);
    }

    /** The output columns a classifier stage writes, by Param name, in the order they are appended. */
    static Map<String, String> outputColumns(String rawPrediction, String probability, String prediction) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("rawPredictionCol", rawPrediction);
        out.put("probabilityCol", probability);
        out.put("predictionCol", prediction);
        return out;
    }

    @Override
    public KindlingClassificationModel train(Dataset<?> dataset) {
        String labelCol = getLabelCol();
        Attribute label = Attribute.fromStructField(dataset.schema().apply(labelCol));
        int labelClasses = label instanceof NominalAttribute nominal && nominal.getNumValues().isDefined()
                ? (Integer) nominal.getNumValues().get() : -1;
        boolean binary = Registry.loss(getLoss()) == Loss.BINARY_CROSSENTROPY;
        Training.Fitted fitted = Training.fit(this, STAGE, dataset, getFeaturesCol(), labelCol, labelClasses,
                KindlingClassifier::checkArchitecture,
                rows -> {
                    if (binary) {
                        requireZeroOrOne(rows, labelCol);
                    }
                },
                Metric.ACCURACY);
        // StringIndexer's class names travel with the model (saved in its file) when they name every class.
        if (label instanceof NominalAttribute nominal && nominal.values().isDefined()) {
            String[] names = nominal.values().get();
            if (names.length == OutputKind.of(fitted.model()).classes(fitted.model().network().outputDim())) {
                fitted.model().classNames(java.util.List.of(names));
            }
        }
        return new KindlingClassificationModel(uid(), fitted.model(), fitted.summary());
    }

    /** What the two classifier architectures need, checked before any job. */
    static void checkArchitecture(List<Layer> layers, Loss loss, int outputs, int labelClasses) {
        Activation last = Training.lastActivation(layers);
        Layer lastLayer = layers.get(layers.size() - 1);
        if (loss == Loss.BINARY_CROSSENTROPY) {
            if (outputs != 1 || last != Activation.SIGMOID) {
                throw new IllegalArgumentException(STAGE + ": binary_crossentropy needs one sigmoid unit last, as "
                        + "Keras's layer_dense(units = 1, activation = \"sigmoid\"); the last layer is " + lastLayer
                        + " with " + outputs + " output(s)");
            }
        } else if (loss == Loss.CATEGORICAL_CROSSENTROPY || loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY) {
            if (outputs < 2 || last != Activation.SOFTMAX) {
                throw new IllegalArgumentException(STAGE + ": " + loss.keyword() + " needs a softmax last layer with"
                        + " one unit per class (at least 2); the last layer is " + lastLayer + " with " + outputs
                        + " output(s) (for two classes with one sigmoid unit, use binary_crossentropy)");
            }
        } else if (loss == Loss.MEAN_SQUARED_ERROR) {
            throw new IllegalArgumentException(STAGE + ": loss " + loss.keyword() + " does not classify; use "
                    + "KindlingRegressor for " + loss.keyword());
        } else if (!(outputs >= 2 && last == Activation.SOFTMAX || outputs == 1 && last == Activation.SIGMOID)) {
            // A registered loss of the user's own: the classes are read from the activation, as OutputKind does.
            throw new IllegalArgumentException(STAGE + ": with the loss " + loss.keyword() + " the last layer must"
                    + " be softmax over the classes or one sigmoid unit; the last layer is " + lastLayer + " with "
                    + outputs + " output(s)");
        }
        int classes = outputs == 1 ? 2 : outputs;
        if (labelClasses > classes) {
            throw new IllegalArgumentException(STAGE + ": the label column's metadata declares " + labelClasses
                    + " classes but the network tells apart " + classes + ": give the last layer " + labelClasses
                    + " units");
        }
    }

    /** One job: a label other than 0 or 1 would otherwise train as a soft target. */
    private static void requireZeroOrOne(Dataset<Row> rows, String labelCol) {
        Row[] bad = (Row[]) rows.filter(functions.col(labelCol).isNull()
                .or(functions.col(labelCol).notEqual(0.0).and(functions.col(labelCol).notEqual(1.0))))
                .select(labelCol).head(1);
        if (bad.length > 0) {
            throw new dev.kindling.spark.DataException(STAGE + ": label column '" + labelCol + "' has the value "
                    + bad[0].get(0) + "; one sigmoid unit with binary_crossentropy needs labels 0 and 1");
        }
    }

    @Override
    public KindlingClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<KindlingClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static KindlingClassifier load(String path) {
        return read().load(path);
    }
}
