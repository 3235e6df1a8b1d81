// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelsTest {
    @Test
    void oneHotRows() {
        Tensor y = Labels.toCategorical(Tensor.of(new float[] {5, 0, 4, 1, 9}, 5), 10);
        assertEquals(DType.FLOAT32, y.dtype());
        assertEquals(Shape.of(5, 10), y.shape());
        float[] expected = new float[50];
        expected[5] = 1;
        expected[10] = 1;
        expected[24] = 1;
        expected[31] = 1;
        expected[49] = 1;
        assertArrayEquals(expected, y.toFloatArray());
    }

    @Test
    void acceptsFloat64LabelsAndATrailingAxisOfOneLikeKeras() {
        Tensor y = Labels.toCategorical(Tensor.of(new double[] {2, 0, 1}, 3, 1), 3);
        assertEquals(Shape.of(3, 3), y.shape());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, y.toFloatArray());
        Tensor grid = Labels.toCategorical(Tensor.of(new float[] {0, 1, 1, 0}, 2, 2), 2);
        assertEquals(Shape.of(2, 2, 2), grid.shape());
        assertArrayEquals(new float[] {1, 0, 0, 1, 0, 1, 1, 0}, grid.toFloatArray());
    }

    @Test
    void infersTheNumberOfClassesFromTheLargestLabel() {
        Tensor y = Labels.toCategorical(Tensor.of(new float[] {0, 3, 1}, 3));
        assertEquals(Shape.of(3, 4), y.shape());
        assertEquals(1f, y.get(1, 3));
    }

    @Test
    void rejectsLabelsOutsideTheRangeNamingRowValueAndRange() {
        assertRejected(new float[] {1, 2, 10}, 10, "label at row 2 is 10,", "[0, 10)");
        assertRejected(new float[] {-1, 2}, 10, "label at row 0 is -1,", "[0, 10)");
        assertRejected(new float[] {0, 1, 2, 3}, 3, "label at row 3 is 3,", "[0, 3)");
        assertRejected(new float[] {0, 1.5f}, 10, "label at row 1 is 1.5,", "integer");
        assertRejected(new float[] {Float.NaN}, 10, "label at row 0 is NaN,", "[0, 10)");
    }

    @Test
    void rejectsABadNumberOfClasses() {
        Tensor labels = Tensor.of(new float[] {0}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Labels.toCategorical(labels, 0));
        assertTrue(e.getMessage().contains("numClasses must be at least 1, got 0"), e.getMessage());
    }

    private static void assertRejected(float[] labels, int numClasses, String... parts) {
        Tensor t = Tensor.of(labels, labels.length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Labels.toCategorical(t, numClasses));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message lacks '" + p + "': " + e.getMessage());
        }
    }
}
