// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.blas;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;

import java.util.Arrays;

/**
 * Matrix products of {@link Tensor}s through {@link Blas}: shapes and dtypes are checked here, with both shapes in
 * the message, and the arithmetic is one GEMM. They live beside the BLAS facade rather than on {@code Tensor} so
 * that the tensor package does not depend on BLAS.
 */
public final class Products {
    private Products() {
    }

    /** Matrix product of two rank-2 tensors {@code (m,k)·(k,n) -> (m,n)} through BLAS. */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul: shapes " + a.shape() + " and " + b.shape()
                    + " must both be rank 2");
        }
        requireSameDtype("matmul", a, b);
        if (a.dim(1) != b.dim(0)) {
            throw new IllegalArgumentException("matmul: shapes " + a.shape() + " and " + b.shape()
                    + " do not align: " + a.dim(1) + " != " + b.dim(0));
        }
        Tensor c = Tensor.zeros(Shape.of(a.dim(0), b.dim(1)), a.dtype());
        gemmInPlace(1.0, a, false, b, false, 0.0, c);
        return c;
    }

    /**
     * {@code x·kernel + bias} for {@code x (m,k)}, {@code kernel (k,n)}, {@code bias (n)}: a dense layer's
     * pre-activation in one pass over the result. Each row starts as a copy of the bias and the GEMM adds the
     * product onto it (beta = 1), instead of writing the product and then broadcasting an addition over it.
     */
    public static Tensor affine(Tensor x, Tensor kernel, Tensor bias) {
        if (x.rank() != 2 || kernel.rank() != 2 || bias.rank() != 1) {
            throw new IllegalArgumentException("affine: need x (m,k), kernel (k,n) and bias (n), got x " + x.shape()
                    + ", kernel " + kernel.shape() + ", bias " + bias.shape());
        }
        requireSameDtype("affine", x, kernel);
        requireSameDtype("affine", x, bias);
        int n = kernel.dim(1);
        if (x.dim(1) != kernel.dim(0) || bias.dim(0) != n) {
            throw new IllegalArgumentException("affine: shapes do not align: x " + x.shape() + ", kernel "
                    + kernel.shape() + ", bias " + bias.shape());
        }
        Tensor out = Tensor.zeros(Shape.of(x.dim(0), n), x.dtype());
        boolean f32 = x.dtype() == DType.FLOAT32;
        Object from = f32 ? bias.floatStorage() : bias.doubleStorage();
        Object to = f32 ? out.floatStorage() : out.doubleStorage();
        for (int row = 0; row < x.dim(0); row++) {
            System.arraycopy(from, bias.offset(), to, row * n, n);
        }
        gemmInPlace(1.0, x, false, kernel, false, 1.0, out);
        return out;
    }

    /**
     * {@code C := alpha * op(A) * op(B) + beta * C} for rank-2 tensors of one dtype, through BLAS, where
     * {@code op(X)} is X or its transpose. With {@code beta = 1}, this accumulates into C (a gradient view).
     */
    public static void gemmInPlace(double alpha, Tensor a, boolean transposeA, Tensor b, boolean transposeB,
                                   double beta, Tensor c) {
        String shapes = "A " + a.shape() + (transposeA ? "^T" : "") + ", B " + b.shape() + (transposeB ? "^T" : "")
                + ", C " + c.shape();
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2) {
            throw new IllegalArgumentException("gemmInPlace: all operands must be rank 2: " + shapes);
        }
        if (a.dtype() != b.dtype() || a.dtype() != c.dtype()) {
            throw new IllegalArgumentException("gemmInPlace: dtypes differ: A " + a.dtype() + ", B " + b.dtype()
                    + ", C " + c.dtype() + " (" + shapes + ")");
        }
        int m = transposeA ? a.dim(1) : a.dim(0);
        int k = transposeA ? a.dim(0) : a.dim(1);
        int kb = transposeB ? b.dim(1) : b.dim(0);
        int n = transposeB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new IllegalArgumentException("gemmInPlace: shapes do not align: " + shapes + ": " + k + " != " + kb);
        }
        if (c.dim(0) != m || c.dim(1) != n) {
            throw new IllegalArgumentException("gemmInPlace: C must have shape (" + m + ", " + n + "): " + shapes);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) { // op(A)*op(B) is all zeros; BLAS would reject the leading dimensions
            if (beta == 0) {
                c.fillInPlace(0);
            } else {
                c.scaleInPlace(beta);
            }
            return;
        }
        int lda = a.dim(1);
        int ldb = b.dim(1);
        int ldc = c.dim(1);
        if (c.dtype() == DType.FLOAT32) {
            Blas.sgemm(transposeA, transposeB, m, n, k, (float) alpha, a.floatStorage(), a.offset(), lda,
                    b.floatStorage(), b.offset(), ldb, (float) beta, c.floatStorage(), c.offset(), ldc);
        } else {
            Blas.dgemm(transposeA, transposeB, m, n, k, alpha, a.doubleStorage(), a.offset(), lda,
                    b.doubleStorage(), b.offset(), ldb, beta, c.doubleStorage(), c.offset(), ldc);
        }
    }

    /**
     * Contracts the last axis of {@code a} with the first axis of {@code b}:
     * {@code (a,b,c,d)·(d) -> (a,b,c)} and {@code (a,b,c,d)·(d,e) -> (a,b,c,e)}.
     */
    public static Tensor tensorDot(Tensor a, Tensor b) {
        if (a.rank() < 1 || b.rank() < 1) {
            throw new IllegalArgumentException("tensorDot: shapes " + a.shape() + " and " + b.shape()
                    + " must both have rank >= 1");
        }
        int k = a.dim(-1);
        if (k != b.dim(0)) {
            throw new IllegalArgumentException("tensorDot: shapes " + a.shape() + " and " + b.shape()
                    + " do not align: " + k + " != " + b.dim(0));
        }
        requireSameDtype("tensorDot", a, b);
        int[] lead = Arrays.copyOf(a.shape().dims(), a.rank() - 1);
        int[] trail = Arrays.copyOfRange(b.shape().dims(), 1, b.rank());
        int[] dims = Arrays.copyOf(lead, lead.length + trail.length);
        System.arraycopy(trail, 0, dims, lead.length, trail.length);
        Tensor product = matmul(a.reshape(Shape.of(Shape.of(lead).size(), k)),
                b.reshape(Shape.of(k, Shape.of(trail).size())));
        return product.reshape(Shape.of(dims));
    }

    private static void requireSameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes " + a.dtype() + " and " + b.dtype()
                    + " differ (shapes " + a.shape() + " and " + b.shape() + "); convert one with astype");
        }
    }
}
