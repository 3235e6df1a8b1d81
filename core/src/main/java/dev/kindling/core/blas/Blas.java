package dev.kindling.core.blas;

/**
 * Row-major GEMM through {@code dev.ludovic.netlib}: {@code C := alpha * op(A) * op(B) + beta * C}, where
 * {@code op(X)} is X or its transpose, A is m x k after op, B is k x n after op and C is m x n.
 * Leading dimensions are row strides (row-major). The implementation is chosen once (see {@link #implementationName()}).
 */
public final class Blas {
    private Blas() {
    }

    public static void sgemm(boolean transposeA, boolean transposeB, int m, int n, int k,
                             float alpha, float[] a, int aOffset, int lda,
                             float[] b, int bOffset, int ldb,
                             float beta, float[] c, int cOffset, int ldc) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void dgemm(boolean transposeA, boolean transposeB, int m, int n, int k,
                             double alpha, double[] a, int aOffset, int lda,
                             double[] b, int bOffset, int ldb,
                             double beta, double[] c, int cOffset, int ldc) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Which implementation runs, e.g. {@code native OpenBLAS (/usr/lib/...)}, {@code VectorBLAS}, {@code JavaBLAS}. */
    public static String implementationName() {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
