package dev.kindling.app.output;

import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The output directory of {@code train}: model.kindling, history.json, metrics.json and history.png. */
public final class TrainOutputs {
    public static final String MODEL = "model.kindling";
    public static final String HISTORY = "history.json";
    public static final String METRICS = "metrics.json";
    public static final String PLOT = "history.png";

    private TrainOutputs() {
    }

    /** Writes all four files and replaces {@code dir} with them at once (see {@link AtomicDirectory}). */
    public static void write(Path dir, Sequential model, History history, Map<String, Object> metrics)
            throws IOException {
        AtomicDirectory.write(dir, staging -> {
            model.save(staging.resolve(MODEL));
            Json.write(staging.resolve(HISTORY), historyJson(history));
            Json.write(staging.resolve(METRICS), metrics);
            HistoryPlot.write(history, staging.resolve(PLOT));
        });
    }

    /** Keras's names (loss, accuracy, val_loss, val_accuracy) to per-epoch lists, plus epoch_seconds. */
    public static Map<String, Object> historyJson(History history) {
        Map<String, Object> json = new LinkedHashMap<>(history.asMap());
        json.put("epoch_seconds", history.epochSeconds());
        return json;
    }

    /** Mean of a list (0 for none). */
    public static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }
}
