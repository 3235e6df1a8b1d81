// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.output;

import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.io.HadoopFiles;
import java.io.IOException;
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

    /** Writes all four files and replaces {@code dir} with them at once (see {@link HadoopFiles}). */
    public static void write(HadoopFiles.Location dir, Sequential model, History history, Map<String, Object> metrics)
            throws IOException {
        HadoopFiles.replaceDirectory(dir, staging -> {
            write(staging.resolve(MODEL), model::save);
            write(staging.resolve(HISTORY), out -> out.write(Json.bytes(historyJson(history))));
            write(staging.resolve(METRICS), out -> out.write(Json.bytes(metrics)));
            write(staging.resolve(PLOT), out -> HistoryPlot.write(history, out));
        });
    }

    /** One file of a staging directory (a plain create: the directory as a whole is what is atomic). */
    private static void write(HadoopFiles.Location file, dev.kindling.core.io.LocalFiles.Contents contents)
            throws IOException {
        try (var out = file.fs().create(file.path(), false)) {
            contents.writeTo(out);
        }
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
