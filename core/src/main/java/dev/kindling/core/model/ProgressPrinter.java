// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Prints Keras-like progress, one line per epoch, and during long epochs a running line at most every
 * {@code intervalSeconds}:
 * <pre>
 * Epoch 1/5
 * 120/469 - 12s - loss: 0.6120 - accuracy: 0.7803
 * 469/469 - 41s - 87ms/step - loss: 0.4519 - accuracy: 0.8692 - val_loss: 0.2647 - val_accuracy: 0.9240
 * </pre>
 * An epoch resumed from a checkpoint begins with {@code Epoch 2/5 (resumed after step 300/469)}; its seconds and
 * means include the steps before the checkpoint.
 */
public final class ProgressPrinter implements TrainingListener {
    /** Keeps logs of long (distributed) epochs alive without flooding them. */
    public static final double DEFAULT_INTERVAL_SECONDS = 10.0;

    private final PrintStream out;
    private final double intervalSeconds;
    private double lastPrinted;

    public ProgressPrinter(PrintStream out) {
        this(out, DEFAULT_INTERVAL_SECONDS);
    }

    public ProgressPrinter(PrintStream out, double intervalSeconds) {
        this.out = out;
        this.intervalSeconds = intervalSeconds;
    }

    @Override
    public void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
        if (step.step() < step.steps() && elapsedSeconds - lastPrinted >= intervalSeconds) {
            lastPrinted = elapsedSeconds;
            StringBuilder line = new StringBuilder().append(step.step()).append('/').append(step.steps())
                    .append(" - ").append(Math.round(elapsedSeconds)).append('s');
            appendLogs(line, runningLogs);
            out.println(line);
        }
    }

    @Override
    public void onEpochBegin(int epoch, int epochs, int steps) {
        onEpochBegin(epoch, epochs, steps, 0);
    }

    /** A resumed epoch says so: its running lines start at the resumed step, its last line counts all its steps. */
    @Override
    public void onEpochBegin(int epoch, int epochs, int steps, int stepsDone) {
        lastPrinted = 0;
        out.println("Epoch " + epoch + "/" + epochs + (stepsDone == 0 ? "" : " (resumed after step " + stepsDone
                + "/" + steps + ")"));
    }

    @Override
    public void onEpochEnd(EpochLogs logs) {
        StringBuilder line = new StringBuilder();
        line.append(logs.steps()).append('/').append(logs.steps())
            .append(" - ").append(Math.round(logs.seconds())).append('s')
            .append(" - ").append(Math.round(1000 * logs.seconds() / Math.max(1, logs.steps()))).append("ms/step");
        appendLogs(line, logs.values());
        out.println(line);
    }

    private static void appendLogs(StringBuilder line, Map<String, Double> logs) {
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            line.append(" - ").append(e.getKey()).append(": ").append(String.format(Locale.ROOT, "%.4f", e.getValue()));
        }
    }
}
