// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import java.util.Random;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleBinaryOperator;

import static dev.kindling.core.tensor.TensorBasicsTest.assertMessageContains;
import static dev.kindling.core.tensor.TensorBasicsTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.kindling.core.Tolerances;

/** Element-wise operations with broadcasting, reductions, sumToShape, in-place operations and comparisons. */
class TensorOpsTest {


    private static Tensor m23() {
        return Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    }

    private static Tensor f32(int[] shape, float... values) {
        return Tensor.of(values, shape);
    }

    // ---- element-wise with broadcasting -------------------------------------------------------------

    @Test
    void binaryOpsSameShape() {
        Tensor a = m23();
        Tensor b = f32(new int[] {2, 3}, 2, 2, 2, 8, 1, 4);
        assertValues(a.add(b), new int[] {2, 3}, 3, 4, 5, 12, 6, 10);
        assertValues(a.sub(b), new int[] {2, 3}, -1, 0, 1, -4, 4, 2);
        assertValues(a.mul(b), new int[] {2, 3}, 2, 4, 6, 32, 5, 24);
        assertValues(a.div(b), new int[] {2, 3}, 0.5, 1, 1.5, 0.5, 5, 1.5);
        assertValues(Tensors.maximum(a, b), new int[] {2, 3}, 2, 2, 3, 8, 5, 6);
        assertValues(a.zip(b, (x, y) -> 10 * x + y), new int[] {2, 3}, 12, 22, 32, 48, 51, 64);
        assertEquals(DType.FLOAT32, a.add(b).dtype());
    }

    @Test
    void binaryOpsWithScalar() {
        Tensor a = m23();
        Tensor ten = Tensor.scalar(10, DType.FLOAT32);
        assertValues(a.add(ten), new int[] {2, 3}, 11, 12, 13, 14, 15, 16);
        assertValues(ten.sub(a), new int[] {2, 3}, 9, 8, 7, 6, 5, 4);
        assertValues(a.mul(ten), new int[] {2, 3}, 10, 20, 30, 40, 50, 60);
        assertValues(a.div(Tensor.scalar(4, DType.FLOAT32)), new int[] {2, 3}, 0.25, 0.5, 0.75, 1, 1.25, 1.5);
        assertValues(Tensors.maximum(a, Tensor.scalar(3.5, DType.FLOAT32)), new int[] {2, 3}, 3.5, 3.5, 3.5, 4, 5, 6);
        assertValues(a.add(-1), new int[] {2, 3}, 0, 1, 2, 3, 4, 5);
        assertValues(a.mul(0.5), new int[] {2, 3}, 0.5, 1, 1.5, 2, 2.5, 3);
    }

    @Test
    void binaryOpsWithRowVector() {
        Tensor a = m23();
        Tensor row = f32(new int[] {3}, 10, 20, 40);
        assertValues(a.add(row), new int[] {2, 3}, 11, 22, 43, 14, 25, 46);
        assertValues(row.add(a), new int[] {2, 3}, 11, 22, 43, 14, 25, 46);
        assertValues(a.sub(row), new int[] {2, 3}, -9, -18, -37, -6, -15, -34);
        assertValues(a.mul(row), new int[] {2, 3}, 10, 40, 120, 40, 100, 240);
        assertValues(row.div(a), new int[] {2, 3}, 10, 10, 40 / 3f, 2.5, 4, 40 / 6f);
        assertValues(Tensors.maximum(a, f32(new int[] {1, 3}, 3, 0, 7)), new int[] {2, 3}, 3, 2, 7, 4, 5, 7);
    }

    @Test
    void binaryOpsWithColumnVector() {
        Tensor a = m23();
        Tensor col = f32(new int[] {2, 1}, 10, 20);
        assertValues(a.add(col), new int[] {2, 3}, 11, 12, 13, 24, 25, 26);
        assertValues(col.sub(a), new int[] {2, 3}, 9, 8, 7, 16, 15, 14);
        assertValues(a.mul(col), new int[] {2, 3}, 10, 20, 30, 80, 100, 120);
        assertValues(a.div(col), new int[] {2, 3}, 0.1f, 0.2f, 0.3f, 0.2f, 0.25f, 0.3f);
        // column times row: an outer product
        assertValues(col.mul(f32(new int[] {3}, 1, 2, 3)), new int[] {2, 3}, 10, 20, 30, 20, 40, 60);
    }

    @Test
    void binaryOpsBroadcastBothWays() {
        Tensor a = Tensors.arange(DType.FLOAT64, 6).reshape(2, 1, 3); // [[[0,1,2]], [[3,4,5]]]
        Tensor b = Tensor.of(new double[] {0, 10, 20, 30}, 4, 1);
        double[] sum = {
            0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32,
            3, 4, 5, 13, 14, 15, 23, 24, 25, 33, 34, 35};
        assertValues(a.add(b), new int[] {2, 4, 3}, sum);
        assertValues(b.add(a), new int[] {2, 4, 3}, sum);
        assertValues(a.mul(b), new int[] {2, 4, 3},
                0, 0, 0, 0, 10, 20, 0, 20, 40, 0, 30, 60,
                0, 0, 0, 30, 40, 50, 60, 80, 100, 90, 120, 150);
        assertValues(b.sub(a), new int[] {2, 4, 3},
                0, -1, -2, 10, 9, 8, 20, 19, 18, 30, 29, 28,
                -3, -4, -5, 7, 6, 5, 17, 16, 15, 27, 26, 25);
    }

    /** Naive broadcasting through get(): aligns from the right, size-1 axes read index 0. */
    private static Tensor naive(Tensor a, Tensor b, DoubleBinaryOperator op) {
        Shape out = Shape.broadcast(a.shape(), b.shape());
        Tensor r = Tensor.zeros(out, a.dtype());
        int[] dims = out.dims();
        int[] idx = new int[dims.length];
        for (int flat = 0; flat < out.size(); flat++) {
            int rest = flat;
            for (int ax = dims.length - 1; ax >= 0; ax--) {
                idx[ax] = rest % dims[ax];
                rest /= dims[ax];
            }
            r.setFlat(flat, op.applyAsDouble(a.get(project(idx, a.shape())), b.get(project(idx, b.shape()))));
        }
        return r;
    }

    private static int[] project(int[] idx, Shape s) {
        int[] p = new int[s.rank()];
        int lead = idx.length - s.rank();
        for (int i = 0; i < p.length; i++) {
            p[i] = s.dim(i) == 1 ? 0 : idx[lead + i];
        }
        return p;
    }

    @Test
    void broadcastingMatchesNaiveIndexingOnViews() {
        int[][][] pairs = {
            {{2, 3, 4}, {3, 1}}, {{2, 1, 4}, {3, 1}}, {{1, 3}, {2, 1}}, {{}, {2, 2}}, {{4}, {3, 1}},
            {{2, 3, 4}, {2, 1, 4}}, {{2, 3, 4}, {1, 3, 1}}, {{5, 1, 1, 2}, {3, 2, 1}}, {{3, 2}, {3, 2}},
            {{1, 1}, {1}}};
        double[] flat = new double[200];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = i % 7 - 3 + i * 0.25;
        }
        for (int[][] pair : pairs) {
            Tensor a = Tensor.wrap(flat, 3, Shape.of(pair[0]));
            Tensor b = Tensor.wrap(flat, 50, Shape.of(pair[1]));
            String what = a.shape() + " and " + b.shape();
            assertEquals(naive(a, b, Double::sum), a.add(b), what);
            assertEquals(naive(b, a, (x, y) -> x - y), b.sub(a), what);
            assertEquals(naive(a, b, (x, y) -> x * y), a.mul(b), what);
            assertEquals(naive(a, b, (x, y) -> x / y), a.div(b), what);
            assertEquals(naive(a, b, Math::max), Tensors.maximum(a, b), what);
            Tensor af = a.astype(DType.FLOAT32);
            Tensor bf = b.astype(DType.FLOAT32);
            assertEquals(naive(af, bf, (x, y) -> x / y), af.div(bf), what);
        }
    }

    @Test
    void binaryOpErrorsNameBothShapesOrDtypes() {
        Tensor a = m23();
        for (Tensor bad : new Tensor[] {Tensor.zeros(DType.FLOAT32, 4), Tensor.zeros(DType.FLOAT32, 3, 3)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(bad));
            assertMessageContains(e, "(2, 3)", bad.shape().toString());
            assertThrows(IllegalArgumentException.class, () -> a.sub(bad));
            assertThrows(IllegalArgumentException.class, () -> a.mul(bad));
            assertThrows(IllegalArgumentException.class, () -> a.div(bad));
            assertThrows(IllegalArgumentException.class, () -> Tensors.maximum(a, bad));
            assertThrows(IllegalArgumentException.class, () -> a.zip(bad, Double::sum));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.add(Tensor.zeros(DType.FLOAT64, 3)));
        assertMessageContains(e, "float32", "float64");
    }

    @Test
    void unaryOps() {
        Tensor x = Tensor.of(new double[] {-2, 0, 0.5, 4}, 2, 2);
        assertValues(x.neg(), new int[] {2, 2}, 2, 0, -0.5, -4);
        assertValues(x.square(), new int[] {2, 2}, 4, 0, 0.25, 16);
        assertValues(x.relu(), new int[] {2, 2}, 0, 0, 0.5, 4);
        assertValues(TestTensors.pow(x, 3), new int[] {2, 2}, -8, 0, 0.125, 64);
        assertValues(x.map(v -> 2 * v + 1), new int[] {2, 2}, -3, 1, 2, 9);
        Tensor pos = Tensor.of(new double[] {1, 4, 0.25}, 3);
        assertValues(TestTensors.sqrt(pos), new int[] {3}, 1, 2, 0.5);
        assertArrayEquals(new double[] {0, Math.log(4), Math.log(0.25)}, pos.log().toDoubleArray(), Tolerances.FLOAT64);
        assertArrayEquals(new double[] {Math.exp(-2), 1, Math.exp(0.5), Math.exp(4)}, x.exp().toDoubleArray(),
                Tolerances.FLOAT64);
        assertArrayEquals(new double[] {Math.tanh(-2), 0, Math.tanh(0.5), Math.tanh(4)}, x.tanh().toDoubleArray(),
                Tolerances.FLOAT64);
        assertArrayEquals(new double[] {1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(-4))},
                x.sigmoid().toDoubleArray(), Tolerances.FLOAT64);
        // a stable sigmoid: no NaN at the extremes
        assertValues(Tensor.of(new double[] {-1000, 1000}, 2).sigmoid(), new int[] {2}, 0, 1);
        // float32: computed in double, rounded once
        Tensor xf = x.astype(DType.FLOAT32);
        Tensor ef = xf.exp();
        assertEquals(DType.FLOAT32, ef.dtype());
        assertEquals((float) Math.exp(0.5), ef.getFlat(2));
        assertArrayEquals(x.exp().toDoubleArray(), ef.toDoubleArray(), Tolerances.FLOAT32 * Math.exp(4));
        // unary ops read only the view's elements
        float[] parent = {100, -1, 2, 100};
        assertValues(Tensor.wrap(parent, 1, Shape.of(2)).relu(), new int[] {2}, 0, 2);
    }

    @Test
    void float32ArithmeticIsTheSameOnAlignedAndShiftedOperands() {
        // operands at one shared offset take a float loop; others are computed in double and rounded once
        Random rng = new Random(11);
        int n = 10_000;
        float[] a = new float[n + 3];
        float[] b = new float[n + 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(12) - 6));
            b[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(12) - 6));
        }
        Tensor alignedA = Tensor.wrap(a, 0, Shape.of(n)); // results start at offset 0 too
        Tensor alignedB = Tensor.wrap(b, 0, Shape.of(n));
        float[] padded = new float[n + 1];
        System.arraycopy(b, 0, padded, 1, n);
        Tensor shiftedB = Tensor.wrap(padded, 1, Shape.of(n));
        assertEquals(alignedA.add(shiftedB), alignedA.add(alignedB));
        assertEquals(alignedA.sub(shiftedB), alignedA.sub(alignedB));
        assertEquals(alignedA.mul(shiftedB), alignedA.mul(alignedB));
        assertEquals(alignedA.div(shiftedB), alignedA.div(alignedB));
        // in place, the target's offset counts: target and operand both at offset 1 take the float loop
        float[] paddedA = new float[n + 1];
        System.arraycopy(a, 0, paddedA, 1, n);
        Tensor shiftedA = Tensor.wrap(paddedA, 1, Shape.of(n));
        Tensor target = Tensor.wrap(padded.clone(), 1, Shape.of(n));
        Tensor viaDouble = target.copy().addInPlace(shiftedA); // offsets 0 and 1
        assertEquals(viaDouble, target.addInPlace(shiftedA));
    }

    @Test
    void reluInFloat32KeepsNaNAndClearsNegativeZero() {
        Tensor r = Tensor.of(new float[] {Float.NaN, -0.0f, -3, 2.5f}, 4).relu();
        assertTrue(Float.isNaN((float) r.getFlat(0)));
        assertEquals(0, Double.compare(0.0, r.getFlat(1)), "-0.0 becomes +0.0");
        assertEquals(0.0, r.getFlat(2));
        assertEquals(2.5, r.getFlat(3));
    }

    // ---- reductions -----------------------------------------------------------------------------------

    @Test
    void sumAndMeanAlongEachAxis() {
        Tensor a = m23();
        assertValues(a.sum(0, false), new int[] {3}, 5, 7, 9);
        assertValues(a.sum(0, true), new int[] {1, 3}, 5, 7, 9);
        assertValues(a.sum(1, false), new int[] {2}, 6, 15);
        assertValues(a.sum(-1, true), new int[] {2, 1}, 6, 15);
        assertValues(TestTensors.mean(a, 0, false), new int[] {3}, 2.5, 3.5, 4.5);
        assertValues(TestTensors.mean(a, 1, true), new int[] {2, 1}, 2, 5);
        assertValues(a.sum(), new int[] {}, 21);
        assertValues(TestTensors.mean(a), new int[] {}, 3.5);
        assertEquals(DType.FLOAT32, a.sum().dtype());

        Tensor t = Tensors.arange(DType.FLOAT64, 24).reshape(2, 3, 4); // t[i,j,k] = 12i + 4j + k
        assertValues(t.sum(0, false), new int[] {3, 4}, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34);
        assertValues(t.sum(1, false), new int[] {2, 4}, 12, 15, 18, 21, 48, 51, 54, 57);
        assertValues(t.sum(1, true), new int[] {2, 1, 4}, 12, 15, 18, 21, 48, 51, 54, 57);
        assertValues(t.sum(2, false), new int[] {2, 3}, 6, 22, 38, 54, 70, 86);
        assertValues(t.sum(-1, true), new int[] {2, 3, 1}, 6, 22, 38, 54, 70, 86);
        assertValues(TestTensors.mean(t, 1, false), new int[] {2, 4}, 4, 5, 6, 7, 16, 17, 18, 19);
        assertValues(t.sum(), new int[] {}, 276);
        assertValues(Tensor.zeros(DType.FLOAT64, 0).sum(), new int[] {}, 0);
    }

    @Test
    void reductionsAccumulateInDouble() {
        // 2^24 + 1 + 1 + ... is not representable step by step in float; in double it is exact
        float[] values = new float[5];
        values[0] = 1 << 24;
        for (int i = 1; i < values.length; i++) {
            values[i] = 1;
        }
        assertEquals((1 << 24) + 4, Tensor.of(values, 5).sum().item());
        assertEquals((1 << 24) + 4, Tensor.of(values, 1, 5).sum(1, false).item());
    }

    @Test
    void maxAndArgmaxWithTies() {
        Tensor t = f32(new int[] {2, 3}, 1, 5, 5, 7, 7, 2);
        assertValues(t.max(1, false), new int[] {2}, 5, 7);
        assertValues(t.argmax(1), new int[] {2}, 1, 0);
        assertValues(t.argmax(-1), new int[] {2}, 1, 0);
        assertValues(t.max(0, true), new int[] {1, 3}, 7, 7, 5);
        assertValues(t.argmax(0), new int[] {3}, 1, 1, 0);
        assertValues(t.max(), new int[] {}, 7);
        assertEquals(DType.FLOAT64, t.argmax(0).dtype());
        assertEquals(DType.FLOAT32, t.max(0, false).dtype());
        assertValues(Tensor.zeros(DType.FLOAT32, 3, 4).argmax(1), new int[] {3}, 0, 0, 0);
        Tensor neg = Tensor.of(new double[] {-3, -1, -2}, 3);
        assertValues(neg.max(), new int[] {}, -1);
        assertValues(neg.argmax(0), new int[] {}, 1);
        Tensor t3 = Tensors.arange(DType.FLOAT64, 24).reshape(2, 3, 4).neg();
        assertValues(t3.argmax(1), new int[] {2, 4}, 0, 0, 0, 0, 0, 0, 0, 0);
        assertValues(t3.max(2, false), new int[] {2, 3}, 0, -4, -8, -12, -16, -20);
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.FLOAT64, 0).max());
        assertThrows(IllegalArgumentException.class, () -> t.sum(2, false));
    }

    @Test
    void sumToShapeUndoesBroadcasting() {
        Tensor g = m23();
        assertValues(g.sumToShape(Shape.of(3)), new int[] {3}, 5, 7, 9);
        assertValues(g.sumToShape(Shape.of(1, 3)), new int[] {1, 3}, 5, 7, 9);
        assertValues(g.sumToShape(Shape.of(2, 1)), new int[] {2, 1}, 6, 15);
        assertValues(g.sumToShape(Shape.of(1, 1)), new int[] {1, 1}, 21);
        assertValues(g.sumToShape(Shape.scalar()), new int[] {}, 21);
        Tensor same = g.sumToShape(Shape.of(2, 3));
        assertEquals(g, same);
        assertNotSame(g, same);

        Tensor t = Tensors.arange(DType.FLOAT64, 24).reshape(2, 4, 3); // t[i,j,k] = 12i + 3j + k
        assertValues(t.sumToShape(Shape.of(4, 1)), new int[] {4, 1}, 42, 60, 78, 96);
        assertValues(t.sumToShape(Shape.of(2, 1, 3)), new int[] {2, 1, 3}, 18, 22, 26, 66, 70, 74);

        // the gradient of a broadcast add sums back to each operand's shape
        Tensor a = Tensor.zeros(DType.FLOAT64, 2, 1, 3);
        Tensor b = Tensor.zeros(DType.FLOAT64, 4, 1);
        Tensor upstream = Tensor.ones(DType.FLOAT64, 2, 4, 3);
        assertEquals(Tensor.full(a.shape(), DType.FLOAT64, 4), upstream.sumToShape(a.shape()));
        assertEquals(Tensor.full(b.shape(), DType.FLOAT64, 6), upstream.sumToShape(b.shape()));

        for (Shape bad : new Shape[] {Shape.of(3, 1), Shape.of(2, 2), Shape.of(1, 2, 3), Shape.of(4)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.sumToShape(bad));
            assertMessageContains(e, bad.toString(), "(2, 3)");
        }
    }

    // ---- in place -------------------------------------------------------------------------------------

    @Test
    void inPlaceOpsOnViewsWriteIntoTheParent() {
        float[] parent = new float[8];
        Tensor v = Tensor.wrap(parent, 2, Shape.of(2, 2));
        assertSame(v, v.addInPlace(f32(new int[] {2, 2}, 1, 2, 3, 4)));
        assertArrayEquals(new float[] {0, 0, 1, 2, 3, 4, 0, 0}, parent);
        v.addInPlace(f32(new int[] {2}, 10, 20)); // row-vector bias
        assertArrayEquals(new float[] {0, 0, 11, 22, 13, 24, 0, 0}, parent);
        v.addInPlace(f32(new int[] {2, 1}, 100, 200)); // column vector
        assertArrayEquals(new float[] {0, 0, 111, 122, 213, 224, 0, 0}, parent);
        v.addInPlace(Tensor.scalar(-100, DType.FLOAT32));
        assertArrayEquals(new float[] {0, 0, 11, 22, 113, 124, 0, 0}, parent);
        assertSame(v, TestTensors.axpyInPlace(v, -0.5, f32(new int[] {2, 2}, 2, 4, 6, 8)));
        assertArrayEquals(new float[] {0, 0, 10, 20, 110, 120, 0, 0}, parent);
        assertSame(v, v.scaleInPlace(0.1));
        assertArrayEquals(new float[] {0, 0, 1, 2, 11, 12, 0, 0}, parent);
        assertSame(v, v.assignInPlace(Tensor.of(new double[] {5, 6, 7, 8}, 2, 2)));
        assertArrayEquals(new float[] {0, 0, 5, 6, 7, 8, 0, 0}, parent);
        assertSame(v, v.fillInPlace(9));
        assertArrayEquals(new float[] {0, 0, 9, 9, 9, 9, 0, 0}, parent);

        double[] dparent = new double[6];
        Tensor dv = Tensor.wrap(dparent, 1, Shape.of(2, 2));
        TestTensors.axpyInPlace(dv.addInPlace(Tensor.of(new double[] {1, 2}, 2)), 2, Tensor.ones(DType.FLOAT64, 2, 2))
                .scaleInPlace(10);
        assertArrayEquals(new double[] {0, 30, 40, 30, 40, 0}, dparent);
        // a view of a view (reshape) writes through too
        dv.reshape(-1).fillInPlace(1);
        assertArrayEquals(new double[] {0, 1, 1, 1, 1, 0}, dparent);
    }

    @Test
    void inPlaceErrors() {
        Tensor v = Tensor.zeros(DType.FLOAT32, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> v.addInPlace(Tensor.zeros(DType.FLOAT32, 2, 3)));
        assertMessageContains(e, "(3,)", "(2, 3)");
        e = assertThrows(IllegalArgumentException.class, () -> v.addInPlace(Tensor.zeros(DType.FLOAT32, 4)));
        assertMessageContains(e, "(3,)", "(4,)");
        e = assertThrows(IllegalArgumentException.class, () -> TestTensors.axpyInPlace(v, 1, Tensor.zeros(DType.FLOAT32, 1)));
        assertMessageContains(e, "(3,)", "(1,)");
        e = assertThrows(IllegalArgumentException.class, () -> v.addInPlace(Tensor.zeros(DType.FLOAT64, 3)));
        assertMessageContains(e, "float32", "float64");
        e = assertThrows(IllegalArgumentException.class, () -> v.assignInPlace(Tensor.zeros(DType.FLOAT32, 3, 1)));
        assertMessageContains(e, "(3,)", "(3, 1)");
    }

    // ---- comparisons ----------------------------------------------------------------------------------

    @Test
    void allCloseAndHasNonFinite() {
        Tensor a = Tensor.of(new double[] {1, 2, 1000}, 3);
        assertTrue(Tensors.allClose(a, Tensor.of(new double[] {1 + 1e-9, 2, 1000.0001}, 3), 1e-6, 1e-8));
        assertFalse(Tensors.allClose(a, Tensor.of(new double[] {1.001, 2, 1000}, 3), 1e-6, 1e-8));
        assertTrue(Tensors.allClose(a, Tensor.of(new double[] {1.001, 2, 1000}, 3), 0, 1e-2));
        assertTrue(Tensors.allClose(a, a.astype(DType.FLOAT32), 0, 0));
        assertFalse(Tensors.allClose(a, a.reshape(3, 1), 1, 1));
        assertFalse(Tensors.allClose(Tensor.of(new double[] {Double.NaN}, 1), Tensor.of(new double[] {Double.NaN}, 1), 1, 1));
        Tensor inf = Tensor.of(new double[] {Double.POSITIVE_INFINITY}, 1);
        assertTrue(Tensors.allClose(inf, inf.copy(), 0, 0));

        assertFalse(a.hasNonFinite());
        assertTrue(Tensor.of(new double[] {1, Double.NaN}, 2).hasNonFinite());
        assertTrue(Tensor.of(new float[] {Float.NEGATIVE_INFINITY, 1}, 2).hasNonFinite());
        float[] parent = {Float.NaN, 1, 2, Float.POSITIVE_INFINITY};
        assertFalse(Tensor.wrap(parent, 1, Shape.of(2)).hasNonFinite());
        assertTrue(Tensor.wrap(parent, 1, Shape.of(3)).hasNonFinite());
    }
}
