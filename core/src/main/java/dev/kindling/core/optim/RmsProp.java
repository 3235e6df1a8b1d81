// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/**
 * RMSprop (not centered, no momentum); Keras's {@code RMSprop} ({@code keras/src/optimizers/rmsprop.py},
 * {@code RMSprop.update_step} with {@code centered=False, momentum=0}). With learning rate {@code lr} and
 * gradient {@code g}, one step is:
 * <pre>
 * s = rho * s + (1 - rho) * g^2                          (slot "mean_square", initialised to 0)
 * w = w - lr * g / sqrt(s + epsilon)                     (epsilon INSIDE the square root, as in Keras 3)
 * </pre>
 * Keras defaults: learning rate 0.001, rho 0.9, epsilon 1e-7 ({@link Optimizer#rmsprop()}). Keras's
 * {@code centered} and {@code momentum} options are not supported.
 *
 * @param learningRate {@code learning_rate}, finite and {@code > 0}
 * @param rho {@code rho}, the decay of the moving average of squared gradients, in {@code [0, 1)}
 * @param epsilon {@code epsilon}, finite and {@code >= 0}
 */
public record RmsProp(
        @JsonProperty("learning_rate") double learningRate,
        @JsonProperty("rho") double rho,
        @JsonProperty("epsilon") double epsilon) implements Optimizer {
    private static final long serialVersionUID = 1L;

    static final String NAME = "rmsprop";
    static final double DEFAULT_LEARNING_RATE = 0.001;
    static final double DEFAULT_RHO = 0.9;
    static final double DEFAULT_EPSILON = 1e-7;
    private static final List<String> SLOTS = List.of("mean_square");

    public RmsProp {
        Checks.learningRate(NAME, learningRate);
        Checks.decay(NAME, "rho", rho);
        Checks.nonNegative(NAME, "epsilon", epsilon);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RmsProp withLearningRate(double learningRate) {
        return new RmsProp(learningRate, rho, epsilon);
    }

    public RmsProp withRho(double rho) {
        return new RmsProp(learningRate, rho, epsilon);
    }

    public RmsProp withEpsilon(double epsilon) {
        return new RmsProp(learningRate, rho, epsilon);
    }

    /** {@code [mean_square]}. */
    @Override
    public List<String> slotNames() {
        return SLOTS;
    }

    @Override
    public OptimizerState applyInPlace(OptimizerState state, Tensor params, Tensor grads) {
        return Checks.update(this, state, params, grads,
                () -> Kernels.scaleByRms(params, grads, state.slot(0), rho, 1 - rho, learningRate, epsilon));
    }
}
