// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Per-class figures and the confusion matrix: against hand-computed values, and against a count on the driver. */
class ClassReportTest {

    @Test
    void perClassFiguresAreWorkedOutFromTheMatrix() {
        // true 0: 2 right, 1 taken for class 1; true 1: 3 right
        ClassReport report = new ClassReport(List.of("cat", "dog"), new long[][] {{2, 1}, {0, 3}});
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> perClass = (List<Map<String, Object>>) report.toJson().get("per_class");
        assertEquals("cat", perClass.get(0).get("name"));
        assertEquals(1.0, (double) perClass.get(0).get("precision"), Tolerances.FLOAT64);       // 2 / (2 + 0)
        assertEquals(2.0 / 3, (double) perClass.get(0).get("recall"), Tolerances.FLOAT64);      // 2 / (2 + 1)
        assertEquals(0.8, (double) perClass.get(0).get("f1"), Tolerances.FLOAT64);              // 2 * 1 * 2/3 / (1 + 2/3)
        assertEquals(3L, perClass.get(0).get("support"));
        assertEquals(0.75, (double) perClass.get(1).get("precision"), Tolerances.FLOAT64);      // 3 / (3 + 1)
        assertEquals(1.0, (double) perClass.get(1).get("recall"), Tolerances.FLOAT64);
        assertEquals(6.0 / 7, (double) perClass.get(1).get("f1"), Tolerances.FLOAT64);
        ClassReport empty = new ClassReport(List.of("a", "b"), new long[][] {{0, 0}, {0, 4}});
        @SuppressWarnings("unchecked")
        Map<String, Object> a = ((List<Map<String, Object>>) empty.toJson().get("per_class")).get(0);
        assertEquals(0.0, (double) a.get("precision"));   // never predicted, never true: 0, not NaN
        assertEquals(0.0, (double) a.get("f1"));
    }

    @Test
    void theSparkReportCountsWhatPredictGivesAndUsesTheModelsNames() {
        SparkSession spark = TestSpark.local();
        Object[] data = TestSpark.blobs(90, 6);
        Dataset<Row> frame = TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], 2);
        Sequential model = new Sequential(new Dense(3, Activation.SOFTMAX, 4)).seed(1);
        model.compile(Optimizer.sgd(0.1), Loss.SPARSE_CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(model, frame, Columns.defaults(), FitOptions.builder().epochs(2).batchSize(30).build());
        model.classNames(List.of("x", "y", "z"));

        ClassReport report = trainer.classReport(model, frame, Columns.defaults());
        long[][] expected = new long[3][3];
        for (Row r : trainer.predict(model, frame, "features").select("label", "prediction").collectAsList()) {
            expected[(int) r.getDouble(0)][(int) r.getDouble(1)]++;
        }
        assertEquals(List.of("x", "y", "z"), report.names());
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(expected[k], report.confusion()[k], "row " + k);
        }
        Sequential regression = new Sequential(new Dense(1, Activation.LINEAR, 4));
        regression.compile(Optimizer.sgd(0.1), Loss.MEAN_SQUARED_ERROR);
        regression.build(4);
        assertThrows(IllegalArgumentException.class, () -> trainer.classReport(regression, frame,
                Columns.defaults()));
    }
}
