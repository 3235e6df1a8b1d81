// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Creation, metadata, element access, reshape/slice/take/permute, equality, display and serialization. */
class TensorBasicsTest {

    static void assertValues(Tensor t, int[] shape, double... expected) {
        assertEquals(Shape.of(shape), t.shape(), "shape");
        assertArrayEquals(expected, t.toDoubleArray(), 0.0, () -> "values of " + t);
    }

    static void assertMessageContains(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    // ---- creation and metadata -----------------------------------------------------------------------

    @Test
    void creationAndMetadata() {
        Tensor z = Tensor.zeros(DType.FLOAT32, 2, 3);
        assertValues(z, new int[] {2, 3}, 0, 0, 0, 0, 0, 0);
        assertEquals(DType.FLOAT32, z.dtype());
        assertEquals(2, z.rank());
        assertEquals(6, z.size());
        assertEquals(3, z.dim(1));
        assertEquals(3, z.dim(-1));
        assertEquals(2, z.dim(-2));
        assertEquals(0, z.offset());
        assertEquals(6, z.floatStorage().length);

        assertEquals(DType.FLOAT64, Tensor.zeros(Shape.of(4), DType.FLOAT64).dtype());
        assertValues(Tensor.ones(DType.FLOAT64, 2, 2), new int[] {2, 2}, 1, 1, 1, 1);
        assertValues(Tensor.full(Shape.of(3), DType.FLOAT32, 2.5), new int[] {3}, 2.5, 2.5, 2.5);
        Tensor s = Tensor.scalar(3.5, DType.FLOAT64);
        assertValues(s, new int[] {}, 3.5);
        assertEquals(0, s.rank());
        assertEquals(1, s.size());
        assertEquals(3.5, s.item());
        assertValues(Tensors.arange(DType.FLOAT32, 4), new int[] {4}, 0, 1, 2, 3);
        assertValues(Tensor.zeros(DType.FLOAT32, 0, 3), new int[] {0, 3});
    }

    @Test
    void ofCopiesItsInput() {
        float[] values = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(values, 2, 3);
        values[0] = 99;
        assertEquals(1.0, t.get(0, 0));
        assertEquals(DType.FLOAT32, t.dtype());
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {1, 2}, 2).dtype());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new double[] {1, 2, 3}, 2, 2));
        assertMessageContains(e, "3", "(2, 2)");
    }

    @Test
    void wrapIsAViewIntoTheArray() {
        double[] flat = new double[10];
        Tensor v = Tensor.wrap(flat, 4, Shape.of(2, 3));
        assertEquals(4, v.offset());
        assertSame(flat, v.doubleStorage());
        v.set(7, 1, 2);
        assertEquals(7, flat[9]);
        flat[4] = 5;
        assertEquals(5, v.get(0, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.wrap(flat, 5, Shape.of(2, 3)));
        assertMessageContains(e, "(2, 3)", "5", "10");
        float[] ff = new float[3];
        assertSame(ff, Tensor.wrap(ff, 1, Shape.of(2)).floatStorage());
        assertThrows(IllegalStateException.class, () -> Tensor.wrap(ff, 0, Shape.of(3)).doubleStorage());
        assertThrows(IllegalStateException.class, () -> Tensor.wrap(flat, 0, Shape.of(3)).floatStorage());
    }

    @Test
    void uniformIsDeterministicAndInRange() {
        Tensor a = Tensor.uniform(Shape.of(50, 4), DType.FLOAT64, -0.5, 0.25, new Random(42));
        Tensor b = Tensor.uniform(Shape.of(50, 4), DType.FLOAT64, -0.5, 0.25, new Random(42));
        assertEquals(a, b);
        Random r = new Random(42);
        double first = -0.5 + 0.75 * r.nextDouble();
        double second = -0.5 + 0.75 * r.nextDouble();
        assertEquals(first, a.getFlat(0));
        assertEquals(second, a.getFlat(1));
        for (double v : a.toDoubleArray()) {
            assertTrue(v >= -0.5 && v < 0.25);
        }
        Tensor f = Tensor.uniform(Shape.of(3), DType.FLOAT32, 0, 1, new Random(1));
        assertEquals((float) new Random(1).nextDouble(), f.getFlat(0));
    }

    // ---- element access ------------------------------------------------------------------------------

    @Test
    void getSetFlatAndItem() {
        Tensor t = Tensors.arange(DType.FLOAT64, 24).reshape(2, 3, 4);
        assertEquals(23, t.get(1, 2, 3));
        assertEquals(4 * 1 + 2, t.get(0, 1, 2));
        t.set(-1, 1, 0, 1);
        assertEquals(-1, t.getFlat(13));
        t.setFlat(0, 42);
        assertEquals(42, t.get(0, 0, 0));

        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.get(0, 3, 0));
        assertMessageContains(e, "[0, 3, 0]", "(2, 3, 4)");
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> t.set(1, -1, 0, 0));
        e = assertThrows(IndexOutOfBoundsException.class, () -> t.getFlat(24));
        assertMessageContains(e, "24", "(2, 3, 4)");

        assertEquals(7.0, Tensor.of(new float[] {7}, 1, 1).item());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, t::item);
        assertMessageContains(e2, "(2, 3, 4)");

        Tensor f32 = Tensor.zeros(DType.FLOAT32, 2);
        f32.setFlat(0, 0.1);
        assertEquals((double) 0.1f, f32.getFlat(0)); // rounded to float on store
    }

    @Test
    void conversionsToArrays() {
        float[] parent = {9, 1, 2.5f, 3, 9};
        Tensor v = Tensor.wrap(parent, 1, Shape.of(3));
        assertArrayEquals(new double[] {1, 2.5, 3}, v.toDoubleArray());
        assertArrayEquals(new float[] {1, 2.5f, 3}, v.toFloatArray());
        assertArrayEquals(new int[] {0, 3, 2}, Tensor.of(new double[] {0, 3, 2}, 3).toIntArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, v::toIntArray);
        assertMessageContains(e, "index 1", "2.5");
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[] {Double.NaN}, 1).toIntArray());
    }

    // ---- reshape ---------------------------------------------------------------------------------------

    @Test
    void reshapeInfersMinusOneAndIsAView() {
        Tensor t = Tensors.arange(DType.FLOAT32, 12);
        Tensor r = t.reshape(3, -1);
        assertEquals(Shape.of(3, 4), r.shape());
        assertEquals(Shape.of(2, 2, 3), t.reshape(-1, 2, 3).shape());
        assertEquals(Shape.of(12), r.reshape(-1).shape());
        assertEquals(Shape.of(6, 2), t.reshape(Shape.of(6, 2)).shape());
        // row-major, like R's array_reshape and numpy
        assertEquals(6, r.get(1, 2));
        // a view: writes are shared both ways
        assertSame(t.floatStorage(), r.floatStorage());
        r.set(100, 2, 3);
        assertEquals(100, t.getFlat(11));
        t.setFlat(0, -5);
        assertEquals(-5, r.get(0, 0));
        // a view of a view keeps the offset
        double[] flat = new double[20];
        Tensor w = Tensor.wrap(flat, 8, Shape.of(3, 4)).reshape(-1);
        w.setFlat(0, 1);
        assertEquals(1, flat[8]);
        assertEquals(8, w.offset());
    }

    @Test
    void reshapeErrorsNameOldAndRequestedShape() {
        Tensor t = Tensors.arange(DType.FLOAT32, 6).reshape(2, 3);
        IllegalArgumentException twoUnknown = assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
        assertMessageContains(twoUnknown, "(2, 3)", "(-1, -1)");
        IllegalArgumentException indivisible = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, -1));
        assertMessageContains(indivisible, "(2, 3)", "(4, -1)");
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
        assertMessageContains(mismatch, "(2, 3)", "(4, 2)");
        IllegalArgumentException shapeMismatch = assertThrows(IllegalArgumentException.class,
                () -> t.reshape(Shape.of(7)));
        assertMessageContains(shapeMismatch, "(2, 3)", "(7,)");
        assertThrows(IllegalArgumentException.class, () -> t.reshape(-2, -3));
    }

    // ---- slice, take, transpose, permute -------------------------------------------------------------

    @Test
    void sliceFollowsTheRExamples() {
        Tensor images = Tensors.arange(DType.FLOAT32, 100 * 28 * 28).reshape(100, 28, 28);
        // train_images[10:99,,]
        Tensor rows = images.slice(0, 9, 99);
        assertEquals(Shape.of(90, 28, 28), rows.shape());
        assertEquals(9 * 784, rows.get(0, 0, 0));
        assertEquals(98 * 784 + 783, rows.get(89, 27, 27));
        // train_images[, 15:28, 15:28]
        Tensor crop = images.slice(1, 14, 28).slice(2, 14, 28);
        assertEquals(Shape.of(100, 14, 14), crop.shape());
        assertEquals(14 * 28 + 14, crop.get(0, 0, 0));
        assertEquals(784 + 16 * 28 + 17, crop.get(1, 2, 3));
        assertEquals(99 * 784 + 27 * 28 + 27, crop.get(99, 13, 13));
        // negative axis, and a copy
        Tensor lastCols = images.slice(-1, 26, 28);
        assertEquals(Shape.of(100, 28, 2), lastCols.shape());
        assertEquals(28 + 26, lastCols.get(0, 1, 0));
        lastCols.set(-1, 0, 0, 0);
        assertEquals(26, images.get(0, 0, 26));
    }

    @Test
    void sliceOnEachAxisOfASmallTensorAndOnAView() {
        double[] parent = new double[30];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        Tensor t = Tensor.wrap(parent, 6, Shape.of(2, 3, 4)); // values 6..29
        assertValues(t.slice(0, 1, 2), new int[] {1, 3, 4},
                18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29);
        assertValues(t.slice(1, 1, 3), new int[] {2, 2, 4},
                10, 11, 12, 13, 14, 15, 16, 17, 22, 23, 24, 25, 26, 27, 28, 29);
        assertValues(t.slice(2, 0, 1), new int[] {2, 3, 1}, 6, 10, 14, 18, 22, 26);
        assertValues(t.slice(2, 2, 2), new int[] {2, 3, 0});
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.slice(1, 2, 4));
        assertMessageContains(e, "(2, 3, 4)");
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(0, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> t.slice(3, 0, 1));
    }

    @Test
    void takeGathersAlongAnAxis() {
        Tensor t = Tensors.arange(DType.FLOAT64, 12).reshape(4, 3);
        assertValues(t.take(0, new int[] {2, 0, 2}), new int[] {3, 3}, 6, 7, 8, 0, 1, 2, 6, 7, 8);
        assertValues(t.take(1, new int[] {2, 0}), new int[] {4, 2}, 2, 0, 5, 3, 8, 6, 11, 9);
        assertEquals(t.take(1, new int[] {2, 0}), t.take(-1, new int[] {2, 0}));
        assertValues(t.take(0, new int[0]), new int[] {0, 3});
        // on a view of a float32 parent
        float[] parent = new float[14];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        Tensor v = Tensor.wrap(parent, 2, Shape.of(2, 2, 3)); // values 2..13
        assertValues(v.take(1, new int[] {1}), new int[] {2, 1, 3}, 5, 6, 7, 11, 12, 13);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> t.take(0, new int[] {1, 4}));
        assertMessageContains(e, "4", "(4, 3)");
    }

    @Test
    void transposeAndPermute() {
        Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertValues(Tensors.transpose(m), new int[] {3, 2}, 1, 4, 2, 5, 3, 6);
        assertValues(Tensors.transpose(Tensors.arange(DType.FLOAT32, 3)), new int[] {3}, 0, 1, 2);

        Tensor t = Tensors.arange(DType.FLOAT64, 24).reshape(2, 3, 4); // t[i,j,k] = 12i + 4j + k
        Tensor p = Tensors.permute(t, 2, 0, 1); // p[k,i,j] = t[i,j,k]
        assertEquals(Shape.of(4, 2, 3), p.shape());
        assertValues(p.slice(0, 1, 2), new int[] {1, 2, 3}, 1, 5, 9, 13, 17, 21);
        assertEquals(9, p.get(1, 0, 2));
        assertEquals(19, p.get(3, 1, 1));
        Tensor tr = Tensors.transpose(t); // tr[k,j,i] = t[i,j,k]
        assertEquals(Shape.of(4, 3, 2), tr.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(12 * i + 4 * j + k, p.get(k, i, j));
                    assertEquals(12 * i + 4 * j + k, tr.get(k, j, i));
                }
            }
        }
        assertEquals(p, Tensors.permute(t, -1, 0, 1));
        assertEquals(t, Tensors.permute(t, 0, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensors.permute(t, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Tensors.permute(t, 0, 1));
        // copies
        p.set(-1, 0, 0, 0);
        assertEquals(0, t.get(0, 0, 0));
    }

    @Test
    void astypeAndCopyAreIndependent() {
        Tensor d = Tensor.of(new double[] {0.1, 2, -3.5}, 3);
        Tensor f = d.astype(DType.FLOAT32);
        assertEquals(DType.FLOAT32, f.dtype());
        assertArrayEquals(new float[] {0.1f, 2, -3.5f}, f.toFloatArray());
        assertEquals((double) 0.1f, f.astype(DType.FLOAT64).getFlat(0));
        Tensor c = d.astype(DType.FLOAT64);
        assertNotSame(d.doubleStorage(), c.doubleStorage());
        Tensor c2 = d.copy();
        c2.setFlat(0, 9);
        assertEquals(0.1, d.getFlat(0));
        double[] parent = {7, 8, 9};
        Tensor viewCopy = Tensor.wrap(parent, 1, Shape.of(2)).copy();
        assertEquals(0, viewCopy.offset());
        assertValues(viewCopy, new int[] {2}, 8, 9);
    }

    // ---- equality, display, serialization -------------------------------------------------------------

    @Test
    void equalsAndHashCode() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        float[] parent = {0, 1, 2, 3, 4, 0};
        Tensor view = Tensor.wrap(parent, 1, Shape.of(2, 2));
        assertEquals(a, view);
        assertEquals(a.hashCode(), view.hashCode());
        assertNotEquals(a, a.reshape(4));
        assertNotEquals(a, a.astype(DType.FLOAT64));
        assertNotEquals(a, Tensor.of(new float[] {1, 2, 3, 5}, 2, 2));
        assertNotEquals(a, "not a tensor");
        Tensor nan = Tensor.of(new double[] {Double.NaN, 0.0}, 2);
        Tensor nan2 = Tensor.of(new double[] {Double.NaN, -0.0}, 2);
        assertEquals(nan, nan2);
        assertEquals(nan.hashCode(), nan2.hashCode());
    }

    @Test
    void toStringLikeRStr() {
        Tensor pixels = Tensor.of(new float[] {0, 0, 3 / 255f, 18 / 255f, 1, 0.5f, -2.25f, 3.14159f, 100, 7, 8},
                11);
        assertEquals("float32 (11,) [0, 0, 0.0118, 0.0706, 1, 0.5, -2.25, 3.142, 100, 7, ...]",
                pixels.toString());
        assertEquals("float64 () [3.5]", Tensor.scalar(3.5, DType.FLOAT64).toString());
        Tensor big = Tensor.zeros(DType.FLOAT32, 600, 28, 28);
        big.set(3 / 255f, 0, 0, 2);
        assertEquals("float32 (600, 28, 28) [0, 0, 0.0118, 0, 0, 0, 0, 0, 0, 0, ...]", big.toString());
        assertEquals("float64 (0, 2) []", Tensor.zeros(DType.FLOAT64, 0, 2).toString());
        assertEquals("float64 (3,) [NaN, Inf, -Inf]",
                Tensor.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}, 3)
                        .toString());
        assertEquals("float64 (3,) [1.235e-05, 1.235e+05, -2e-04]",
                Tensor.of(new double[] {1.2346e-5, 123456.7, -0.0002}, 3).toString());
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value, int[] byteCount) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        byteCount[0] = bytes.size();
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void serializationRoundTrip() throws Exception {
        int[] n = new int[1];
        Tensor t = Tensor.uniform(Shape.of(3, 4), DType.FLOAT32, -1, 1, new Random(3));
        Tensor back = roundTrip(t, n);
        assertEquals(t, back);
        assertEquals(DType.FLOAT32, back.dtype());
        Tensor d = Tensors.arange(DType.FLOAT64, 5);
        assertEquals(d, roundTrip(d, n));
        assertEquals(Tensor.scalar(2, DType.FLOAT64), roundTrip(Tensor.scalar(2, DType.FLOAT64), n));

        // a view into a large flat vector is written compactly
        double[] flat = new double[100_000];
        flat[500] = 1.5;
        Tensor view = Tensor.wrap(flat, 500, Shape.of(2, 5));
        Tensor viewBack = roundTrip(view, n);
        assertEquals(view, viewBack);
        assertEquals(0, viewBack.offset());
        assertEquals(10, viewBack.doubleStorage().length);
        assertTrue(n[0] < 2_000, "a view serialized " + n[0] + " bytes");
        assertFalse(viewBack.doubleStorage() == flat);
    }

    @Test
    void corruptSerializedShapeIsRejected() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(Tensor.of(new float[] {1, 2, 3}, 3));
        }
        byte[] stream = bytes.toByteArray();
        // the shape's dims array: length 1, then 3; make the dimension -3
        byte[] dims = {0, 0, 0, 1, 0, 0, 0, 3};
        int at = indexOf(stream, dims);
        assertTrue(at >= 0, "dims not found in the stream");
        stream[at + 4] = (byte) 0xff;
        stream[at + 5] = (byte) 0xff;
        stream[at + 6] = (byte) 0xff;
        stream[at + 7] = (byte) 0xfd;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(stream))) {
            java.io.InvalidObjectException e = assertThrows(java.io.InvalidObjectException.class, in::readObject);
            assertMessageContains(e, "corrupt serialized tensor", "-3");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void serializationOfTensorsLargerThanOneChunk() throws Exception {
        int[] n = new int[1];
        // elements are written in 64 KiB chunks: sizes around and across chunk boundaries, both dtypes
        for (int size : new int[] {0, 16_383, 16_384, 16_385, 100_003}) {
            for (DType dtype : DType.values()) {
                Tensor t = Tensor.uniform(Shape.of(size), dtype, -1, 1, new Random(size));
                assertEquals(t, roundTrip(t, n));
                // block-data framing adds a few bytes per KiB
                assertTrue(n[0] < size * dtype.bytes() * 1.01 + 1_000, size + " " + dtype + " took " + n[0] + " bytes");
            }
        }
        // a view starting mid-array and spanning several chunks
        float[] big = new float[50_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = i;
        }
        Tensor view = Tensor.wrap(big, 7, Shape.of(200, 240));
        Tensor back = roundTrip(view, n);
        assertEquals(view, back);
        assertEquals(7.0f + 48_000 - 1, back.floatStorage()[48_000 - 1]);
    }
}
