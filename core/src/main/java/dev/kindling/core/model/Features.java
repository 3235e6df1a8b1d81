// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;

/**
 * A batch of model inputs as a data source holds them: dense rows (a {@link Tensor} {@code (rows, sample...)}) or
 * sparse rows ({@link SparseRows}, compressed sparse rows). Batches are cut from either the same way, and the
 * network's forward pass starts from either ({@link #preActivation}); nothing between the data and the first layer
 * densifies sparse rows.
 */
public sealed interface Features extends Serializable {

    /** Dense rows {@code (rows, sample...)}. */
    static Features dense(Tensor x) {
        return new Dense(x);
    }

    /** Sparse rows. */
    static Features sparse(SparseRows x) {
        return new Sparse(x);
    }

    int rows();

    /** Rows {@code [from, to)}. */
    Features slice(int from, int to);

    /** The rows at {@code indices}, in that order. */
    Features take(int[] indices);

    /** Bytes the rows' arrays hold: what a packed Spark partition keeps in memory for them. */
    long packedBytes();

    /** The network's forward pass up to its last activation on these rows (see {@link Network#preActivation}). */
    Variable preActivation(Network network, Tensor weights, Tensor gradSink, ForwardContext context);

    /** Outputs after the last activation, without a graph. */
    Tensor predict(Network network, Tensor weights);

    /** Dense rows. */
    record Dense(Tensor x) implements Features {
        @Override
        public int rows() {
            return x.dim(0);
        }

        @Override
        public Features slice(int from, int to) {
            return new Dense(x.slice(0, from, to));
        }

        @Override
        public Features take(int[] indices) {
            return new Dense(x.take(0, indices));
        }

        @Override
        public long packedBytes() {
            return (long) x.size() * x.dtype().bytes();
        }

        @Override
        public Variable preActivation(Network network, Tensor weights, Tensor gradSink, ForwardContext context) {
            return network.preActivation(Variable.constant(x), weights, gradSink, context);
        }

        @Override
        public Tensor predict(Network network, Tensor weights) {
            return network.predict(x, weights);
        }
    }

    /** Sparse rows. */
    record Sparse(SparseRows x) implements Features {
        @Override
        public int rows() {
            return x.rows();
        }

        @Override
        public Features slice(int from, int to) {
            return new Sparse(x.slice(from, to));
        }

        @Override
        public Features take(int[] indices) {
            return new Sparse(x.take(indices));
        }

        @Override
        public long packedBytes() {
            return x.packedBytes();
        }

        @Override
        public Variable preActivation(Network network, Tensor weights, Tensor gradSink, ForwardContext context) {
            return network.preActivation(x, weights, gradSink, context);
        }

        @Override
        public Tensor predict(Network network, Tensor weights) {
            return network.predict(x, weights);
        }
    }
}
