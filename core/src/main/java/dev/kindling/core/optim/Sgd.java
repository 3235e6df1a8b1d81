// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum; Keras's {@code SGD}
 * ({@code keras/src/optimizers/sgd.py}, {@code SGD.update_step}). With learning rate {@code lr}, momentum
 * {@code mu} and gradient {@code g}, one step is:
 * <pre>
 * momentum == 0:   w = w - lr * g                       (no slot)
 * otherwise:       v = mu * v - lr * g                  (slot "velocity", initialised to 0)
 *                  w = w + v                            if not nesterov
 *                  w = w + mu * v - lr * g              if nesterov (with the updated v)
 * </pre>
 * Keras defaults: learning rate 0.01, momentum 0, nesterov false ({@link Optimizer#sgd()}). With momentum 0 the
 * nesterov flag has no effect, as in Keras. (Keras accepts momentum 1; Kindling requires {@code [0, 1)}.)
 *
 * @param learningRate {@code learning_rate}, finite and {@code > 0}
 * @param momentum {@code momentum}, in {@code [0, 1)}
 * @param nesterov {@code nesterov}: whether to apply Nesterov momentum
 */
public record Sgd(
        @JsonProperty("learning_rate") double learningRate,
        @JsonProperty("momentum") double momentum,
        @JsonProperty("nesterov") boolean nesterov) implements Optimizer {
    private static final long serialVersionUID = 1L;

    static final String NAME = "sgd";
    static final double DEFAULT_LEARNING_RATE = 0.01;
    private static final List<String> MOMENTUM_SLOTS = List.of("velocity");

    public Sgd {
        Checks.learningRate(NAME, learningRate);
        Checks.decay(NAME, "momentum", momentum);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Sgd withLearningRate(double learningRate) {
        return new Sgd(learningRate, momentum, nesterov);
    }

    public Sgd withMomentum(double momentum) {
        return new Sgd(learningRate, momentum, nesterov);
    }

    public Sgd withNesterov(boolean nesterov) {
        return new Sgd(learningRate, momentum, nesterov);
    }

    /** {@code [velocity]} when momentum is non-zero, else no slots. */
    @Override
    public List<String> slotNames() {
        return momentum != 0 ? MOMENTUM_SLOTS : List.of();
    }

    @Override
    public OptimizerState applyInPlace(OptimizerState state, Tensor params, Tensor grads) {
        return Checks.update(this, state, params, grads, () -> {
            if (momentum == 0) {
                Kernels.sgd(params, grads, learningRate);
            } else {
                Kernels.momentum(params, grads, state.slot(0), learningRate, momentum, nesterov);
            }
        });
    }
}
