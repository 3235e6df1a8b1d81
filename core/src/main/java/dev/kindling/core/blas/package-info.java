// SPDX-License-Identifier: Apache-2.0
/**
 * Matrix products for Kindling: {@link dev.kindling.core.blas.Blas} is a small row-major facade over
 * {@code dev.ludovic.netlib} GEMM ({@code C := alpha * op(A) * op(B) + beta * C}), {@link
 * dev.kindling.core.blas.Products} the tensor products on top of it ({@code matmul}, {@code affine},
 * {@code gemmInPlace}, {@code tensorDot}), and {@code BlasLoader} finds and loads the implementation.
 *
 * <p>The implementation is picked deliberately, once per JVM, and logged once, because the speed differs by more
 * than an order of magnitude: native OpenBLAS, then netlib's VectorBLAS (Java Vector API, needs
 * {@code --add-modules=jdk.incubator.vector}), then pure Java. netlib's own {@code BLAS.getInstance()} is not used:
 * it accepts any native {@code libblas.so.3} that loads, including the slow reference BLAS. The system property
 * {@code kindling.blas} ({@code auto}, {@code native}, {@code vector}, {@code java}) forces a choice; a forced choice
 * that cannot load is an error, not a silent fallback. {@code dev.ludovic.netlib.blas.nativeLibPath}, if set, names
 * the native library to use instead of searching the usual OpenBLAS locations.
 */
package dev.kindling.core.blas;
