// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML regressor that trains a Kindling network data-parallel ({@link dev.kindling.spark.SparkTrainer}) with
 * mean squared error; the last layer has one unit (usually linear), whose value is the prediction:
 * <pre>{@code
 * KindlingRegressor kindling = new KindlingRegressor()
 *     .setLayers("dense(64, relu), dense(1, linear)").setOptimizer(Optimizer.adam()).setEpochs(20);
 * PipelineModel model = new Pipeline().setStages(new PipelineStage[] {assembler, scaler, kindling}).fit(train);
 * model.transform(test);   // + prediction
 * }</pre>
 */
public final class KindlingRegressor extends Regressor<Vector, KindlingRegressor, KindlingRegressionModel>
        implements KindlingEstimator<KindlingRegressor>, DefaultParamsWritable {
    static final Loss DEFAULT_LOSS = Loss.MEAN_SQUARED_ERROR;
    private static final String STAGE = "KindlingRegressor";

    private final KindlingParamSet params;

    public KindlingRegressor() {
        this(Identifiable$.MODULE$.randomUID("kindlingRegressor"));
    }

    public KindlingRegressor(String uid) {
        this(ConstructingUid.begin(uid));
    }

    private KindlingRegressor(ConstructingUid.Token constructing) {
        super();
        this.params = KindlingParamSet.constructed(this, false, DEFAULT_LOSS);
    }

    @Override
    public String uid() {
        return KindlingParamSet.uidOf(params);
    }

    @Override
    public KindlingParamSet kindlingParamSet() {
        return params;
    }

    // The setters are KindlingEstimator's, shared with KindlingClassifier.

    // ---- Spark ML --------------------------------------------------------------------------------------------

    @Override
    public StructType transformSchema(StructType schema) {
        Training.requireNumericLabel(schema, STAGE, getLabelCol());
        Training.requireNewOutputs(schema, STAGE, Map.of("predictionCol", getPredictionCol()));
        return Training.withFeatures(schema, STAGE, getFeaturesCol(), super::transformSchema);
    }

    @Override
    public KindlingRegressionModel train(Dataset<?> dataset) {
        Training.Fitted fitted = Training.fit(this, STAGE, dataset, getFeaturesCol(), getLabelCol(), -1,
                KindlingRegressor::checkArchitecture, rows -> { });
        return new KindlingRegressionModel(uid(), fitted.model(), fitted.summary());
    }

    /** One output unit: a Spark ML regression model predicts one number per row. */
    static void checkArchitecture(List<Layer> layers, Loss loss, int outputs, int labelClasses) {
        if (loss == Loss.CATEGORICAL_CROSSENTROPY || loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY
                || loss == Loss.BINARY_CROSSENTROPY) {
            throw new IllegalArgumentException(STAGE + ": loss " + loss.keyword() + " is not a regression loss; use"
                    + " KindlingClassifier for it");
        }
        if (outputs != 1) {
            throw new IllegalArgumentException(STAGE + ": predicts one value per row, so the last layer needs 1 unit;"
                    + " the last layer is " + layers.get(layers.size() - 1) + " with " + outputs + " outputs");
        }
    }

    @Override
    public KindlingRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<KindlingRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static KindlingRegressor load(String path) {
        return read().load(path);
    }
}
