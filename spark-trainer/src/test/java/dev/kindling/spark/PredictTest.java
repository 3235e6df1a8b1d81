// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/** What predict writes for each kind of output, and the checks it makes before any job. */
class PredictTest {
    private static final FitOptions QUIET = FitOptions.builder().epochs(20).batchSize(16).seed(3).listeners().build();

    /** 1-d points: class 1 above 0, class 0 below; the same points with y = 3x - 1 for regression. */
    private static Object[] line(int n, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (4 * rng.nextDouble() - 2);
            labels[i] = x[i] > 0 ? 1 : 0;
        }
        return new Object[] {Tensor.of(x, n, 1), labels};
    }

    @Test
    void oneSigmoidUnitPredictsClassOneAboveOneHalfWithTwoProbabilities() {
        SparkSession spark = TestSpark.local();
        Object[] data = line(200, 1);
        Tensor x = (Tensor) data[0];
        Dataset<Row> frame = TestSpark.frame(spark, x, (int[]) data[1], 2);
        Sequential model = new Sequential(new Dense(1, Activation.SIGMOID, 1)).seed(1);
        model.compile(Optimizer.sgd(0.5), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(model, frame, Columns.defaults(), QUIET);
        assertEquals(OutputKind.BINARY, OutputKind.of(model));

        List<Row> rows = trainer.predict(model, frame, PredictionColumns.of("features").withRawPrediction("raw"))
                .select("raw", "probability", "prediction", "label").collectAsList();
        Tensor p = model.predict(x);
        int[] local = model.predictClasses(x);
        int ones = 0;
        for (int i = 0; i < rows.size(); i++) {
            Vector raw = rows.get(i).getAs(0);
            Vector probability = rows.get(i).getAs(1);
            double prediction = rows.get(i).getDouble(2);
            assertEquals(2, probability.size());
            assertEquals(p.getFlat(i), probability.apply(1), Tolerances.FLOAT32, "row " + i);
            assertEquals(1 - p.getFlat(i), probability.apply(0), Tolerances.FLOAT32, "row " + i);
            assertEquals(-raw.apply(1), raw.apply(0), 0.0, "raw is [-z, z]");
            assertEquals(raw.apply(1) > 0, probability.apply(1) > 0.5, "z > 0 exactly when p > 0.5, row " + i);
            assertEquals(probability.apply(1) > 0.5 ? 1.0 : 0.0, prediction, 0.0, "row " + i);
            assertEquals(local[i], prediction, 0.0, "Spark agrees with predictClasses, row " + i);
            ones += (int) prediction;
        }
        assertTrue(ones > 50 && ones < 150, "the bug this pins predicted 0 for every row; ones: " + ones);
        long correct = rows.stream().filter(r -> r.getDouble(2) == r.getDouble(3)).count();
        assertTrue(correct >= 190, "correct " + correct + " of 200");

        // A threshold of 0.9 predicts 1 only where p > 0.9; MLlib's thresholds [0.1, 0.9] say the same.
        List<Row> strict = trainer.predict(model, frame, PredictionColumns.of("features").withThreshold(0.9))
                .select("probability", "prediction").collectAsList();
        List<Row> scaled = trainer.predict(model, frame, PredictionColumns.of("features").withThresholds(0.1, 0.9))
                .select("prediction").collectAsList();
        for (int i = 0; i < strict.size(); i++) {
            double p1 = ((Vector) strict.get(i).getAs(0)).apply(1);
            assertEquals(p1 > 0.9 ? 1.0 : 0.0, strict.get(i).getDouble(1), 0.0, "row " + i + ", p = " + p1);
            if (Math.abs(p1 - 0.9) > 1e-9) {
                assertEquals(strict.get(i).getDouble(1), scaled.get(i).getDouble(0), 0.0, "row " + i);
            }
        }
    }

    @Test
    void aRegressionModelWritesItsValueAndNoProbability() {
        SparkSession spark = TestSpark.local();
        Object[] data = line(200, 2);
        Tensor x = (Tensor) data[0];
        Dataset<Row> frame = TestSpark.frame(spark, x, new int[200], 2)
                .withColumn("label", org.apache.spark.ml.functions.vector_to_array(functions.col("features"), "float64")
                        .getItem(0).multiply(3).minus(1));
        Sequential model = new Sequential(new Dense(1, Activation.LINEAR, 1)).seed(1);
        model.compile(Optimizer.sgd(0.1), Loss.MEAN_SQUARED_ERROR);
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(model, frame, Columns.defaults(), QUIET);
        assertEquals(OutputKind.REGRESSION, OutputKind.of(model));

        Dataset<Row> predicted = trainer.predict(model, frame, "features");
        assertEquals(List.of("features", "label", "prediction"), List.of(predicted.columns()),
                "no probability for a regression model");
        List<Row> rows = predicted.select("prediction", "label").collectAsList();
        Tensor local = model.predict(x);
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(local.getFlat(i), rows.get(i).getDouble(0), Tolerances.FLOAT32, "the value, not an argmax");
            assertEquals(rows.get(i).getDouble(1), rows.get(i).getDouble(0), 0.05, "y = 3x - 1 learned, row " + i);
        }

        // Several outputs: the prediction is the vector of values.
        Sequential two = new Sequential(new Dense(2, Activation.LINEAR, 1)).seed(1);
        two.compile(Optimizer.sgd(0.1), Loss.MEAN_SQUARED_ERROR);
        Row first = trainer.predict(two, frame, "features").select("prediction").head();
        Tensor expected = two.predict(x.slice(0, 0, 1));
        assertArrayEquals(new double[] {expected.getFlat(0), expected.getFlat(1)}, ((Vector) first.getAs(0)).toArray(),
                Tolerances.FLOAT32);
    }

    @Test
    void outputColumnsThatTheDataHasFailBeforeAnyJob() {
        SparkSession spark = TestSpark.local();
        Object[] data = TestSpark.blobs(30, 4);
        Dataset<Row> frame = TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], 2)
                .withColumn("probability", functions.lit(1.0));
        Sequential model = new Sequential(new Dense(3, Activation.SOFTMAX, 4));
        model.compile(Optimizer.sgd(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        SparkTrainer trainer = SparkTrainer.create();

        JobCounter jobs = JobCounter.on(spark);
        DataException e = assertThrows(DataException.class, () -> trainer.predict(model, frame, "features"));
        assertTrue(e.getMessage().contains("output column 'probability' already exists")
                && e.getMessage().contains("features, label, probability"), e.getMessage());
        e = assertThrows(DataException.class, () -> trainer.predict(model, frame,
                PredictionColumns.of("features").withProbability("p").withPrediction("label")));
        assertTrue(e.getMessage().contains("output column 'label' already exists"), e.getMessage());
        e = assertThrows(DataException.class, () -> trainer.predict(model, frame,
                PredictionColumns.of("features").withProbability("p").withRawPrediction("p")));
        assertTrue(e.getMessage().contains("'p' is asked for as two output columns"), e.getMessage());
        e = assertThrows(DataException.class, () -> trainer.predict(model, frame,
                PredictionColumns.of("features").withProbability("p").withThresholds(0.5, 0.5)));
        assertTrue(e.getMessage().contains("thresholds has 2 values, the model has 3 classes"), e.getMessage());
        assertEquals(0, jobs.started(), "no Spark job ran");

        // With the clashing output left out (an empty name), predict runs.
        assertEquals(30, trainer.predict(model, frame, PredictionColumns.of("features").withProbability(""))
                .count());
    }
}
