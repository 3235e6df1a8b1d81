// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** relu's backward, {@link Ops#keepWherePositive}: the mask for every kind of float, views, and a large input. */
class ReluBackwardTest {
    private static void assertValues(Tensor t, int[] shape, double... expected) {
        assertEquals(Shape.of(shape), t.shape(), "shape");
        assertArrayEquals(expected, t.toDoubleArray(), 0.0, () -> "values of " + t);
    }

    private static void assertMessageContains(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    @Test
    void keepWherePositiveMasksByTheReference() {
        for (DType dtype : DType.values()) {
            Tensor g = Tensor.of(new double[] {1, 2, 3, 4, 5}, 5).astype(dtype);
            Tensor x = Tensor.of(new double[] {-1, 0, 0.5, Double.NaN, 7}, 5).astype(dtype);
            assertValues(Ops.keepWherePositive(g, x), new int[] {5}, 0, 0, 3, 0, 5);
        }
        // float32 takes a branch-free bit mask: every kind of float as the reference
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00000), 1e-30f, -1e-30f};
        float[] ones = new float[special.length];
        java.util.Arrays.fill(ones, -2.5f);
        Tensor masked = Ops.keepWherePositive(Tensor.of(ones, special.length), Tensor.of(special, special.length));
        for (int i = 0; i < special.length; i++) {
            assertEquals(special[i] > 0 ? -2.5 : 0.0, masked.getFlat(i), "reference " + special[i]);
            assertEquals(0, Double.compare(special[i] > 0 ? -2.5 : 0.0, masked.getFlat(i)), "+0.0 where masked");
        }
        // views: only the view's elements are read
        float[] parent = {9, 1, 2, 9};
        float[] reference = {-1, 1, -1};
        assertValues(Ops.keepWherePositive(Tensor.wrap(parent, 1, Shape.of(2)),
                Tensor.wrap(reference, 1, Shape.of(2))),
                new int[] {2}, 1, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.keepWherePositive(Tensor.zeros(DType.FLOAT32, 2, 3), Tensor.zeros(DType.FLOAT32, 3, 2)));
        assertMessageContains(e, "keepWherePositive", "(2, 3)", "(3, 2)");
    }

    @Test
    void largeReluAndItsMaskAreElementWise() {
        int n = 300_001;
        Tensor x = Tensor.uniform(Shape.of(n), DType.FLOAT32, -1, 1, new Random(4));
        Tensor g = Tensor.uniform(Shape.of(n), DType.FLOAT32, -1, 1, new Random(5));
        Tensor relu = x.relu();
        Tensor masked = Ops.keepWherePositive(g, x);
        for (int i = 0; i < n; i++) {
            assertEquals(Math.max(x.getFlat(i), 0.0), relu.getFlat(i), 0.0, "relu at " + i);
            assertEquals(x.getFlat(i) > 0 ? g.getFlat(i) : 0.0, masked.getFlat(i), 0.0, "mask at " + i);
        }
    }
}
