// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Argument validation shared by the optimizers; messages start with the optimizer's Keras name. */
final class Checks {
    private Checks() {
    }

    /** A learning rate: finite and strictly positive. */
    static double learningRate(String optimizer, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(optimizer + ": learning_rate must be finite, got " + value);
        }
        if (value <= 0) {
            throw new IllegalArgumentException(optimizer + ": learning_rate must be > 0, got " + value);
        }
        return value;
    }

    /** A decay rate such as momentum, rho or a beta: in {@code [0, 1)}. */
    static double decay(String optimizer, String parameter, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(optimizer + ": " + parameter + " must be in [0, 1), got " + value);
        }
        return value;
    }

    /** An epsilon or initial value: finite and {@code >= 0}. */
    static double nonNegative(String optimizer, String parameter, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(
                    optimizer + ": " + parameter + " must be finite and >= 0, got " + value);
        }
        return value;
    }

    /**
     * {@code init} of every optimizer: checks the parameter count and makes iteration 0 with one fresh rank-1 slot
     * per {@link Optimizer#slotNames() slot name}, filled with {@code value}.
     */
    static OptimizerState newState(Optimizer optimizer, int count, DType dtype, double value) {
        Objects.requireNonNull(dtype, "dtype");
        if (count < 0) {
            throw new IllegalArgumentException(optimizer.name() + ": parameterCount must be >= 0, got " + count);
        }
        List<String> slotNames = optimizer.slotNames();
        List<Tensor> slots = new ArrayList<>(slotNames.size());
        for (int i = 0; i < slotNames.size(); i++) {
            slots.add(value == 0 ? Tensor.zeros(Shape.of(count), dtype) : Tensor.full(Shape.of(count), dtype, value));
        }
        return new OptimizerState(0, slots);
    }

    /**
     * Validates one update: params and grads are rank-1 with equal size and dtype, and the state holds exactly the
     * optimizer's slots, each with the params' size and dtype.
     */
    static void step(Optimizer optimizer, OptimizerState state, Tensor params, Tensor grads) {
        String name = optimizer.name();
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(grads, "grads");
        if (params.rank() != 1) {
            throw new IllegalArgumentException(
                    name + ": params must be a flat rank-1 tensor, got shape " + params.shape());
        }
        if (grads.rank() != 1) {
            throw new IllegalArgumentException(
                    name + ": grads must be a flat rank-1 tensor, got shape " + grads.shape());
        }
        if (grads.size() != params.size() || grads.dtype() != params.dtype()) {
            throw new IllegalArgumentException(name + ": grads must match params: expected "
                    + describe(params) + ", got " + describe(grads));
        }
        List<String> names = optimizer.slotNames();
        List<Tensor> slots = state.slots();
        if (slots.size() != names.size()) {
            throw new IllegalArgumentException(name + ": expected a state with " + names.size() + " slot(s) "
                    + names + ", got " + slots.size() + " (was the state created by this optimizer's init?)");
        }
        for (int i = 0; i < slots.size(); i++) {
            Tensor slot = slots.get(i);
            if (slot.rank() != 1 || slot.size() != params.size() || slot.dtype() != params.dtype()) {
                throw new IllegalArgumentException(name + ": state slot " + names.get(i)
                        + " does not match params: expected " + describe(params) + ", got " + describe(slot));
            }
        }
    }

    private static String describe(Tensor t) {
        return t.dtype() + " " + t.shape();
    }

    /**
     * One optimizer step: checks the operands ({@link #step}), runs {@code kernel} when every operand starts at one
     * offset (else on compact copies, {@link #stepOnCompactCopies}) and returns the next state.
     */
    static OptimizerState update(Optimizer optimizer, OptimizerState state, Tensor params, Tensor grads,
                                 Runnable kernel) {
        step(optimizer, state, params, grads);
        if (!sameOffsets(state, params, grads)) {
            return stepOnCompactCopies(optimizer, state, params, grads);
        }
        kernel.run();
        return state.next();
    }

    /** Whether params, grads and every slot start at the same offset in their arrays (normally 0). */
    static boolean sameOffsets(OptimizerState state, Tensor params, Tensor grads) {
        int offset = params.offset();
        if (grads.offset() != offset) {
            return false;
        }
        for (Tensor slot : state.slots()) {
            if (slot.offset() != offset) {
                return false;
            }
        }
        return true;
    }

    /**
     * One step for operands at different offsets (views into larger arrays): runs the optimizer on compact
     * copies, then writes params and slots back in place. The update loops index every array with one offset
     * because C2 vectorizes a loop only when it can see that its arrays do not overlap at a shifted index; with
     * separate offsets the same RMSprop step measured 1.18 ms instead of 0.21 ms on 407k floats.
     */
    static OptimizerState stepOnCompactCopies(Optimizer optimizer, OptimizerState state, Tensor params,
                                              Tensor grads) {
        List<Tensor> slotCopies = new ArrayList<>();
        for (Tensor slot : state.slots()) {
            slotCopies.add(slot.copy());
        }
        Tensor paramsCopy = params.copy();
        OptimizerState stepped = optimizer.applyInPlace(new OptimizerState(state.iterations(), slotCopies),
                paramsCopy, grads.copy());
        params.assignInPlace(paramsCopy);
        for (int i = 0; i < slotCopies.size(); i++) {
            state.slot(i).assignInPlace(stepped.slot(i));
        }
        return state.next();
    }
}
