package dev.kindling.core.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.tensor.Tensor;
import java.util.Locale;

/**
 * Metrics reported during training and evaluation. Like losses, each returns a batch <em>sum</em> of per-sample
 * values, so partial sums from several workers add up. {@link #ACCURACY} resolves, as in Keras, to the variant
 * that fits the loss and targets.
 */
public enum Metric {
    /** Resolved by {@link #resolve}: sparse, binary or categorical accuracy. */
    ACCURACY,
    /** argmax(output) == argmax(one-hot target). */
    CATEGORICAL_ACCURACY,
    /** argmax(output) == integer target. */
    SPARSE_CATEGORICAL_ACCURACY,
    /** Mean over outputs of (output > 0.5) == (target > 0.5). */
    BINARY_ACCURACY;

    /** The concrete accuracy that {@code ACCURACY} stands for under a loss and output width. */
    public Metric resolve(Loss loss, int outputs) {
        if (this != ACCURACY) {
            return this;
        }
        if (loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY) {
            return SPARSE_CATEGORICAL_ACCURACY;
        }
        if (loss == Loss.BINARY_CROSSENTROPY || outputs == 1) {
            return BINARY_ACCURACY;
        }
        return CATEGORICAL_ACCURACY;
    }

    /**
     * Sum over the batch of the per-sample metric.
     *
     * @param outputs the model's outputs after activation {@code (n, k)}
     * @param targets as given to the loss
     */
    public double batchSum(Tensor outputs, Tensor targets) {
        int rows = outputs.dim(0);
        int k = outputs.dim(1);
        return switch (this) {
            case ACCURACY -> throw new IllegalStateException("resolve ACCURACY before use");
            case CATEGORICAL_ACCURACY -> countEqual(outputs.argmax(1), targets.argmax(1));
            case SPARSE_CATEGORICAL_ACCURACY -> countEqual(outputs.argmax(1), targets.reshape(rows));
            case BINARY_ACCURACY -> {
                double hits = 0;
                for (int i = 0; i < rows * k; i++) {
                    hits += (outputs.getFlat(i) > 0.5) == (targets.getFlat(i) > 0.5) ? 1 : 0;
                }
                yield hits / k;
            }
        };
    }

    private static double countEqual(Tensor a, Tensor b) {
        double hits = 0;
        for (int i = 0; i < a.size(); i++) {
            hits += a.getFlat(i) == b.getFlat(i) ? 1 : 0;
        }
        return hits;
    }

    /** Keras's spelling: {@code accuracy}, {@code categorical_accuracy}, ... */
    @JsonValue
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Metric fromKeyword(String keyword) {
        for (Metric m : values()) {
            if (m.keyword().equalsIgnoreCase(keyword)) {
                return m;
            }
        }
        if ("acc".equalsIgnoreCase(keyword)) {
            return ACCURACY;
        }
        throw new IllegalArgumentException("unknown metric '" + keyword + "', expected one of accuracy,"
                + " categorical_accuracy, sparse_categorical_accuracy, binary_accuracy");
    }
}
