// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.output;

import dev.kindling.spark.ClassReport;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/** {@code confusion_matrix.png}: XChart's heat map of a {@link ClassReport}, as {@link HistoryPlot} draws history. */
public final class ConfusionPlot {
    private ConfusionPlot() {
    }

    /** True classes down the side (the first at the top, as a printed matrix), predicted along the bottom. */
    public static void write(ClassReport report, OutputStream out) throws IOException {
        List<String> names = report.names();
        long[][] confusion = report.confusion();
        int n = names.size();
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(480, 84 * n + 240))
                .height(Math.max(400, 50 * n + 160)).title("Confusion matrix (rows: true class)")
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1);
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                cells.add(new Number[] {p, n - 1 - t, confusion[t][p]});   // y runs upwards
            }
        }
        List<String> yNames = new ArrayList<>(names);
        Collections.reverse(yNames);
        chart.addSeries("rows", names, yNames, cells);
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }
}
