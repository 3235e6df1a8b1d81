package dev.kindling.spark;

import java.io.Serializable;

/**
 * Which columns of a DataFrame hold what. Features: a Spark ML vector, or an array of numbers. Label: a class
 * index (any numeric type; one-hot encoded for categorical cross-entropy), or an array of numbers (one-hot or
 * multi-output targets).
 */
public record Columns(String features, String label) implements Serializable {

    public Columns {
        if (features == null || features.isBlank()) {
            throw new IllegalArgumentException("features column name must not be empty");
        }
    }

    /** Spark ML's conventional names: {@code features} and {@code label}. */
    public static Columns defaults() {
        return new Columns("features", "label");
    }

    public static Columns of(String features, String label) {
        return new Columns(features, label);
    }
}
