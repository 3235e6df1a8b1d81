// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

import dev.kindling.core.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A node of the reverse-mode autodiff graph: a value, the gradient of the final scalar with respect to it, and
 * how to pass a gradient back to the nodes it was computed from.
 *
 * <p>Gradients <em>accumulate</em> ({@code +=}): a variable used twice receives the sum of both contributions,
 * and a parameter bound to a view of a flat gradient vector ({@link #parameter}) adds straight into that vector.
 * Ops live in {@link Ops}; each op's backward rule sits beside its forward.
 */
public final class Variable {
    /** Passes the gradient of this node's output back to its parents (calls {@link #accumulateGrad}). */
    @FunctionalInterface
    interface Backward {
        void apply(Tensor outputGrad);
    }

    private final Tensor value;
    private final List<Variable> parents;
    private final Backward backward;
    private final boolean requiresGrad;
    private Tensor grad;
    private final boolean gradIsBound;

    private Variable(Tensor value, List<Variable> parents, Backward backward, boolean requiresGrad, Tensor grad) {
        this.value = value;
        this.parents = parents;
        this.backward = backward;
        this.requiresGrad = requiresGrad;
        this.grad = grad;
        this.gradIsBound = grad != null;
    }

    /** A value that needs no gradient: inputs, targets, masks. */
    public static Variable constant(Tensor value) {
        return new Variable(value, List.of(), null, false, null);
    }

    /** A leaf whose gradient is collected in a fresh tensor, readable with {@link #grad()} after backward. */
    public static Variable leaf(Tensor value) {
        return new Variable(value, List.of(), null, true, null);
    }

    /**
     * A leaf whose gradient accumulates into {@code gradSink}, typically a view into a model's flat gradient
     * vector; the sink is not zeroed here, so gradients of several backward passes add up.
     */
    public static Variable parameter(Tensor value, Tensor gradSink) {
        if (!value.shape().equals(gradSink.shape()) || value.dtype() != gradSink.dtype()) {
            throw new IllegalArgumentException("gradient sink " + gradSink.dtype() + " " + gradSink.shape()
                    + " does not match parameter " + value.dtype() + " " + value.shape());
        }
        return new Variable(value, List.of(), null, true, gradSink);
    }

    /** The result of an op; records the graph unless gradients are off ({@link NoGrad}) or no input needs one. */
    static Variable result(Tensor value, Backward backward, Variable... inputs) {
        boolean anyRequires = false;
        for (Variable v : inputs) {
            anyRequires |= v.requiresGrad;
        }
        if (!anyRequires || NoGrad.isActive()) {
            return constant(value);
        }
        return new Variable(value, List.of(inputs), backward, true, null);
    }

    public Tensor value() {
        return value;
    }

    /** The accumulated gradient, or null if nothing reached this variable. */
    public Tensor grad() {
        return grad;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Adds a contribution to this variable's gradient; ignored for constants. The variable may keep the
     * contribution itself as its gradient, so callers pass a tensor nobody else holds: every backward rule in
     * {@link Ops} computes a fresh one, and a contribution used for two parents is two tensors.
     */
    void accumulateGrad(Tensor contribution) {
        if (!requiresGrad) {
            return;
        }
        if (!contribution.shape().equals(value.shape())) {
            throw new IllegalStateException("gradient of shape " + contribution.shape()
                    + " for a value of shape " + value.shape());
        }
        if (grad == null) {
            // Kept, not copied: contributions are fresh (see above), and a copy per node was a full extra pass
            // over every activation-sized gradient.
            grad = contribution.dtype() == value.dtype() ? contribution : contribution.astype(value.dtype());
        } else {
            grad.addInPlace(contribution);
        }
    }

    /**
     * The tensor this parameter's gradient accumulates into, if it was bound with {@link #parameter}, else null.
     * Lets an op add its contribution in place (a GEMM with beta = 1) instead of allocating one.
     */
    Tensor boundGradSink() {
        return gradIsBound ? grad : null;
    }

    /**
     * Reverse-mode pass from this scalar: seeds its gradient with 1 and visits the graph in reverse topological
     * order, so each node passes on its gradient only once all its consumers have contributed.
     */
    public void backward() {
        if (value.size() != 1) {
            throw new IllegalStateException("backward() needs a scalar, got shape " + value.shape());
        }
        if (!requiresGrad) {
            throw new IllegalStateException("backward() on a value that does not depend on any parameter");
        }
        accumulateGrad(Tensor.full(value.shape(), value.dtype(), 1.0));
        List<Variable> order = topologicalOrder();
        for (int i = order.size() - 1; i >= 0; i--) {
            Variable node = order.get(i);
            if (node.backward != null && node.grad != null) {
                node.backward.apply(node.grad);
                if (!node.gradIsBound) {
                    node.grad = null; // intermediate gradients are not needed once passed on; frees memory
                }
            }
        }
    }

    /** Nodes that require a gradient, each after all of its parents (iterative DFS: deep graphs don't overflow). */
    private List<Variable> topologicalOrder() {
        List<Variable> order = new ArrayList<>();
        Set<Variable> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Variable> stack = new ArrayDeque<>();
        Deque<Boolean> expanded = new ArrayDeque<>();
        stack.push(this);
        expanded.push(false);
        while (!stack.isEmpty()) {
            Variable node = stack.pop();
            boolean done = expanded.pop();
            if (done) {
                order.add(node);
                continue;
            }
            if (!visited.add(node)) {
                continue;
            }
            stack.push(node);
            expanded.push(true);
            for (Variable p : node.parents) {
                if (p.requiresGrad && !visited.contains(p)) {
                    stack.push(p);
                    expanded.push(false);
                }
            }
        }
        return order;
    }

    @Override
    public String toString() {
        return "Variable" + (requiresGrad ? "(requires grad) " : " ") + value;
    }
}
