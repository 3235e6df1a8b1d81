// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

/**
 * The innermost loops that this package's kernels ({@link SparseRows}' products, {@link Window2D}'s patches and
 * pooling) share: one run of {@code n} consecutive numbers at a time, in the storage's own precision. The float32
 * loops stay in float arithmetic, which C2 vectorizes (see {@code optim.Kernels}); each kernel walks its own indices
 * and calls these.
 */
final class Runs {
    private Runs() {
    }

    /** {@code y[to .. to+n) += a · x[from .. from+n)}. */
    static void axpy(float a, float[] x, int from, float[] y, int to, int n) {
        for (int j = 0; j < n; j++) {
            y[to + j] += a * x[from + j];
        }
    }

    static void axpy(double a, double[] x, int from, double[] y, int to, int n) {
        for (int j = 0; j < n; j++) {
            y[to + j] += a * x[from + j];
        }
    }

    /** {@code y[to .. to+n) += x[from .. from+n)}. */
    static void add(float[] x, int from, float[] y, int to, int n) {
        for (int j = 0; j < n; j++) {
            y[to + j] += x[from + j];
        }
    }

    static void add(double[] x, int from, double[] y, int to, int n) {
        for (int j = 0; j < n; j++) {
            y[to + j] += x[from + j];
        }
    }
}
