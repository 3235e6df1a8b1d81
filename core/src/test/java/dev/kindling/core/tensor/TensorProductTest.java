// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import dev.kindling.core.Tolerances;
import dev.kindling.core.blas.Products;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.kindling.core.tensor.TensorBasicsTest.assertMessageContains;
import static dev.kindling.core.tensor.TensorBasicsTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** matmul, gemmInPlace and tensorDot against hand-computed values and a naive triple loop. */
class TensorProductTest {


    private static double tolerance(DType dtype) {
        return dtype == DType.FLOAT32 ? Tolerances.FLOAT32_SUMS : Tolerances.FLOAT64;
    }

    /** Naive {@code alpha * op(A) * op(B) + beta * C} through get(), in double. */
    private static double[] naiveGemm(double alpha, Tensor a, boolean ta, Tensor b, boolean tb, double beta,
                                      Tensor c) {
        int m = c.dim(0);
        int n = c.dim(1);
        int k = ta ? a.dim(0) : a.dim(1);
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (ta ? a.get(p, i) : a.get(i, p)) * (tb ? b.get(j, p) : b.get(p, j));
                }
                out[i * n + j] = alpha * s + beta * c.get(i, j);
            }
        }
        return out;
    }

    /** A view of the given shape at a non-zero offset inside a larger random flat array. */
    private static Tensor randomView(DType dtype, Random rng, int offset, int... shape) {
        Shape s = Shape.of(shape);
        int length = offset + s.size() + 3;
        if (dtype == DType.FLOAT32) {
            float[] flat = new float[length];
            for (int i = 0; i < length; i++) {
                flat[i] = (float) (rng.nextDouble() * 2 - 1);
            }
            return Tensor.wrap(flat, offset, s);
        }
        double[] flat = new double[length];
        for (int i = 0; i < length; i++) {
            flat[i] = rng.nextDouble() * 2 - 1;
        }
        return Tensor.wrap(flat, offset, s);
    }

    @Test
    void matmulHandComputed() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        Tensor c = Products.matmul(a, b);
        assertValues(c, new int[] {2, 2}, 58, 64, 139, 154);
        assertEquals(DType.FLOAT32, c.dtype());
        assertValues(Products.matmul(b, a), new int[] {3, 3}, 39, 54, 69, 49, 68, 87, 59, 82, 105);
        Tensor ad = a.astype(DType.FLOAT64);
        assertValues(Products.matmul(ad, b.astype(DType.FLOAT64)), new int[] {2, 2}, 58, 64, 139, 154);
    }

    @Test
    void matmulErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Products.matmul(Tensor.zeros(DType.FLOAT32, 128, 784), Tensor.zeros(DType.FLOAT32, 512, 10)));
        assertEquals("matmul: shapes (128, 784) and (512, 10) do not align: 784 != 512", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Products.matmul(Tensor.zeros(DType.FLOAT32, 2, 3), Tensor.zeros(DType.FLOAT32, 3)));
        assertMessageContains(e, "(2, 3)", "(3,)");
        e = assertThrows(IllegalArgumentException.class,
                () -> Products.matmul(Tensor.zeros(DType.FLOAT32, 2, 3), Tensor.zeros(DType.FLOAT64, 3, 2)));
        assertMessageContains(e, "float32", "float64");
    }

    @Test
    void gemmInPlaceAllTransposeCombinationsOnViews() {
        Random rng = new Random(7);
        int m = 5;
        int n = 3;
        int k = 7;
        for (DType dtype : DType.values()) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    Tensor a = ta ? randomView(dtype, rng, 3, k, m) : randomView(dtype, rng, 3, m, k);
                    Tensor b = tb ? randomView(dtype, rng, 11, n, k) : randomView(dtype, rng, 11, k, n);
                    Tensor c = randomView(dtype, rng, 2, m, n);
                    double alpha = 0.75;
                    double beta = -1.5;
                    double[] expected = naiveGemm(alpha, a, ta, b, tb, beta, c);
                    Object storage = dtype == DType.FLOAT32 ? c.floatStorage().clone() : c.doubleStorage().clone();
                    Products.gemmInPlace(alpha, a, ta, b, tb, beta, c);
                    String what = dtype + " transposeA=" + ta + " transposeB=" + tb;
                    assertArrayEquals(expected, c.toDoubleArray(), tolerance(dtype), what);
                    // elements of the parent array outside the view are untouched
                    Tensor before = dtype == DType.FLOAT32
                            ? Tensor.wrap((float[]) storage, 0, Shape.of(m * n + 5))
                            : Tensor.wrap((double[]) storage, 0, Shape.of(m * n + 5));
                    Tensor after = dtype == DType.FLOAT32
                            ? Tensor.wrap(c.floatStorage(), 0, Shape.of(m * n + 5))
                            : Tensor.wrap(c.doubleStorage(), 0, Shape.of(m * n + 5));
                    assertEquals(before.slice(0, 0, 2), after.slice(0, 0, 2), what);
                    assertEquals(before.slice(0, 2 + m * n, m * n + 5), after.slice(0, 2 + m * n, m * n + 5), what);

                    // matmul agrees with the naive product of op(A) and op(B) materialized
                    Tensor opA = ta ? Tensors.transpose(a) : a;
                    Tensor opB = tb ? Tensors.transpose(b) : b;
                    Tensor zero = Tensor.zeros(Shape.of(m, n), dtype);
                    assertArrayEquals(naiveGemm(1, opA, false, opB, false, 0, zero),
                            Products.matmul(opA, opB).toDoubleArray(), tolerance(dtype), what);
                }
            }
        }
    }

    @Test
    void gemmWithBetaOneAccumulatesIntoAGradientView() {
        double[] grads = new double[10];
        Tensor g = Tensor.wrap(grads, 4, Shape.of(2, 2));
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2); // (batch 3, in 2)
        Tensor dy = Tensor.of(new double[] {1, 0, 0, 1, 1, 1}, 3, 2); // (batch 3, out 2)
        // dW = x^T dy = [[1+0+5, 0+3+5], [2+0+6, 0+4+6]] = [[6, 8], [8, 10]]
        Products.gemmInPlace(1, x, true, dy, false, 1, g);
        Products.gemmInPlace(1, x, true, dy, false, 1, g);
        assertArrayEquals(new double[] {0, 0, 0, 0, 12, 16, 16, 20, 0, 0}, grads);
        Products.gemmInPlace(0.5, x, true, dy, false, 0, g);
        assertArrayEquals(new double[] {0, 0, 0, 0, 3, 4, 4, 5, 0, 0}, grads);
    }

    @Test
    void gemmInPlaceEdgeCasesAndErrors() {
        Tensor c = Tensor.full(Shape.of(2, 2), DType.FLOAT32, 3);
        Products.gemmInPlace(1, Tensor.zeros(DType.FLOAT32, 2, 0), false, Tensor.zeros(DType.FLOAT32, 0, 2), false,
                2, c);
        assertValues(c, new int[] {2, 2}, 6, 6, 6, 6);

        Tensor a = Tensor.zeros(DType.FLOAT32, 4, 3);
        Tensor b = Tensor.zeros(DType.FLOAT32, 4, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Products.gemmInPlace(1, a, false, b, false, 0, Tensor.zeros(DType.FLOAT32, 4, 2)));
        assertMessageContains(e, "(4, 3)", "(4, 2)", "3 != 4");
        e = assertThrows(IllegalArgumentException.class,
                () -> Products.gemmInPlace(1, a, true, b, false, 0, Tensor.zeros(DType.FLOAT32, 2, 3)));
        assertMessageContains(e, "(4, 3)", "(4, 2)", "(2, 3)");
        e = assertThrows(IllegalArgumentException.class,
                () -> Products.gemmInPlace(1, a, true, b, false, 0, Tensor.zeros(DType.FLOAT32, 6)));
        assertMessageContains(e, "(4, 3)", "(4, 2)", "(6,)");
        e = assertThrows(IllegalArgumentException.class,
                () -> Products.gemmInPlace(1, a, true, b, false, 0, Tensor.zeros(DType.FLOAT64, 3, 2)));
        assertMessageContains(e, "float32", "float64");
    }

    @Test
    void affineEqualsMatmulPlusBroadcastBias() {
        Random rng = new Random(3);
        for (DType dtype : DType.values()) {
            Tensor x = Tensor.uniform(Shape.of(4, 5), dtype, -1, 1, rng);
            Tensor kernel = Tensor.uniform(Shape.of(5, 3), dtype, -1, 1, rng);
            Tensor bias = Tensor.uniform(Shape.of(3), dtype, -1, 1, rng);
            Tensor expected = Products.matmul(x, kernel).add(bias);
            assertArrayEquals(expected.toDoubleArray(), Products.affine(x, kernel, bias).toDoubleArray(),
                    tolerance(dtype));
        }
        // the bias a view into a larger array: only its own elements are copied into each row
        Tensor viewed = Products.affine(Tensor.of(new float[] {1, 2}, 1, 2), Tensor.of(new float[] {1, 0, 0, 1}, 2, 2),
                Tensor.wrap(new float[] {100, 10, 20, 100}, 1, Shape.of(2)));
        assertArrayEquals(new double[] {11, 22}, viewed.toDoubleArray(), 0);
        Tensor empty = Products.affine(Tensor.zeros(DType.FLOAT32, 0, 2), Tensor.zeros(DType.FLOAT32, 2, 3),
                Tensor.zeros(DType.FLOAT32, 3));
        assertArrayEquals(new int[] {0, 3}, empty.shape().dims());
    }

    @Test
    void affineErrorsNameTheShapes() {
        Tensor x = Tensor.zeros(DType.FLOAT32, 2, 3);
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> Products.affine(x, Tensor.zeros(DType.FLOAT32, 4, 5), Tensor.zeros(DType.FLOAT32, 5))),
                "affine", "(2, 3)", "(4, 5)");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> Products.affine(x, Tensor.zeros(DType.FLOAT32, 3, 5), Tensor.zeros(DType.FLOAT32, 4))),
                "bias (4,)");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> Products.affine(x, Tensor.zeros(DType.FLOAT32, 3, 5), Tensor.zeros(DType.FLOAT32, 1, 5))),
                "bias (1, 5)");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> Products.affine(x, Tensor.zeros(DType.FLOAT64, 3, 5), Tensor.zeros(DType.FLOAT32, 5))),
                "float32", "float64");
    }

    @Test
    void tensorDotWithVectorAndMatrix() {
        Tensor t = Tensors.arange(DType.FLOAT32, 24).reshape(2, 3, 4); // row r holds 4r .. 4r+3
        Tensor v = Tensor.of(new float[] {1, 0, 0, 1}, 4);
        assertValues(Products.tensorDot(t, v), new int[] {2, 3}, 3, 11, 19, 27, 35, 43);
        Tensor w = Tensor.of(new float[] {1, 0, 0, 1, 0, 0, 1, 1}, 4, 2);
        assertValues(Products.tensorDot(t, w), new int[] {2, 3, 2}, 3, 4, 11, 12, 19, 20, 27, 28, 35, 36, 43, 44);

        // (a,b,c,d)·(d,e) -> (a,b,c,e), and (d)·(d) -> ()
        Random rng = new Random(11);
        Tensor x = randomView(DType.FLOAT64, rng, 5, 2, 1, 3, 4);
        Tensor y = randomView(DType.FLOAT64, rng, 1, 4, 5);
        Tensor xy = Products.tensorDot(x, y);
        assertEquals(Shape.of(2, 1, 3, 5), xy.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int e = 0; e < 5; e++) {
                    double s = 0;
                    for (int d = 0; d < 4; d++) {
                        s += x.get(i, 0, j, d) * y.get(d, e);
                    }
                    assertEquals(s, xy.get(i, 0, j, e), Tolerances.FLOAT64);
                }
            }
        }
        Tensor dot = Products.tensorDot(v, v);
        assertValues(dot, new int[] {}, 2);
        // (d)·(d,e) -> (e)
        assertValues(Products.tensorDot(v, w), new int[] {2}, 2, 1);

        IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
                () -> Products.tensorDot(t, Tensor.zeros(DType.FLOAT32, 3, 2)));
        assertMessageContains(err, "(2, 3, 4)", "(3, 2)", "4 != 3");
    }
}
