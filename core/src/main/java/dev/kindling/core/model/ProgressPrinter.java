package dev.kindling.core.model;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Prints Keras-like progress, one line per epoch:
 * <pre>
 * Epoch 1/5
 * 63/63 - 1s - 21ms/step - loss: 0.4519 - accuracy: 0.8692 - val_loss: 0.2647 - val_accuracy: 0.9240
 * </pre>
 */
public final class ProgressPrinter implements TrainingListener {
    private final PrintStream out;

    public ProgressPrinter(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onEpochBegin(int epoch, int epochs, int steps) {
        out.println("Epoch " + epoch + "/" + epochs);
    }

    @Override
    public void onEpochEnd(EpochLogs logs) {
        StringBuilder line = new StringBuilder();
        line.append(logs.steps()).append('/').append(logs.steps())
            .append(" - ").append(Math.round(logs.seconds())).append('s')
            .append(" - ").append(Math.round(1000 * logs.seconds() / Math.max(1, logs.steps()))).append("ms/step");
        for (Map.Entry<String, Double> e : logs.values().entrySet()) {
            line.append(" - ").append(e.getKey()).append(": ").append(String.format(Locale.ROOT, "%.4f", e.getValue()));
        }
        out.println(line);
    }
}
