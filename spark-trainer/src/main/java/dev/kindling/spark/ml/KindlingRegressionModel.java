// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.model.Network;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.OutputKind;
import dev.kindling.spark.PredictionColumns;
import dev.kindling.spark.SparkTrainer;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link KindlingRegressor}: {@code transform} runs the network where the data lives
 * ({@link SparkTrainer#predict(Sequential, Dataset, PredictionColumns)}) and appends {@code prediction}, the
 * network's output value. Saved with {@code write().save(path)} as Spark ML metadata plus the core's model file.
 */
public final class KindlingRegressionModel extends RegressionModel<Vector, KindlingRegressionModel>
        implements KindlingParams, KindlingModel, MLWritable {
    private static final String STAGE = "KindlingRegressionModel";

    private final KindlingParamSet params;
    private final Sequential model;
    private final KindlingTrainingSummary summary;

    KindlingRegressionModel(String uid, Sequential model, KindlingTrainingSummary summary) {
        this(ConstructingUid.begin(uid), model, summary);
    }

    private KindlingRegressionModel(ConstructingUid.Token constructing, Sequential model,
                                    KindlingTrainingSummary summary) {
        super();
        this.params = KindlingParamSet.constructed(this, false, KindlingRegressor.DEFAULT_LOSS);
        if (OutputKind.of(model) != OutputKind.REGRESSION || model.network().outputDim() != 1) {
            throw new IllegalArgumentException(STAGE + ": the network is not a one-output regression model ("
                    + model.compileConfig() + ", " + model.network().outputDim() + " outputs)");
        }
        this.model = model;
        this.summary = summary;
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

    public KindlingRegressionModel setHandleInvalid(String value) {
        return (KindlingRegressionModel) set(handleInvalid(), value);
    }

    @Override
    public int numFeatures() {
        return model.network().inputDim();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Training.requireNewOutputs(schema, STAGE, Map.of("predictionCol", getPredictionCol()));
        return Training.withFeatures(schema, STAGE, getFeaturesCol(), super::transformSchema);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        if (getPredictionCol().isEmpty()) {
            return dataset.toDF();
        }
        Dataset<Row> rows = Training.validRows(dataset, getFeaturesCol(), getHandleInvalid());
        return SparkTrainer.create().predict(model, rows, PredictionColumns.of(getFeaturesCol())
                .withPrediction(getPredictionCol()).withProbability("").withRawPrediction(""));
    }

    /** One row on the driver (Spark ML's single-row API); {@code transform} works on blocks of rows instead. */
    @Override
    public double predict(Vector features) {
        Network network = model.network();
        return Training.oneRow(STAGE, network, features).predict(network, model.weights()).getFlat(0);
    }

    /** A copy with its own network (nothing shared: training one copy further leaves the other as it was). */
    @Override
    public KindlingRegressionModel copy(ParamMap extra) {
        KindlingRegressionModel copied = new KindlingRegressionModel(uid(), ModelData.copy(model), summary);
        return copyValues(copied, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelData.Writer<>(this, STAGE);
    }

    public static MLReader<KindlingRegressionModel> read() {
        return new ModelData.Reader<>(KindlingRegressionModel.class, STAGE, KindlingRegressionModel::new);
    }

    public static KindlingRegressionModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return STAGE + ": uid=" + uid() + ", numFeatures=" + numFeatures() + ", layers=" + model.network().layers();
    }
}
