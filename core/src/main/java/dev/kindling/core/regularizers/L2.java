// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.regularizers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;

/**
 * Keras's {@code regularizer_l2} ({@code keras.regularizers.L2}): {@code penalty = l2 * sum(w^2)}, whose gradient is
 * {@code 2 * l2 * w} (no factor 1/2, unlike a textbook weight decay). JSON: {@code {"type": "l2", "l2": 0.01}}.
 *
 * @param l2 the factor, finite and {@code >= 0}; Keras's default {@value #DEFAULT}
 */
public record L2(double l2) implements Regularizer {
    /** Keras 3's default factor. */
    public static final double DEFAULT = 0.01;

    public L2 {
        Regularizer.factor("l2 regularizer", "l2", l2);
    }

    /** Keras's defaults for what the JSON form leaves out. */
    @JsonCreator
    static L2 fromJson(@JsonProperty("l2") Double l2) {
        return new L2(l2 == null ? DEFAULT : l2);
    }

    @Override
    public Variable penalty(Variable weights) {
        return Ops.scale(Ops.sum(Ops.square(weights)), l2);
    }
}
