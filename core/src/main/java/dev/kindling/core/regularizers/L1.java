// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.regularizers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;

/**
 * Keras's {@code regularizer_l1} ({@code keras.regularizers.L1}): {@code penalty = l1 * sum(|w|)}, whose gradient is
 * {@code l1 * sign(w)} (0 at w = 0, as TensorFlow's and PyTorch's {@code abs}). JSON: {@code {"type": "l1", "l1":
 * 0.01}}.
 *
 * @param l1 the factor, finite and {@code >= 0}; Keras's default {@value #DEFAULT}
 */
public record L1(double l1) implements Regularizer {
    /** Keras 3's default factor. */
    public static final double DEFAULT = 0.01;

    public L1 {
        Regularizer.factor("l1 regularizer", "l1", l1);
    }

    /** Keras's defaults for what the JSON form leaves out. */
    @JsonCreator
    static L1 fromJson(@JsonProperty("l1") Double l1) {
        return new L1(l1 == null ? DEFAULT : l1);
    }

    @Override
    public Variable penalty(Variable weights) {
        return Ops.scale(Ops.sum(Ops.abs(weights)), l1);
    }
}
