// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import java.io.Serializable;

/**
 * Which columns of a DataFrame hold what. Features: a Spark ML vector, or an array of numbers. Label: a class
 * index (any numeric type; one-hot encoded for categorical cross-entropy), or an array of numbers (one-hot or
 * multi-output targets). Weight (optional, Keras's {@code sample_weight}): a number >= 0 per row that multiplies
 * the row's loss, in training and in validation.
 */
public record Columns(String features, String label, String weight) implements Serializable {

    public Columns {
        if (features == null || features.isBlank()) {
            throw new IllegalArgumentException("features column name must not be empty");
        }
        if (weight != null && weight.isBlank()) {
            throw new IllegalArgumentException("weight column name must not be empty (null for none)");
        }
    }

    public Columns(String features, String label) {
        this(features, label, null);
    }

    /** The same columns with per-row loss weights in column {@code weight}. */
    public Columns withWeight(String weight) {
        return new Columns(features, label, weight);
    }

    /** Spark ML's conventional names: {@code features} and {@code label}. */
    public static Columns defaults() {
        return new Columns("features", "label");
    }

    public static Columns of(String features, String label) {
        return new Columns(features, label);
    }
}
