// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import com.fasterxml.jackson.annotation.JsonCreator;

/** Whether a monitored quantity is better lower, higher, or as its name says (Keras's {@code mode='auto'}). */
public enum Mode {
    MIN, MAX, AUTO;

    /** Keras's spelling ({@code auto}, {@code min}, {@code max}), case-insensitive; null is {@code auto}. */
    @JsonCreator
    public static Mode of(String mode) {
        if (mode == null) {
            return AUTO;
        }
        for (Mode m : values()) {
            if (m.name().equalsIgnoreCase(mode)) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode must be auto, min or max, got '" + mode + "'");
    }
}
