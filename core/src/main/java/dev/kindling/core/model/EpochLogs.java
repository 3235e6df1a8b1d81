// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import java.util.Map;

/**
 * What one epoch produced: Keras's logs ({@code loss}, {@code accuracy}, {@code val_loss}, {@code val_accuracy})
 * and the time it took.
 */
public record EpochLogs(int epoch, int epochs, int steps, double seconds, Map<String, Double> values) {
    public EpochLogs {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }
}
