// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import java.util.Arrays;

/**
 * The rarer tensor operations, as static helpers beside {@link Tensor} so that the class itself keeps to the
 * primitives the engine runs on: building ({@link #arange}), reordering axes ({@link #permute},
 * {@link #transpose}), an element-wise {@link #maximum} and a comparison ({@link #allClose}). Each is written with
 * {@link Tensor}'s public operations only.
 */
public final class Tensors {
    private Tensors() {
    }

    /** {@code 0, 1, ..., n-1} as a rank-1 tensor. */
    public static Tensor arange(DType dtype, int n) {
        Tensor t = Tensor.zeros(Shape.of(n), dtype);
        for (int i = 0; i < n; i++) {
            t.setFlat(i, i);
        }
        return t;
    }

    /** Element-wise maximum of two broadcast tensors (a NaN on either side gives NaN). */
    public static Tensor maximum(Tensor a, Tensor b) {
        return a.zip(b, Math::max);
    }

    /** Reverses the axes (for a matrix, the usual transpose). Copies. */
    public static Tensor transpose(Tensor t) {
        int rank = t.rank();
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = rank - 1 - i;
        }
        return permute(t, axes);
    }

    /** Reorders the axes: output axis i is input axis {@code axes[i]} (negative axes count from the end). Copies. */
    public static Tensor permute(Tensor t, int... axes) {
        Shape shape = t.shape();
        int rank = shape.rank();
        if (axes.length != rank) {
            throw new IllegalArgumentException("permute: axes " + Arrays.toString(axes)
                    + " do not match the rank of shape " + shape);
        }
        int[] perm = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int a = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (a < 0 || a >= rank || seen[a]) {
                throw new IllegalArgumentException("permute: axes " + Arrays.toString(axes)
                        + " are not a permutation of the axes of shape " + shape);
            }
            seen[a] = true;
            perm[i] = a;
        }
        int[] inDims = shape.dims();
        int[] inStrides = shape.strides();
        int[] outDims = new int[rank];
        int[] strides = new int[rank]; // input stride of each output axis
        for (int i = 0; i < rank; i++) {
            outDims[i] = inDims[perm[i]];
            strides[i] = inStrides[perm[i]];
        }
        Tensor r = Tensor.zeros(Shape.of(outDims), t.dtype());
        int size = t.size();
        if (size == 0) {
            return r;
        }
        boolean f32 = t.dtype() == DType.FLOAT32;
        float[] f = f32 ? t.floatStorage() : null;
        double[] d = f32 ? null : t.doubleStorage();
        float[] rf = f32 ? r.floatStorage() : null;
        double[] rd = f32 ? null : r.doubleStorage();
        int[] idx = new int[rank];
        int src = t.offset();
        for (int i = 0; i < size; i++) {
            if (f32) {
                rf[i] = f[src];
            } else {
                rd[i] = d[src];
            }
            for (int a = rank - 1; a >= 0; a--) {
                src += strides[a];
                if (++idx[a] < outDims[a]) {
                    break;
                }
                src -= strides[a] * outDims[a];
                idx[a] = 0;
            }
        }
        return r;
    }

    /** Same shape and {@code |a-b| <= atol + rtol*|b|} element-wise (dtypes may differ). */
    public static boolean allClose(Tensor a, Tensor b, double rtol, double atol) {
        if (!a.shape().equals(b.shape())) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            double x = a.getFlat(i);
            double y = b.getFlat(i);
            if (!(x == y || Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
                return false;
            }
        }
        return true;
    }
}
