// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {
    @TempDir
    Path dir;

    private static Tensor sample(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i * 37 + 11) % 256;
        }
        return Tensor.of(v, shape);
    }

    // ---- round trips ---------------------------------------------------------------------------------

    @Test
    void roundTripPlainAndGzipped() throws IOException {
        Tensor images = sample(5, 28, 28);
        for (String name : List.of("images-idx3-ubyte", "images-idx3-ubyte.gz")) {
            Path file = dir.resolve(name);
            Idx.write(file, images);
            Tensor back = Idx.read(file);
            assertEquals(DType.FLOAT32, back.dtype());
            assertEquals(images.shape(), back.shape());
            assertArrayEquals(images.toFloatArray(), back.toFloatArray(), name);
        }
        byte[] plain = Files.readAllBytes(dir.resolve("images-idx3-ubyte"));
        byte[] gz = Files.readAllBytes(dir.resolve("images-idx3-ubyte.gz"));
        // plain: exact layout; .gz: really gzipped
        assertEquals(16 + 5 * 28 * 28, plain.length);
        assertEquals(0x00000803, ByteBuffer.wrap(plain).getInt());
        assertEquals(5, ByteBuffer.wrap(plain).getInt(4));
        assertEquals(28, ByteBuffer.wrap(plain).getInt(8));
        assertEquals(0x1f, gz[0] & 0xff);
        assertEquals(0x8b, gz[1] & 0xff);
        assertArrayEquals(plain, gunzip(gz));
    }

    @Test
    void roundTripOtherRanksAndTheFullByteRange() throws IOException {
        float[] all = new float[256];
        for (int i = 0; i < 256; i++) {
            all[i] = i;
        }
        Tensor[] cases = {Tensor.of(all, 256), Tensor.of(all, 4, 4, 4, 4), Tensor.zeros(DType.FLOAT32, 0, 28, 28),
                Tensor.of(new double[] {0, 255, 7}, 3)};
        for (Tensor t : cases) {
            Path file = dir.resolve("t.gz");
            Idx.write(file, t);
            Tensor back = Idx.read(file);
            assertEquals(t.shape(), back.shape());
            assertArrayEquals(t.toDoubleArray(), back.toDoubleArray(), 0.0, t.shape().toString());
        }
    }

    @Test
    void gzipIsDetectedByContentNotName() throws IOException {
        Tensor labels = Tensor.of(new float[] {3, 1, 4, 1, 5}, 5);
        Path gz = dir.resolve("labels.gz");
        Idx.write(gz, labels);
        Path gzWithoutSuffix = dir.resolve("labels-idx1-ubyte");
        Files.copy(gz, gzWithoutSuffix);
        assertEquals(labels, Idx.read(gzWithoutSuffix));

        Path plain = dir.resolve("plain");
        Idx.write(plain, labels);
        Path plainWithGzSuffix = dir.resolve("plain-named.gz");
        Files.copy(plain, plainWithGzSuffix);
        assertEquals(labels, Idx.read(plainWithGzSuffix));
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("x.gz");
        Idx.write(file, sample(3, 2));
        Idx.write(file, sample(2, 2));
        assertEquals(sample(2, 2), Idx.read(file));
        assertEquals(List.of(file), list(dir));
    }

    @Test
    void writeRejectsValuesThatAreNotBytesAndLeavesTheOldFileAlone() throws IOException {
        Path file = dir.resolve("x-idx1-ubyte.gz");
        Idx.write(file, Tensor.of(new float[] {1, 2}, 2));
        byte[] before = Files.readAllBytes(file);
        Object[][] cases = {{256f, "256.0"}, {-1f, "-1.0"}, {1.5f, "1.5"}, {Float.NaN, "NaN"}};
        for (Object[] c : cases) {
            float bad = (Float) c[0];
            Tensor t = Tensor.of(new float[] {0, 255, 7, bad, 9}, 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.write(file, t));
            assertTrue(e.getMessage().contains("flat index 3 is " + c[1]), e.getMessage());
            assertTrue(e.getMessage().contains("0..255"), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
        Tensor f64 = Tensor.of(new double[] {0, 255.0000001}, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.write(file, f64));
        assertTrue(e.getMessage().contains("flat index 1 is 255.0000001"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Idx.write(file, Tensor.scalar(3, DType.FLOAT32)));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), list(dir));
    }

    // ---- other IDX types -----------------------------------------------------------------------------

    @Test
    void readsSignedByteShortIntFloatAndDouble() throws IOException {
        check(Idx.BYTE, new byte[] {-128, -1, 0, 127}, DType.FLOAT32, -128, -1, 0, 127);
        ByteBuffer s = ByteBuffer.allocate(6).putShort((short) -300).putShort((short) 0).putShort((short) 32767);
        check(Idx.SHORT, s.array(), DType.FLOAT32, -300, 0, 32767);
        ByteBuffer i = ByteBuffer.allocate(8).putInt(Integer.MIN_VALUE).putInt(123456789);
        check(Idx.INT, i.array(), DType.FLOAT64, Integer.MIN_VALUE, 123456789);
        ByteBuffer f = ByteBuffer.allocate(8).putFloat(-1.5f).putFloat(3.25e7f);
        check(Idx.FLOAT, f.array(), DType.FLOAT32, -1.5, 3.25e7);
        ByteBuffer d = ByteBuffer.allocate(16).putDouble(Math.PI).putDouble(-1e-300);
        check(Idx.DOUBLE, d.array(), DType.FLOAT64, Math.PI, -1e-300);
    }

    private void check(int type, byte[] body, DType dtype, double... expected) throws IOException {
        int n = expected.length;
        Path file = dir.resolve("type-" + type);
        Files.write(file, idx((type << 8) | 1, new int[] {n}, body));
        Tensor t = Idx.read(file);
        assertEquals(dtype, t.dtype());
        assertArrayEquals(new int[] {n}, t.shape().dims());
        assertArrayEquals(expected, t.toDoubleArray(), 0.0);
    }

    // ---- malformed files -----------------------------------------------------------------------------

    @Test
    void doublyGzippedFileReportsTheGzipMagicAsTheIdxMagic() throws IOException {
        Path file = dir.resolve("images.gz");
        Idx.write(file, sample(2, 28, 28));
        Path twice = dir.resolve("twice.gz");
        // gzip(1) writes FLG = 0x08 (file name present); the inner stream starts 1f 8b 08 08.
        byte[] inner = Files.readAllBytes(file);
        inner[3] = 0x08;
        Files.write(twice, gzip(inner));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(twice));
        assertMessage(e, twice, "expected 0x00000803 or 0x00000801", "got 0x1f8b0808", "gzipped twice");
        assertEquals(twice.toString(), e.source());
    }

    @Test
    void wrongMagic() throws IOException {
        Path file = dir.resolve("text.txt");
        Files.writeString(file, "hello, world\n");
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(file)), file,
                "bad magic number", "expected 0x00000803 or 0x00000801", "got 0x68656c6c");
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(file, 3)), file,
                "expected 0x00000803", "got 0x68656c6c");
    }

    @Test
    void emptyAndTooShortFiles() throws IOException {
        Path empty = dir.resolve("empty");
        Files.write(empty, new byte[0]);
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(empty)), empty,
                "expected a 4-byte magic number", "got only 0 bytes");
        Path three = dir.resolve("three.gz");
        Files.write(three, gzip(new byte[] {0, 0, 8}));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(three)), three,
                "expected a 4-byte magic number", "got only 3 bytes after gunzip");
    }

    @Test
    void unsupportedTypeCode() throws IOException {
        Path file = dir.resolve("type07");
        Files.write(file, idx(0x00000701, new int[] {1}, new byte[] {1}));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(file)), file,
                "unsupported IDX type code 0x07", "0x00000701", "expected 0x08 (unsigned byte)");
    }

    @Test
    void wrongNumberOfDimensions() throws IOException {
        Path zero = dir.resolve("zero-dims");
        Files.write(zero, idx(0x00000800, new int[0], new byte[0]));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(zero)), zero,
                "wrong number of dimensions", "expected at least 1, got 0");

        Path labels = dir.resolve("labels-idx1-ubyte.gz");
        Idx.write(labels, Tensor.of(new float[] {1, 2}, 2));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(labels, 3)), labels,
                "wrong number of dimensions", "expected 3 (magic 0x00000803), got 1 (magic 0x00000801)");
        assertEquals(2, Idx.read(labels, 1).size());
    }

    @Test
    void negativeDimension() throws IOException {
        Path file = dir.resolve("negative");
        Files.write(file, idx(0x00000803, new int[] {2, -28, 28}, new byte[0]));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(file)), file,
                "dimension 1 of 3 is negative", "expected a size >= 0, got -28");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path file = dir.resolve("short-header");
        byte[] full = idx(0x00000803, new int[] {2, 28, 28}, new byte[0]);
        Files.write(file, Arrays.copyOf(full, 10));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(file)), file,
                "truncated header", "expected 16 header bytes", "got 10");
    }

    @Test
    void truncatedData() throws IOException {
        byte[] header = idx(0x00000803, new int[] {60000, 28, 28}, new byte[0]);
        byte[] someData = Arrays.copyOf(header, header.length + 1234);
        Path plain = dir.resolve("train-images-idx3-ubyte");
        Files.write(plain, someData);
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(plain)), plain,
                "truncated data", "expected 47040000 data bytes after the header, got 1234");
        Path gz = dir.resolve("train-images-idx3-ubyte.gz");
        Files.write(gz, gzip(someData));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(gz)), gz,
                "expected 47040000 data bytes after the header, got 1234");
        // small enough to be allocated: the short read itself is detected
        Path small = dir.resolve("small.gz");
        Files.write(small, gzip(idx(0x00000801, new int[] {10}, new byte[7])));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(small)), small,
                "expected 10 data bytes after the header, got 7");
    }

    @Test
    void trailingGarbage() throws IOException {
        byte[] good = idx(0x00000801, new int[] {10}, new byte[10]);
        byte[] bad = Arrays.copyOf(good, good.length + 5);
        Path plain = dir.resolve("trailing");
        Files.write(plain, bad);
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(plain)), plain,
                "trailing garbage", "expected 10 data bytes after the header (10,), got 15 (5 bytes too many)");
        Path gz = dir.resolve("trailing.gz");
        Files.write(gz, gzip(bad));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.read(gz)), gz,
                "trailing garbage", "got 15");
    }

    @Test
    void cutOffGzipStream() throws IOException {
        Path good = dir.resolve("good.gz");
        Idx.write(good, sample(20, 28, 28));
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.gz");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(cut));
        assertMessage(e, cut, "gzip", "expected 15680 data bytes");
    }

    @Test
    void missingFileIsAnIOException() {
        Path missing = dir.resolve("nope.gz");
        IOException e = assertThrows(IOException.class, () -> Idx.read(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    // ---- helpers -------------------------------------------------------------------------------------

    static void assertMessage(Exception e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), () -> "message does not name " + file + ": " + m);
        for (String p : parts) {
            assertTrue(m.contains(p), () -> "message lacks '" + p + "': " + m);
        }
    }

    static byte[] idx(int magic, int[] dims, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + body.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(body).array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static byte[] gunzip(byte[] data) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
