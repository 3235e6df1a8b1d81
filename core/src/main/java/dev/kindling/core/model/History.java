// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-epoch values of the loss and metrics, under Keras's names ({@code loss}, {@code accuracy},
 * {@code val_loss}, {@code val_accuracy}), as {@code fit} returns them and R's {@code plot(history)} draws them.
 */
public final class History {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();
    private final List<Double> epochSeconds = new ArrayList<>();

    public History() {
    }

    /** A history holding the given series and epoch times (a checkpoint's), copied. */
    static History of(Map<String, List<Double>> series, List<Double> seconds) {
        History h = new History();
        series.forEach((k, v) -> h.values.put(k, new ArrayList<>(v)));
        h.epochSeconds.addAll(seconds);
        return h;
    }

    /** A copy that later appends to this history do not change. */
    History copy() {
        return of(values, epochSeconds);
    }

    /** Appends one epoch's logs. */
    public void append(EpochLogs logs) {
        logs.values().forEach((k, v) -> values.computeIfAbsent(k, key -> new ArrayList<>()).add(v));
        epochSeconds.add(logs.seconds());
    }

    /** The series of one name, e.g. {@code history.get("val_accuracy")}; throws naming the known ones if absent. */
    public List<Double> get(String name) {
        List<Double> series = values.get(name);
        if (series == null) {
            throw new IllegalArgumentException("no '" + name + "' in history; it has " + values.keySet());
        }
        return Collections.unmodifiableList(series);
    }

    /** All series, in the order they were first logged. */
    public Map<String, List<Double>> asMap() {
        Map<String, List<Double>> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }

    /** Number of epochs recorded. */
    public int epochs() {
        return epochSeconds.size();
    }

    /** Wall-clock seconds of each epoch, training and validation included. */
    public List<Double> epochSeconds() {
        return List.copyOf(epochSeconds);
    }

    @Override
    public String toString() {
        return "History" + values;
    }
}
