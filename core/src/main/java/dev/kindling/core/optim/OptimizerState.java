// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * The mutable part of an optimizer, made explicit so that its owner (the Spark driver) can checkpoint and ship
 * it: the number of update steps applied so far and the optimizer's slot tensors.
 *
 * <p>The slots are flat rank-1 tensors of the parameters' size and dtype, in the order of
 * {@link Optimizer#slotNames()}:
 * <ul>
 *   <li>{@link Sgd}: {@code [velocity]} with momentum, none without;</li>
 *   <li>{@link RmsProp}: {@code [mean_square]} (Keras calls it {@code velocity});</li>
 *   <li>{@link Adam}: {@code [m, v]}, the first and second moment estimates;</li>
 *   <li>{@link Adagrad}: {@code [accumulator]}.</li>
 * </ul>
 *
 * <p>The record and its list are immutable, but the slot tensors are not: {@link Optimizer#applyInPlace}
 * updates them in place and returns a new record with the same tensors and {@code iterations + 1}. Treat a state
 * that has been passed to {@code applyInPlace} as consumed; to keep a snapshot (a checkpoint), copy the slots or
 * serialize the state before the next step.
 *
 * @param iterations the number of update steps applied so far (Keras's {@code optimizer.iterations}); Adam's
 *     bias correction uses {@code iterations + 1}
 * @param slots the slot tensors (an immutable list; the tensors themselves change in place)
 */
public record OptimizerState(long iterations, List<Tensor> slots) implements Serializable {
    private static final long serialVersionUID = 1L;

    public OptimizerState {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
        }
        slots = List.copyOf(Objects.requireNonNull(slots, "slots"));
    }

    /** The i-th slot tensor. */
    public Tensor slot(int i) {
        return slots.get(i);
    }

    /** The state after one more step: the same slot tensors, {@code iterations + 1}. */
    OptimizerState next() {
        return new OptimizerState(iterations + 1, slots);
    }
}
