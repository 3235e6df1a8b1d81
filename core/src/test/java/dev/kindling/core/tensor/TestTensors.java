// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

/**
 * Tensor operations only tests use, kept out of {@link Tensor} so that the class holds what the engine runs on.
 * Each is written with {@link Tensor}'s public operations and gives the results the former methods gave.
 */
public final class TestTensors {
    private TestTensors() {
    }

    /** Mean of all elements, as a rank-0 tensor of the input's dtype; accumulates in double. */
    public static Tensor mean(Tensor t) {
        return mean(t.reshape(t.size()), 0, false);
    }

    /** Mean along one axis ({@code keepDims} leaves it with size 1): the sum in double, divided, then rounded. */
    public static Tensor mean(Tensor t, int axis, boolean keepDims) {
        int n = t.dim(axis);
        return t.astype(DType.FLOAT64).sum(axis, keepDims).map(v -> v / n).astype(t.dtype());
    }

    /** {@code t += alpha * other} for same-shaped tensors of one dtype, in double then rounded. Returns t. */
    public static Tensor axpyInPlace(Tensor t, double alpha, Tensor other) {
        if (t.dtype() != other.dtype()) {
            throw new IllegalArgumentException("axpyInPlace: dtypes " + t.dtype() + " and " + other.dtype()
                    + " differ (shapes " + t.shape() + " and " + other.shape() + "); convert one with astype");
        }
        if (!t.shape().equals(other.shape())) {
            throw new IllegalArgumentException("axpyInPlace: shapes " + t.shape() + " and " + other.shape()
                    + " differ");
        }
        for (int i = 0; i < t.size(); i++) {
            t.setFlat(i, t.getFlat(i) + alpha * other.getFlat(i));
        }
        return t;
    }

    /** {@code t^exponent} element-wise, computed in double and rounded to the tensor's dtype. */
    public static Tensor pow(Tensor t, double exponent) {
        return t.map(v -> Math.pow(v, exponent));
    }

    /** The square root of every element, computed in double and rounded to the tensor's dtype. */
    public static Tensor sqrt(Tensor t) {
        return t.map(Math::sqrt);
    }
}
