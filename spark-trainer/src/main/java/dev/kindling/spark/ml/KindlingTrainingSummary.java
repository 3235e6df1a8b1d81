// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.model.EpochLogs;
import dev.kindling.core.model.History;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What a fit did, epoch by epoch: Keras's logs ({@code loss}, {@code accuracy}, {@code val_loss}...), the steps
 * and seconds of each epoch, and the fit's wall time. It is small and saved with the model, so a loaded model has
 * it too (MLlib's summaries hold DataFrames and are lost on save; this one holds numbers only).
 */
public final class KindlingTrainingSummary implements java.io.Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<EpochLogs> epochs;
    private final double fitSeconds;

    KindlingTrainingSummary(List<EpochLogs> epochs, double fitSeconds) {
        this.epochs = List.copyOf(epochs);
        this.fitSeconds = fitSeconds;
    }

    /** Each epoch's logs, steps and seconds, first to last. */
    public List<EpochLogs> epochLogs() {
        return epochs;
    }

    /** The Keras history: {@code history().get("val_accuracy")} is one value per epoch. */
    public History history() {
        History history = new History();
        epochs.forEach(history::append);
        return history;
    }

    /** The training loss after each epoch (MLlib's name for the loss series). */
    public double[] objectiveHistory() {
        return epochs.stream().mapToDouble(e -> e.values().get("loss")).toArray();
    }

    /** Optimizer steps taken, over all epochs (MLlib's name). */
    public int totalIterations() {
        return epochs.stream().mapToInt(EpochLogs::steps).sum();
    }

    /** Wall-clock seconds of the whole fit: reading and packing the data, every epoch, validation. */
    public double fitSeconds() {
        return fitSeconds;
    }

    String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("fitSeconds", fitSeconds);
        ArrayNode list = root.putArray("epochs");
        for (EpochLogs e : epochs) {
            ObjectNode n = list.addObject();
            n.put("epoch", e.epoch());
            n.put("epochs", e.epochs());
            n.put("steps", e.steps());
            n.put("seconds", e.seconds());
            n.set("values", JSON.valueToTree(e.values()));
        }
        return root.toString();
    }

    static KindlingTrainingSummary fromJson(String json, String source) throws IOException {
        try {
            JsonNode root = JSON.readTree(json);
            List<EpochLogs> epochs = new java.util.ArrayList<>();
            for (JsonNode n : root.withArray("epochs")) {
                Map<String, Double> values = JSON.convertValue(n.get("values"), new TypeReference<Map<String, Double>>() { });
                epochs.add(new EpochLogs(n.get("epoch").asInt(), n.get("epochs").asInt(), n.get("steps").asInt(),
                        n.get("seconds").asDouble(), new java.util.LinkedHashMap<>(values)));
            }
            return new KindlingTrainingSummary(epochs, root.get("fitSeconds").asDouble());
        } catch (RuntimeException | IOException e) {
            throw new IOException(source + ": not a readable Kindling training summary (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "KindlingTrainingSummary[epochs=" + epochs.size() + ", totalIterations=" + totalIterations()
                + ", fitSeconds=" + String.format(java.util.Locale.ROOT, "%.1f", fitSeconds) + ", history="
                + history() + "]";
    }
}
