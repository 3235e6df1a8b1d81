// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.blas;

import dev.ludovic.netlib.blas.BLAS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Objects;

/**
 * Row-major GEMM through {@code dev.ludovic.netlib}: {@code C := alpha * op(A) * op(B) + beta * C}, where
 * {@code op(X)} is X or its transpose, A is m x k after op, B is k x n after op and C is m x n.
 * Leading dimensions are row strides (row-major) of the matrices as stored, offsets index into the arrays.
 * The implementation is chosen once (see {@link #implementationName()} and the package documentation):
 * system property {@value #PROPERTY} = {@code auto} (default) | {@code native} | {@code bundled} | {@code system}
 * | {@code vector} | {@code java}.
 */
public final class Blas {
    /**
     * System property forcing the implementation: {@code auto}, {@code native} (bundled, else system OpenBLAS),
     * {@code bundled}, {@code system}, {@code vector} or {@code java}.
     */
    public static final String PROPERTY = "kindling.blas";

    private static final Logger LOG = LoggerFactory.getLogger(Blas.class);

    private Blas() {
    }

    private static final class Holder {
        static final BlasLoader.Selection SELECTION;
        static final RuntimeException FAILURE;

        static {
            BlasLoader.Selection selection = null;
            RuntimeException failure = null;
            try {
                selection = BlasLoader.select(System.getProperty(PROPERTY));
                if (selection.slowFallback()) {
                    LOG.warn("BLAS: {}", selection.reason());
                } else {
                    LOG.info("BLAS: {}", selection.reason());
                }
            } catch (RuntimeException e) {
                failure = e;
                LOG.error("BLAS: no implementation: {}", e.getMessage());
            }
            SELECTION = selection;
            FAILURE = failure;
        }
    }

    private static BlasLoader.Selection selection() {
        if (Holder.FAILURE != null) {
            throw new IllegalStateException(Holder.FAILURE.getMessage(), Holder.FAILURE);
        }
        return Holder.SELECTION;
    }

    /**
     * Which implementation runs, e.g. {@code native OpenBLAS, bundled (/root/.javacpp/cache/...)},
     * {@code native OpenBLAS, system (/usr/lib/...)}, {@code VectorBLAS (Java Vector API)}, {@code JavaBLAS (pure Java)}.
     */
    public static String implementationName() {
        return selection().name();
    }

    /** Row-major {@code C := alpha * op(A) * op(B) + beta * C} in single precision. */
    public static void sgemm(boolean transposeA, boolean transposeB, int m, int n, int k,
                             float alpha, float[] a, int aOffset, int lda,
                             float[] b, int bOffset, int ldb,
                             float beta, float[] c, int cOffset, int ldc) {
        sgemm(selection().blas(), transposeA, transposeB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                beta, c, cOffset, ldc);
    }

    /** Row-major {@code C := alpha * op(A) * op(B) + beta * C} in double precision. */
    public static void dgemm(boolean transposeA, boolean transposeB, int m, int n, int k,
                             double alpha, double[] a, int aOffset, int lda,
                             double[] b, int bOffset, int ldb,
                             double beta, double[] c, int cOffset, int ldc) {
        dgemm(selection().blas(), transposeA, transposeB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                beta, c, cOffset, ldc);
    }

    // ---- row-major -> column-major mapping -------------------------------------------------------------------

    /*
     * A row-major matrix with row stride ld is, read column-major with the same ld, its transpose. So row-major
     * C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap A/B and m/n; the transpose flags stay with
     * their matrices. k == 0 or alpha == 0 is done here (C := beta * C) so every implementation behaves the same.
     */
    static void sgemm(BLAS blas, boolean transposeA, boolean transposeB, int m, int n, int k,
                      float alpha, float[] a, int aOffset, int lda,
                      float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(c, "c");
        checkArguments(transposeA, transposeB, m, n, k, aOffset, lda, a.length, bOffset, ldb, b.length,
                cOffset, ldc, c.length);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            for (int i = 0; i < m; i++) {
                int row = cOffset + i * ldc;
                if (beta == 0f) {
                    Arrays.fill(c, row, row + n, 0f);
                } else if (beta != 1f) {
                    for (int j = row; j < row + n; j++) {
                        c[j] *= beta;
                    }
                }
            }
            return;
        }
        blas.sgemm(transposeB ? "T" : "N", transposeA ? "T" : "N", n, m, k,
                alpha, b, bOffset, ldb, a, aOffset, lda, beta, c, cOffset, ldc);
    }

    static void dgemm(BLAS blas, boolean transposeA, boolean transposeB, int m, int n, int k,
                      double alpha, double[] a, int aOffset, int lda,
                      double[] b, int bOffset, int ldb,
                      double beta, double[] c, int cOffset, int ldc) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(c, "c");
        checkArguments(transposeA, transposeB, m, n, k, aOffset, lda, a.length, bOffset, ldb, b.length,
                cOffset, ldc, c.length);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0d) {
            for (int i = 0; i < m; i++) {
                int row = cOffset + i * ldc;
                if (beta == 0d) {
                    Arrays.fill(c, row, row + n, 0d);
                } else if (beta != 1d) {
                    for (int j = row; j < row + n; j++) {
                        c[j] *= beta;
                    }
                }
            }
            return;
        }
        blas.dgemm(transposeB ? "T" : "N", transposeA ? "T" : "N", n, m, k,
                alpha, b, bOffset, ldb, a, aOffset, lda, beta, c, cOffset, ldc);
    }

    private static void checkArguments(boolean transposeA, boolean transposeB, int m, int n, int k,
                                       int aOffset, int lda, int aLength, int bOffset, int ldb, int bLength,
                                       int cOffset, int ldc, int cLength) {
        checkSize("m", m);
        checkSize("n", n);
        checkSize("k", k);
        // stored (row-major) shapes: op(A) is m x k, op(B) is k x n, C is m x n
        checkMatrix("a", transposeA ? k : m, transposeA ? m : k, aOffset, lda, aLength);
        checkMatrix("b", transposeB ? n : k, transposeB ? k : n, bOffset, ldb, bLength);
        checkMatrix("c", m, n, cOffset, ldc, cLength);
    }

    private static void checkSize(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + ": expected >= 0, got " + value);
        }
    }

    private static void checkMatrix(String name, int rows, int cols, int offset, int ld, int length) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("ld" + name + ": expected >= " + Math.max(1, cols)
                    + " (columns of stored " + name + ", " + rows + " x " + cols + "), got " + ld);
        }
        if (offset < 0) {
            throw new IllegalArgumentException(name + "Offset: expected >= 0, got " + offset);
        }
        long needed = rows == 0 || cols == 0 ? offset : offset + (long) (rows - 1) * ld + cols;
        if (needed > length) {
            throw new IllegalArgumentException(name + ".length: expected >= " + needed + " (offset " + offset
                    + " + " + rows + " x " + cols + " with ld " + ld + "), got " + length);
        }
    }
}
