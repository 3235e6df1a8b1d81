// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.losses.Loss;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.DataException;
import dev.kindling.spark.JobCounter;
import dev.kindling.spark.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input to the Kindling stages: a clear error naming the problem, before any Spark job when the schema or the
 * Params show it; rows with null or NaN features fail naming the row, or are skipped with handleInvalid=skip.
 */
class KindlingBadInputTest {

    private static Dataset<Row> blobs() {
        Object[] data = TestSpark.blobs(60, 9);
        return TestSpark.frame(TestSpark.local(), (Tensor) data[0], (int[]) data[1], 2);
    }

    private static KindlingClassifier small() {
        return new KindlingClassifier().setLayers("dense(8, relu), dense(3, softmax)").setEpochs(1).setVerbose(0);
    }

    /** Runs {@code call}, which must throw {@code type} with every fragment in its message, and start no job. */
    private static <T extends Throwable> void failsBeforeAnyJob(Class<T> type, Executable call, String... fragments) {
        JobCounter jobs = JobCounter.on(TestSpark.local());
        T e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        assertEquals(0, jobs.started(), "no Spark job ran before the error: " + e.getMessage());
    }

    @Test
    void outputColumnsTheDataAlreadyHasFailBeforeAnyJob() {
        Dataset<Row> clash = blobs().withColumn("prediction", functions.lit(0.0));
        failsBeforeAnyJob(IllegalArgumentException.class, () -> small().fit(clash),
                "KindlingClassifier: output column 'prediction' (predictionCol) already exists in the data, which has "
                        + "columns features, label, prediction", "setPredictionCol");

        KindlingClassificationModel model = small().fit(blobs());
        Dataset<Row> withProbability = blobs().withColumn("probability", functions.lit(1.0));
        failsBeforeAnyJob(IllegalArgumentException.class, () -> model.transform(withProbability),
                "KindlingClassificationModel: output column 'probability' (probabilityCol) already exists");
        failsBeforeAnyJob(IllegalArgumentException.class,
                () -> model.copy(new org.apache.spark.ml.param.ParamMap()).setProbabilityCol("rawPrediction")
                        .transform(blobs()), "rawPredictionCol and probabilityCol both name the column 'rawPrediction'");
        // Leaving the clashing output out ("" as in Spark ML) works.
        assertEquals(60, model.copy(new org.apache.spark.ml.param.ParamMap()).setProbabilityCol("")
                .transform(withProbability).count());

        KindlingRegressor regressor = new KindlingRegressor().setLayers("dense(1, linear)").setVerbose(0);
        failsBeforeAnyJob(IllegalArgumentException.class, () -> regressor.fit(clash),
                "KindlingRegressor: output column 'prediction' (predictionCol) already exists");
    }

    @Test
    void missingColumnsAndArchitecturesThatCannotWorkFailBeforeAnyJob() {
        failsBeforeAnyJob(IllegalArgumentException.class, () -> small().setFeaturesCol("pixels").fit(blobs()),
                "the features column 'pixels' (featuresCol) is not in the data, which has columns features, label");
        failsBeforeAnyJob(IllegalArgumentException.class, () -> new KindlingClassifier().fit(blobs()),
                "layers are not set");
        failsBeforeAnyJob(IllegalArgumentException.class,
                () -> small().setLoss(Loss.BINARY_CROSSENTROPY).fit(blobs()),
                "binary_crossentropy needs one sigmoid unit last");
        failsBeforeAnyJob(IllegalArgumentException.class,
                () -> small().setLayers("dense(1, sigmoid)").fit(blobs()),
                "categorical_crossentropy needs a softmax last layer", "use binary_crossentropy");
        failsBeforeAnyJob(IllegalArgumentException.class,
                () -> new KindlingRegressor().setLayers("dense(3, linear)").fit(blobs()),
                "the last layer needs 1 unit");
        Dataset<Row> fiveClasses = blobs().withColumn("label", functions.col("label")
                .as("label", NominalAttribute.defaultAttr().withNumValues(5).toMetadata()));
        failsBeforeAnyJob(IllegalArgumentException.class, () -> small().fit(fiveClasses),
                "the label column's metadata declares 5 classes but the network tells apart 3");
        KindlingClassificationModel model = small().fit(blobs());
        failsBeforeAnyJob(IllegalArgumentException.class,
                () -> model.copy(new org.apache.spark.ml.param.ParamMap().put(model.thresholds().w(new double[] {1, 1})))
                        .transform(blobs()), "thresholds has 2 values, the model has 3 classes");
    }

    @Test
    void labelsOtherThanZeroOrOneFailForOneSigmoidUnit() {
        KindlingClassifier binary = new KindlingClassifier().setLayers("dense(1, sigmoid)")
                .setLoss(Loss.BINARY_CROSSENTROPY).setVerbose(0);
        DataException e = assertThrows(DataException.class, () -> binary.fit(blobs()));
        assertTrue(e.getMessage().contains("label column 'label' has the value 2.0")
                && e.getMessage().contains("needs labels 0 and 1"), e.getMessage());
    }

    /** 30 rows; with {@code allBad} rows 4 (null), 11 (NaN) and 17 (infinity) are bad, else row 4 only. */
    private static Dataset<Row> withBadRows(boolean allBad) {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 30; r++) {
            Object features = r == 4 ? null : Vectors.dense(r % 3, allBad && r == 11 ? Double.NaN : 1.0,
                    allBad && r == 17 ? Double.POSITIVE_INFINITY : 0.5);
            rows.add(RowFactory.create(features, (double) (r % 3)));
        }
        SparkSession spark = TestSpark.local();
        return spark.createDataFrame(rows, TestSpark.SCHEMA).repartition(1);
    }

    @Test
    void handleInvalidErrorNamesTheRowSkipLeavesTheRowsOut() {
        // One bad row, so that the message is known whichever task reads it first.
        DataException e = assertThrows(DataException.class, () -> small().fit(withBadRows(false)));
        assertTrue(e.getMessage().contains("features column 'features', row 4: null"), e.getMessage());

        KindlingClassificationModel model = small().setHandleInvalid("skip").fit(withBadRows(true));
        assertEquals(27, model.transform(withBadRows(true)).count(), "rows 4, 11 and 17 left out");

        KindlingClassificationModel strict = model.copy(new org.apache.spark.ml.param.ParamMap())
                .setHandleInvalid("error");
        Exception failure = assertThrows(Exception.class, () -> strict.transform(withBadRows(false)).collectAsList());
        String message = String.valueOf(failure.getMessage());
        for (Throwable t = failure; t != null; t = t.getCause()) {
            message += " | " + t.getMessage();
        }
        assertTrue(message.contains("features column 'features', row 4 of partition 0: null"), message);
    }
}
