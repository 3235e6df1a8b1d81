// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.output;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * Per-class figures of a classifier on labelled rows, as scikit-learn's {@code classification_report}: for class
 * k, precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 P R / (P + R) (0 when the denominator is 0),
 * support = the rows whose label is k; and the confusion matrix, {@code confusion[true][predicted]} row counts.
 *
 * @param names each class's name (the model's class names, or its index as text)
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

    /** The confusion matrix as a heat map (XChart's), true classes up the side, predicted along the bottom. */
    public void writePng(OutputStream out) throws IOException {
        int n = names.size();
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(480, 84 * n + 240))
                .height(Math.max(400, 50 * n + 160)).title("Confusion matrix (rows: true class)")
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1);
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                // y runs upwards: the first class at the top, as a printed matrix.
                cells.add(new Number[] {p, n - 1 - t, confusion[t][p]});
            }
        }
        List<String> yNames = new ArrayList<>(names);
        java.util.Collections.reverse(yNames);
        chart.addSeries("rows", names, yNames, cells);
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }
}
