// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.tensor.Tensor;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class TensorFramesTest {

    @Test
    void rowsKeepTheTensorsOrderAcrossPartitionsAndAreScaled() {
        // 5 samples of 2x2 "pixels" (bytes, shipped as bytes) into 3 partitions of 1, 2, 2 rows.
        float[] pixels = new float[20];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i * 10;
        }
        Dataset<Row> frame = TensorFrames.of(TestSpark.local(), Tensor.of(pixels, 5, 2, 2),
                Tensor.of(new float[] {4, 3, 2, 1, 0}, 5), 3, 255);
        assertEquals(3, frame.rdd().getNumPartitions());
        List<Row> rows = frame.collectAsList();
        assertEquals(5, rows.size());
        for (int r = 0; r < 5; r++) {
            double[] expected = new double[4];
            for (int j = 0; j < 4; j++) {
                expected[j] = (r * 4 + j) * 10 / 255.0;
            }
            assertArrayEquals(expected, ((Vector) rows.get(r).get(0)).toArray(), 1e-12, "row " + r);
            assertEquals(4 - r, rows.get(r).getDouble(1), 0.0);
        }
    }

    @Test
    void valuesThatAreNotBytesTravelAsFloats() {
        Dataset<Row> frame = TensorFrames.of(TestSpark.local(), Tensor.of(new float[] {0.5f, -1.25f}, 2, 1),
                Tensor.of(new float[] {0, 1}, 2), 2, 1);
        List<Row> rows = frame.collectAsList();
        assertEquals(0.5, ((Vector) rows.get(0).get(0)).apply(0), 0.0);
        assertEquals(-1.25, ((Vector) rows.get(1).get(0)).apply(0), 0.0);
    }

    @Test
    void oneLabelPerSampleOrAnErrorNamingBothShapes() {
        DataException e = assertThrows(DataException.class, () -> TensorFrames.of(TestSpark.local(),
                Tensor.of(new float[6], 3, 2), Tensor.of(new float[2], 2), 2, 1));
        assertTrue(e.getMessage().contains("(3, 2)") && e.getMessage().contains("(2,)"), e.getMessage());
    }
}
