// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.model.History;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.OutputKind;
import dev.kindling.spark.PredictionColumns;
import dev.kindling.spark.SparkTrainer;
import java.io.IOException;
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
        implements KindlingParams, MLWritable {
    private static final String STAGE = "KindlingRegressionModel";

    private final String uid;
    private final KindlingParamSet params;
    private final Sequential model;
    private final KindlingTrainingSummary summary;

    KindlingRegressionModel(String uid, Sequential model, KindlingTrainingSummary summary) {
        this(ConstructingUid.begin(uid), model, summary);
    }

    private KindlingRegressionModel(ConstructingUid.Token constructing, Sequential model,
                                    KindlingTrainingSummary summary) {
        super();
        this.uid = ConstructingUid.end();
        this.params = new KindlingParamSet(this, false);
        params.setDefaults(this, KindlingRegressor.DEFAULT_LOSS.keyword());
        if (OutputKind.of(model) != OutputKind.REGRESSION || model.network().outputDim() != 1) {
            throw new IllegalArgumentException(STAGE + ": the network is not a one-output regression model ("
                    + model.compileConfig() + ", " + model.network().outputDim() + " outputs)");
        }
        this.model = model;
        this.summary = summary;
    }

    @Override
    public String uid() {
        return uid != null ? uid : ConstructingUid.current();
    }

    @Override
    public KindlingParamSet kindlingParamSet() {
        return params;
    }

    /** The trained network (the model's own: changing it changes what this model predicts). */
    public Sequential sequential() {
        return model;
    }

    /**
     * Writes the trained network as an ONNX file (opset 13, input {@code input}, output {@code output}, a dynamic
     * batch axis) to {@code pathOrUri} on any Hadoop file system, atomically; ONNX Runtime and every ONNX reader
     * score it. See {@code Sequential.exportOnnx}.
     */
    public void exportOnnx(String pathOrUri) throws java.io.IOException {
        dev.kindling.spark.io.ModelExports.write(model, dev.kindling.spark.io.ModelExports.Format.ONNX, pathOrUri);
    }

    /**
     * Writes the trained network in Keras 3's {@code .keras} format (architecture and weights) to {@code pathOrUri}
     * on any Hadoop file system, atomically. See {@code Sequential.exportKeras}.
     */
    public void exportKeras(String pathOrUri) throws java.io.IOException {
        dev.kindling.spark.io.ModelExports.write(model, dev.kindling.spark.io.ModelExports.Format.KERAS, pathOrUri);
    }

    /** Keras's per-epoch history of the fit. */
    public History history() {
        return summary.history();
    }

    public KindlingTrainingSummary summary() {
        return summary;
    }

    /** Always true: the summary holds numbers only, so it survives save and load. */
    public boolean hasSummary() {
        return true;
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
        if (features.size() != network.inputDim()) {
            throw new IllegalArgumentException(STAGE + ": expected " + network.inputDim() + " features, got "
                    + features.size());
        }
        return Training.oneRow(network, features).predict(network, model.weights()).getFlat(0);
    }

    /** A copy with its own network (nothing shared: training one copy further leaves the other as it was). */
    @Override
    public KindlingRegressionModel copy(ParamMap extra) {
        KindlingRegressionModel copied = new KindlingRegressionModel(uid, ModelData.copy(model), summary);
        return copyValues(copied, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<KindlingRegressionModel> read() {
        return new Reader();
    }

    public static KindlingRegressionModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return STAGE + ": uid=" + uid + ", numFeatures=" + numFeatures() + ", layers=" + model.network().layers();
    }

    private static final class Writer extends MLWriter {
        private final KindlingRegressionModel instance;

        Writer(KindlingRegressionModel instance) {
            this.instance = instance;
        }

        @Override
        public void saveImpl(String path) {
            try {
                ModelData.save(instance, path, sparkSession(), instance.model, instance.summary);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(STAGE + ": saving to " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    private static final class Reader extends MLReader<KindlingRegressionModel> {
        @Override
        public KindlingRegressionModel load(String path) {
            try {
                ModelData.Loaded loaded = ModelData.load(path, sparkSession(), KindlingRegressionModel.class.getName());
                KindlingRegressionModel model = new KindlingRegressionModel(loaded.metadata().uid(), loaded.model(),
                        loaded.summary());
                loaded.metadata().getAndSetParams(model, scala.Option.empty());
                return model;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(STAGE + ": loading " + path + " failed: " + e.getMessage(), e);
            }
        }
    }
}
