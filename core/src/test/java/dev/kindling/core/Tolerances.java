// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core;

/**
 * The tests' float tolerances, one name per reason two results may differ, shared by every module's tests (core's
 * test jar). A test that needs a looser bound than these says why beside its own constant.
 */
public final class Tolerances {
    /** Float64 results that differ only in summation order or a transcendental function's last bits. */
    public static final double FLOAT64 = 1e-12;
    /** Float64 weights after training steps whose gradients were summed in another order (distributed vs local). */
    public static final double FLOAT64_TRAINED = 1e-10;
    /** Float32 results a rounding or two apart (about 2^-23 relative, with slack). */
    public static final double FLOAT32 = 1e-6;
    /** Float32 sums of many products in another order (another GEMM blocking or BLAS), for values about 1. */
    public static final double FLOAT32_SUMS = 1e-5;
    /** Float32 weights after a few dozen steps whose gradients were summed in another order (distributed vs local). */
    public static final double FLOAT32_TRAINED = 1e-4;

    private Tolerances() {
    }
}
