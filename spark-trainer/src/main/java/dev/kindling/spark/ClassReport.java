// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Per-class figures of a classifier on labelled rows, as scikit-learn's {@code classification_report}: for class
 * k, precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 P R / (P + R) (0 when the denominator is 0),
 * support = the rows whose label is k; and the confusion matrix, {@code confusion[true][predicted]} row counts.
 *
 * {@link SparkTrainer#classReport} computes it where the data lives; the app writes it into {@code evaluation.json}.
 *
 * @param names     each class's name (the model's class names, or its index as text)
 * @param confusion row counts, {@code confusion[true class][predicted class]}
 */
public record ClassReport(List<String> names, long[][] confusion) {

    /**
     * Counts (label, prediction) pairs with one Spark aggregation.
     *
     * @param predicted rows with a numeric class-index {@code label} column and a {@code prediction} column
     * @param names     the class names, or empty (or not one per class): classes are named by their index
     * @param classes   how many classes the model tells apart
     */
    public static ClassReport of(Dataset<Row> predicted, String label, int classes, List<String> names) {
        long[][] confusion = new long[classes][classes];
        for (Row r : predicted.groupBy(functions.col(label).cast("int"), functions.col("prediction").cast("int"))
                .count().collectAsList()) {
            confusion[r.getInt(0)][r.getInt(1)] = r.getLong(2);
        }
        List<String> shown = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            shown.add(names.size() == classes ? names.get(k) : String.valueOf(k));
        }
        return new ClassReport(shown, confusion);
    }

    /** {@code per_class} (name, precision, recall, f1, support) and {@code confusion_matrix}, for JSON. */
    public Map<String, Object> toJson() {
        int n = names.size();
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            long tp = confusion[k][k];
            long support = 0;
            long predictedK = 0;
            for (int j = 0; j < n; j++) {
                support += confusion[k][j];
                predictedK += confusion[j][k];
            }
            double precision = predictedK == 0 ? 0 : (double) tp / predictedK;
            double recall = support == 0 ? 0 : (double) tp / support;
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("class", k);
            c.put("name", names.get(k));
            c.put("precision", precision);
            c.put("recall", recall);
            c.put("f1", precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall));
            c.put("support", support);
            perClass.add(c);
        }
        Map<String, Object> matrix = new LinkedHashMap<>();
        matrix.put("labels", names);
        matrix.put("rows", "true class");
        matrix.put("columns", "predicted class");
        matrix.put("counts", confusion);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("per_class", perClass);
        json.put("confusion_matrix", matrix);
        return json;
    }
}
