// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.output;

import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.History;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * history.png: what R users get from {@code plot(history)}: two panels stacked, the loss above and the accuracy
 * (or whatever other metric was tracked) below, training and validation per epoch as points joined by lines.
 */
public final class HistoryPlot {
    static final int WIDTH = 800;
    static final int PANEL_HEIGHT = 360;
    private static final Color TRAINING = new Color(0xF8, 0x76, 0x6D);   // ggplot2's first two hues, as in R
    private static final Color VALIDATION = new Color(0x00, 0xBF, 0xC4);

    private HistoryPlot() {
    }

    /** Writes the PNG; one panel per metric besides the loss ({@code accuracy} usually), the loss first. */
    public static void write(History history, OutputStream out) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<Double>> series = history.asMap();
        List<String> panels = new ArrayList<>();
        for (String name : series.keySet()) {
            // The learning rate is a setting, not a measure of the model: history.json has it, the picture not.
            if (!name.startsWith("val_") && !name.equals(FitLoop.LEARNING_RATE)) {
                panels.add(name);
            }
        }
        BufferedImage image = new BufferedImage(WIDTH, PANEL_HEIGHT * Math.max(1, panels.size()),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                String name = panels.get(i);
                XYChart chart = panel(name, series.get(name), series.get("val_" + name), history.epochs());
                g.drawImage(BitmapEncoder.getBufferedImage(chart), 0, i * PANEL_HEIGHT, null);
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", out)) {
            throw new IOException("no PNG writer available");
        }
    }

    private static XYChart panel(String name, List<Double> training, List<Double> validation, int epochs) {
        String title = name.equals("loss") ? "Loss" : name.substring(0, 1).toUpperCase() + name.substring(1);
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title(title + " per epoch").xAxisTitle("epoch").yAxisTitle(name).build();
        Styler.ChartTheme theme = Styler.ChartTheme.XChart;
        chart.getStyler().setTheme(theme.newInstance(theme));
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setLegendPosition(name.equals("loss") ? Styler.LegendPosition.InsideNE
                : Styler.LegendPosition.InsideSE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(new Color(0xEB, 0xEB, 0xEB));
        chart.getStyler().setPlotGridLinesColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setXAxisMin(0.8);
        chart.getStyler().setXAxisMax(Math.max(epochs, 1) + 0.2);
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(13f));
        chart.getStyler().setAxisTitleFont(chart.getStyler().getAxisTitleFont().deriveFont(14f));
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(16f));
        chart.getStyler().setMarkerSize(9);
        add(chart, "training", training, TRAINING);
        if (validation != null) {
            add(chart, "validation", validation, VALIDATION);
        }
        return chart;
    }

    private static void add(XYChart chart, String label, List<Double> values, Color color) {
        double[] x = new double[values.size()];
        double[] y = new double[values.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
            y[i] = values.get(i);
        }
        XYSeries s = chart.addSeries(label, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(color);
        s.setLineColor(color);
    }
}
