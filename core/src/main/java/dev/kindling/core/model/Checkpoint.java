// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.optim.OptimizerState;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.Deflater;

/**
 * Everything a fit needs to go on exactly where it was: the weights, the optimizer's state, the position (epoch
 * and steps done in it), the epoch's running loss and metric sums, the history so far, the listeners' own state,
 * and a {@link Fingerprint} of what made it (model, optimizer, data, batch size, seed) so that a checkpoint is
 * never resumed by a different fit. Batches and dropout masks are functions of (seed, epoch, step), so nothing
 * else is needed: a resumed fit takes the same steps as an uninterrupted one.
 *
 * <p>On disk a checkpoint is a model file ({@link Sequential#save}'s zip: {@code model.json}, {@code weights.bin},
 * {@code optimizer.bin}) with one more entry, {@code fit.json}; {@link Sequential#load} reads it as a model.
 * Numbers are stored exactly (binary floats; JSON doubles round-trip).
 */
public final class Checkpoint {
    static final String FIT_JSON = "fit.json";
    static final String FORMAT = "kindling-checkpoint";
    static final int VERSION = 1;

    /**
     * What a checkpoint may only be resumed by.
     *
     * @param architecture     the layers, input width and dtype, as the model file writes them
     * @param optimizer        the compiled optimizer's configuration
     * @param trainSamples     training rows
     * @param validationSamples validation rows
     */
    public record Fingerprint(String architecture, String optimizer, String loss, List<String> metrics,
                              int trainSamples, long validationSamples, int inputWidth, int batchSize, long seed,
                              boolean shuffle, String classWeights) {

        /** The differences from {@code now}, each naming the checkpoint's value and the current one; empty if none. */
        public List<String> differencesFrom(Fingerprint now) {
            List<String> d = new ArrayList<>();
            differ(d, "model (layers, input width, dtype)", architecture, now.architecture);
            differ(d, "optimizer", optimizer, now.optimizer);
            differ(d, "loss", loss, now.loss);
            differ(d, "metrics", metrics, now.metrics);
            differ(d, "training rows", trainSamples, now.trainSamples);
            differ(d, "validation rows", validationSamples, now.validationSamples);
            differ(d, "input width", inputWidth, now.inputWidth);
            differ(d, "batch size", batchSize, now.batchSize);
            differ(d, "seed", seed, now.seed);
            differ(d, "shuffle", shuffle, now.shuffle);
            differ(d, "class weights", String.valueOf(classWeights), String.valueOf(now.classWeights));
            return d;
        }

        private static void differ(List<String> out, String what, Object then, Object now) {
            if (!then.equals(now)) {
                out.add(what + ": " + then + " in the checkpoint, " + now + " now");
            }
        }
    }

    /** A listener's saved state, matched on resume by its position among the fit's listeners and its class. */
    record ListenerState(int index, String type, JsonNode state) {
    }

    private final Network network;
    private final Tensor weights;
    private final CompileConfig compiled;
    private final OptimizerState optimizerState;
    private final Fingerprint fingerprint;
    private final int firstEpoch;
    private final int epoch;
    private final int stepsDone;
    private final int stepsPerEpoch;
    private final BatchStats epochStats;
    private final double epochSeconds;
    private final History history;
    private final List<ListenerState> listeners;

    Checkpoint(Network network, Tensor weights, CompileConfig compiled, OptimizerState optimizerState,
               Fingerprint fingerprint, int firstEpoch, int epoch, int stepsDone, int stepsPerEpoch,
               BatchStats epochStats, double epochSeconds, History history, List<ListenerState> listeners) {
        this.network = network;
        this.weights = weights;
        this.compiled = compiled;
        this.optimizerState = optimizerState;
        this.fingerprint = fingerprint;
        this.firstEpoch = firstEpoch;
        this.epoch = epoch;
        this.stepsDone = stepsDone;
        this.stepsPerEpoch = stepsPerEpoch;
        this.epochStats = epochStats;
        this.epochSeconds = epochSeconds;
        this.history = history;
        this.listeners = List.copyOf(listeners);
    }

    /** The epoch in progress (1-based): the one the next step belongs to. */
    public int epoch() {
        return epoch;
    }

    /** Steps of {@link #epoch()} already taken (0 at an epoch's start). */
    public int stepsDone() {
        return stepsDone;
    }

    /** Optimizer steps applied in all (the model's whole life). */
    public long iterations() {
        return optimizerState.iterations();
    }

    public Fingerprint fingerprint() {
        return fingerprint;
    }

    /** The weights at this checkpoint (a copy the caller may keep). */
    public Tensor weights() {
        return weights.copy();
    }

    /** The history of the checkpointed fit so far (its finished epochs). */
    public History history() {
        return history.copy();
    }

    /** As shown to people: {@code epoch 3, after step 120 of 469 (1058 optimizer steps)}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "epoch %d, after step %d of %d (%d optimizer steps)", epoch, stepsDone,
                stepsPerEpoch, iterations());
    }

    // ---- what the loop reads back ----------------------------------------------------------------------------

    Network network() {
        return network;
    }

    /** The learning rate in force when the checkpoint was taken (a schedule may have changed it). */
    double learningRate() {
        return compiled.optimizer().learningRate();
    }

    Tensor weightsView() {
        return weights;
    }

    OptimizerState optimizerState() {
        return optimizerState;
    }

    int firstEpoch() {
        return firstEpoch;
    }

    BatchStats epochStats() {
        return epochStats;
    }

    double epochSeconds() {
        return epochSeconds;
    }

    List<ListenerState> listeners() {
        return listeners;
    }

    // ---- the file ------------------------------------------------------------------------------------------

    /** Writes this checkpoint to {@code out} (not closed): a model file plus {@code fit.json}. */
    public void write(OutputStream out) throws IOException {
        ObjectNode json = Registry.json().createObjectNode();
        json.put("format", FORMAT);
        json.put("version", VERSION);
        ObjectNode position = json.putObject("position");
        position.put("firstEpoch", firstEpoch);
        position.put("epoch", epoch);
        position.put("stepsDone", stepsDone);
        position.put("stepsPerEpoch", stepsPerEpoch);
        position.put("epochSeconds", epochSeconds);
        json.set("fingerprint", Registry.json().valueToTree(fingerprint));
        json.set("epochStats", Registry.json().valueToTree(epochStats));
        ObjectNode h = json.putObject("history");
        h.set("series", Registry.json().valueToTree(history.asMap()));
        h.set("epochSeconds", Registry.json().valueToTree(history.epochSeconds()));
        ArrayNode states = json.putArray("listeners");
        for (ListenerState l : listeners) {
            ObjectNode node = states.addObject();
            node.put("index", l.index());
            node.put("type", l.type());
            node.set("state", l.state());
        }
        // Checkpoints are written often and are mostly incompressible floats: the fastest deflate level.
        ModelFiles.write(out, network, weights, compiled, optimizerState, epoch - 1,
                Map.of(FIT_JSON, Registry.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(json)), Deflater.BEST_SPEED);
    }

    /**
     * Reads a checkpoint written by {@link #write}; {@code source} names it in messages.
     *
     * @throws IOException for a file that is not a complete checkpoint (a torn write included)
     */
    public static Checkpoint read(InputStream in, String source) throws IOException {
        ModelFiles.Parts parts = ModelFiles.readParts(in, source);
        JsonNode json;
        try {
            json = Registry.json().readTree(ModelFiles.require(parts.entries(), source, FIT_JSON));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(source + ": " + FIT_JSON + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (!FORMAT.equals(json.path("format").asText()) || json.path("version").asInt(-1) != VERSION) {
            throw new IOException(source + ": " + FIT_JSON + " has format '" + json.path("format").asText()
                    + "' version " + json.path("version").asInt(-1) + ", expected '" + FORMAT + "' version " + VERSION);
        }
        if (parts.compiled() == null || parts.state() == null) {
            throw new IOException(source + ": a checkpoint must hold the compile configuration and optimizer state");
        }
        try {
            JsonNode position = required(json, "position", source);
            Fingerprint fingerprint = Registry.json().treeToValue(required(json, "fingerprint", source),
                    Fingerprint.class);
            BatchStats stats = Registry.json().treeToValue(required(json, "epochStats", source), BatchStats.class);
            JsonNode h = required(json, "history", source);
            Map<String, List<Double>> series = Registry.json().convertValue(h.path("series"),
                    new TypeReference<LinkedHashMap<String, List<Double>>>() { });
            List<Double> seconds = Registry.json().convertValue(h.path("epochSeconds"),
                    new TypeReference<List<Double>>() { });
            List<ListenerState> states = new ArrayList<>();
            for (JsonNode node : json.path("listeners")) {
                states.add(new ListenerState(node.path("index").asInt(), node.path("type").asText(), node.get("state")));
            }
            int epoch = position.path("epoch").asInt();
            int stepsDone = position.path("stepsDone").asInt();
            int steps = position.path("stepsPerEpoch").asInt();
            if (epoch < 1 || stepsDone < 0 || stepsDone > steps) {
                throw new IOException(source + ": " + FIT_JSON + " has an impossible position: epoch " + epoch
                        + ", step " + stepsDone + " of " + steps);
            }
            return new Checkpoint(parts.network(), parts.weights(), parts.compiled(), parts.state(), fingerprint,
                    position.path("firstEpoch").asInt(1), epoch, stepsDone, steps, stats,
                    position.path("epochSeconds").asDouble(), History.of(series, seconds), states);
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(source + ": invalid " + FIT_JSON + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode required(JsonNode json, String field, String source) throws IOException {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            throw new IOException(source + ": " + FIT_JSON + " has no '" + field + "'");
        }
        return node;
    }
}
