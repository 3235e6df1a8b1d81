// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.tensor.DType;
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
    public OptimizerState init(int parameterCount, DType dtype) {
        Checks.parameterCount(NAME, parameterCount, dtype);
        return Checks.newState(slotNames(), parameterCount, dtype, 0.0);
    }

    @Override
    public OptimizerState applyInPlace(OptimizerState state, Tensor params, Tensor grads) {
        Checks.step(this, state, params, grads);
        if (!Checks.sameOffsets(state, params, grads)) {
            return Checks.stepOnCompactCopies(this, state, params, grads);
        }
        int n = params.size();
        int o = params.offset(); // shared by grads and slots: C2 vectorizes the loops only then
        double lr = learningRate;
        double mu = momentum;
        if (mu == 0) {
            if (params.dtype() == DType.FLOAT32) {
                float[] w = params.floatStorage();
                float[] g = grads.floatStorage();
                float lrF = (float) lr;
                for (int i = 0; i < n; i++) {
                    w[o + i] = w[o + i] - lrF * g[o + i];
                }
            } else {
                double[] w = params.doubleStorage();
                double[] g = grads.doubleStorage();
                for (int i = 0; i < n; i++) {
                    w[o + i] = w[o + i] - lr * g[o + i];
                }
            }
            return state.next();
        }
        Tensor velocity = state.slot(0);
        boolean nag = nesterov;
        if (params.dtype() == DType.FLOAT32) {
            float[] w = params.floatStorage();
            float[] g = grads.floatStorage();
            float[] v = velocity.floatStorage();
            // float arithmetic, as Keras's float32 variables, so that C2 vectorizes the loop (see RmsProp).
            float lrF = (float) lr;
            float muF = (float) mu;
            for (int i = 0; i < n; i++) {
                float gi = g[o + i];
                float vi = muF * v[o + i] - lrF * gi;
                v[o + i] = vi;
                w[o + i] = w[o + i] + (nag ? muF * vi - lrF * gi : vi);
            }
        } else {
            double[] w = params.doubleStorage();
            double[] g = grads.doubleStorage();
            double[] v = velocity.doubleStorage();
            for (int i = 0; i < n; i++) {
                double gi = g[o + i];
                double vi = mu * v[o + i] - lr * gi;
                v[o + i] = vi;
                w[o + i] = w[o + i] + (nag ? mu * vi - lr * gi : vi);
            }
        }
        return state.next();
    }
}
