// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.regularizers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Tensor;

/**
 * Keras's {@code regularizer_l1_l2} ({@code keras.regularizers.L1L2}): {@code penalty = l1 * sum(|w|) + l2 *
 * sum(w^2)}; a factor of 0 adds nothing (as Keras, which skips it). Keras's defaults are 0 for both, so the job
 * file's {@code kernel-regularizer { l2 = 0.001 }} (no {@code type}) is this with l1 = 0. JSON: {@code {"type":
 * "l1_l2", "l1": 0.01, "l2": 0.01}}.
 *
 * @param l1 the L1 factor, finite and {@code >= 0}
 * @param l2 the L2 factor, finite and {@code >= 0}
 */
public record L1L2(double l1, double l2) implements Regularizer {

    public L1L2 {
        Regularizer.factor("l1_l2 regularizer", "l1", l1);
        Regularizer.factor("l1_l2 regularizer", "l2", l2);
    }

    /** Keras's defaults (0) for what the JSON form leaves out. */
    @JsonCreator
    static L1L2 fromJson(@JsonProperty("l1") Double l1, @JsonProperty("l2") Double l2) {
        return new L1L2(l1 == null ? 0.0 : l1, l2 == null ? 0.0 : l2);
    }

    @Override
    public Variable penalty(Variable weights) {
        Variable penalty = null;
        if (l1 != 0) {
            penalty = new L1(l1).penalty(weights);
        }
        if (l2 != 0) {
            Variable square = new L2(l2).penalty(weights);
            penalty = penalty == null ? square : Ops.add(penalty, square);
        }
        return penalty != null ? penalty : Variable.constant(Tensor.scalar(0.0, weights.value().dtype()));
    }
}
