// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/**
 * Adagrad; Keras's {@code Adagrad} ({@code keras/src/optimizers/adagrad.py}, {@code Adagrad.update_step}). With
 * learning rate {@code lr} and gradient {@code g}, one step is:
 * <pre>
 * acc = acc + g^2                                 (slot "accumulator", initialised to initial_accumulator_value)
 * w   = w - lr * g / sqrt(acc + epsilon)          (epsilon INSIDE the square root, as in Keras 3)
 * </pre>
 * Keras defaults: learning rate 0.001, initial accumulator value 0.1, epsilon 1e-7 ({@link Optimizer#adagrad()}).
 *
 * @param learningRate {@code learning_rate}, finite and {@code > 0}
 * @param initialAccumulatorValue {@code initial_accumulator_value}, the accumulator's starting value, finite and
 *     {@code >= 0}
 * @param epsilon {@code epsilon}, finite and {@code >= 0}
 */
public record Adagrad(
        @JsonProperty("learning_rate") double learningRate,
        @JsonProperty("initial_accumulator_value") @JsonAlias("initial_accumulator") double initialAccumulatorValue,
        @JsonProperty("epsilon") double epsilon) implements Optimizer {
    private static final long serialVersionUID = 1L;

    static final String NAME = "adagrad";
    static final double DEFAULT_LEARNING_RATE = 0.001;
    static final double DEFAULT_INITIAL_ACCUMULATOR_VALUE = 0.1;
    static final double DEFAULT_EPSILON = 1e-7;
    private static final List<String> SLOTS = List.of("accumulator");

    public Adagrad {
        Checks.learningRate(NAME, learningRate);
        Checks.nonNegative(NAME, "initial_accumulator_value", initialAccumulatorValue);
        Checks.nonNegative(NAME, "epsilon", epsilon);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Adagrad withLearningRate(double learningRate) {
        return new Adagrad(learningRate, initialAccumulatorValue, epsilon);
    }

    public Adagrad withInitialAccumulatorValue(double initialAccumulatorValue) {
        return new Adagrad(learningRate, initialAccumulatorValue, epsilon);
    }

    public Adagrad withEpsilon(double epsilon) {
        return new Adagrad(learningRate, initialAccumulatorValue, epsilon);
    }

    /** {@code [accumulator]}. */
    @Override
    public List<String> slotNames() {
        return SLOTS;
    }

    /** A state whose accumulator is filled with {@link #initialAccumulatorValue()}. */
    @Override
    public OptimizerState init(int parameterCount, DType dtype) {
        return Checks.newState(this, parameterCount, dtype, initialAccumulatorValue);
    }

    @Override
    public OptimizerState applyInPlace(OptimizerState state, Tensor params, Tensor grads) {
        return Checks.update(this, state, params, grads,
                () -> Kernels.scaleByRms(params, grads, state.slot(0), 1, 1, learningRate, epsilon));
    }
}
