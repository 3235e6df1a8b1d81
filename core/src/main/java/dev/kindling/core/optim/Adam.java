// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/**
 * Adam; Keras's {@code Adam} ({@code keras/src/optimizers/adam.py}, {@code Adam.update_step} with
 * {@code amsgrad=False}). With learning rate {@code lr}, gradient {@code g} and {@code t = iterations + 1}
 * (the 1-based number of this step), one step is:
 * <pre>
 * alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
 * m = m + (g - m) * (1 - beta_1)        (= beta_1 * m + (1 - beta_1) * g;   slot "m", initialised to 0)
 * v = v + (g^2 - v) * (1 - beta_2)      (= beta_2 * v + (1 - beta_2) * g^2; slot "v", initialised to 0)
 * w = w - alpha * m / (sqrt(v) + epsilon)      (epsilon OUTSIDE the square root, as in Keras 3)
 * </pre>
 * This is the "epsilon hat" form of the Adam paper (Kingma and Ba, section 2): the bias corrections are folded
 * into {@code alpha}, so epsilon is not bias-corrected. Keras defaults: learning rate 0.001, beta_1 0.9,
 * beta_2 0.999, epsilon 1e-7 ({@link Optimizer#adam()}). Keras's {@code amsgrad} option is not supported.
 *
 * @param learningRate {@code learning_rate}, finite and {@code > 0}
 * @param beta1 {@code beta_1}, the decay of the first-moment estimate, in {@code [0, 1)}
 * @param beta2 {@code beta_2}, the decay of the second-moment estimate, in {@code [0, 1)}
 * @param epsilon {@code epsilon}, finite and {@code >= 0}
 */
public record Adam(
        @JsonProperty("learning_rate") double learningRate,
        @JsonProperty("beta_1") double beta1,
        @JsonProperty("beta_2") double beta2,
        @JsonProperty("epsilon") double epsilon) implements Optimizer {
    private static final long serialVersionUID = 1L;

    static final String NAME = "adam";
    static final double DEFAULT_LEARNING_RATE = 0.001;
    static final double DEFAULT_BETA_1 = 0.9;
    static final double DEFAULT_BETA_2 = 0.999;
    static final double DEFAULT_EPSILON = 1e-7;
    private static final List<String> SLOTS = List.of("m", "v");

    public Adam {
        Checks.learningRate(NAME, learningRate);
        Checks.decay(NAME, "beta_1", beta1);
        Checks.decay(NAME, "beta_2", beta2);
        Checks.nonNegative(NAME, "epsilon", epsilon);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Adam withLearningRate(double learningRate) {
        return new Adam(learningRate, beta1, beta2, epsilon);
    }

    public Adam withBeta1(double beta1) {
        return new Adam(learningRate, beta1, beta2, epsilon);
    }

    public Adam withBeta2(double beta2) {
        return new Adam(learningRate, beta1, beta2, epsilon);
    }

    public Adam withEpsilon(double epsilon) {
        return new Adam(learningRate, beta1, beta2, epsilon);
    }

    /** {@code [m, v]}: the first and second moment estimates. */
    @Override
    public List<String> slotNames() {
        return SLOTS;
    }

    @Override
    public OptimizerState applyInPlace(OptimizerState state, Tensor params, Tensor grads) {
        return Checks.update(this, state, params, grads, () -> {
            double t = state.iterations() + 1.0;
            double alpha = learningRate * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
            Kernels.scaleByAdam(params, grads, state.slot(0), state.slot(1), alpha, 1 - beta1, 1 - beta2, epsilon);
        });
    }
}
