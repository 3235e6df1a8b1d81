// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import java.util.Map;

/** The result of {@code evaluate}: mean loss and mean of each metric over the samples, under Keras's names. */
public record Evaluation(double loss, Map<String, Double> metrics) {

    public Evaluation {
        metrics = Map.copyOf(metrics);
    }

    /** The {@code accuracy} metric; throws if the model was not compiled with it. */
    public double accuracy() {
        Double a = metrics.get("accuracy");
        if (a == null) {
            throw new IllegalStateException("no accuracy metric; metrics are " + metrics.keySet());
        }
        return a;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT, "loss: %.4f", loss));
        metrics.forEach((k, v) -> sb.append(String.format(java.util.Locale.ROOT, " - %s: %.4f", k, v)));
        return sb.toString();
    }
}
