// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SparseRowsTest {

    private static Tensor dense() {
        return Tensor.of(new float[] {0, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4}, 3, 4);
    }

    @Test
    void fromDenseKeepsTheNonZerosInCsrOrderAndGoesBack() {
        SparseRows rows = SparseRows.fromDense(dense());
        assertEquals(3, rows.rows());
        assertEquals(4, rows.width());
        assertArrayEquals(new int[] {0, 2, 2, 4}, rows.rowStart());
        assertArrayEquals(new int[] {1, 3, 0, 3}, rows.columns());
        assertArrayEquals(new float[] {1, 2, 3, 4}, rows.values().toFloatArray());
        assertEquals(dense(), rows.toDense());
        assertEquals(4L * 4 + 8L * 4, rows.packedBytes());
    }

    @Test
    void takeAndSliceCopyTheChosenRows() {
        SparseRows rows = SparseRows.fromDense(dense());
        assertEquals(dense().take(0, new int[] {2, 0, 2}), rows.take(new int[] {2, 0, 2}).toDense());
        assertEquals(dense().slice(0, 1, 3), rows.slice(1, 3).toDense());
        assertEquals(DType.FLOAT64, rows.astype(DType.FLOAT64).dtype());
    }

    @Test
    void builderMatchesFromDense() {
        SparseRows.Builder builder = new SparseRows.Builder(4);
        builder.add(1, 1);
        builder.add(3, 2);
        builder.endRow();
        builder.endRow();
        builder.add(0, 3);
        builder.add(3, 4);
        builder.endRow();
        assertEquals(SparseRows.fromDense(dense()), builder.build());
        SparseRows.Builder many = new SparseRows.Builder(1000);
        for (int r = 0; r < 300; r++) {
            for (int c = r % 7; c < 1000; c += 97) {
                many.add(c, r + c);
            }
            many.endRow();
        }
        SparseRows built = many.build();
        assertEquals(300, built.rows());
        assertEquals(299 + 5 + 97, built.toDense().get(299, 5 + 97), 0);   // row 299 starts at column 299 % 7 = 5
        assertEquals(0, built.toDense().get(299, 6), 0);
    }

    @Test
    void malformedRowsAreRefusedNamingTheRowAndColumn() {
        Tensor two = Tensor.of(new float[] {1, 1}, 2);
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> SparseRows.of(4, new int[] {0, 1, 2}, new int[] {0, 4}, two));
        assertTrue(outside.getMessage().contains("row 1 has column 4, outside [0, 4)"), outside.getMessage());
        IllegalArgumentException unordered = assertThrows(IllegalArgumentException.class,
                () -> SparseRows.of(4, new int[] {0, 2}, new int[] {3, 1}, two));
        assertTrue(unordered.getMessage().contains("row 0 has column 1 after column 3"), unordered.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> SparseRows.of(4, new int[] {0, 3}, new int[] {0, 1}, two));
        assertTrue(count.getMessage().contains("3 non-zeros"), count.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> SparseRows.of(4, new int[] {0, 1, 2}, new int[] {0, 2}, Tensor.of(new float[] {1, Float.NaN}, 2))
                        .requireFinite("fit", 0));
        assertTrue(nan.getMessage().contains("fit: input at row 1, column 2 is NaN"), nan.getMessage());
    }
}
