// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import dev.kindling.core.io.LocalFiles;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the IDX format of the MNIST database (and of Fashion-MNIST, EMNIST, ...).
 *
 * <p>An IDX file is a big-endian int32 magic number {@code 0x0000TTNN} (two zero bytes, a type code {@code TT},
 * the number of dimensions {@code NN}), then {@code NN} big-endian int32 dimension sizes, then the elements in
 * row-major order, big-endian. Type codes: {@code 0x08} unsigned byte, {@code 0x09} signed byte, {@code 0x0B}
 * int16, {@code 0x0C} int32, {@code 0x0D} float32, {@code 0x0E} float64. MNIST images are {@code 0x00000803}
 * (unsigned bytes, 3 dimensions) and labels {@code 0x00000801}.
 *
 * <p>Files may be gzipped; this is detected from the gzip magic bytes {@code 1f 8b}, not from the file name.
 *
 * <p>Values are returned raw, as Keras's {@code dataset_mnist()} does: pixel bytes come back as 0..255 and
 * callers divide by 255 themselves (see {@link Mnist#flattenAndScale}).
 */
public final class Idx {
    /** Type code of unsigned bytes, the type of MNIST images and labels. */
    public static final int UBYTE = 0x08;
    /** Type code of signed bytes. */
    public static final int BYTE = 0x09;
    /** Type code of big-endian int16. */
    public static final int SHORT = 0x0B;
    /** Type code of big-endian int32. */
    public static final int INT = 0x0C;
    /** Type code of big-endian float32. */
    public static final int FLOAT = 0x0D;
    /** Type code of big-endian float64. */
    public static final int DOUBLE = 0x0E;

    /** Largest element count / byte count we allocate (the usual JVM array limit). */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Deflate cannot expand data by more than about 1032:1, so a gzip file of n bytes inflates to less than this. */
    private static final long MAX_GZIP_RATIO = 1100;
    private static final int BUFFER = 1 << 16;

    private Idx() {
    }

    /**
     * Reads an IDX file, gzipped or not.
     *
     * <p>Unsigned bytes, signed bytes, int16 and float32 come back as a float32 tensor, which holds them exactly;
     * int32 and float64 come back as float64 (float32 cannot hold every int32). The shape is the file's dimensions.
     *
     * @throws IdxFormatException naming the file and the expected and actual values when the file is malformed:
     *     bad magic number, unsupported type code, zero dimensions, a negative dimension, a truncated header or
     *     body, bytes after the body, or a corrupt gzip stream
     * @throws IOException when the file cannot be read at all
     */
    public static Tensor read(Path file) throws IOException {
        return toTensor(readRaw(file, -1));
    }

    /**
     * Like {@link #read(Path)}, but also checks the number of dimensions, e.g. 3 for MNIST images and 1 for labels.
     */
    public static Tensor read(Path file, int expectedRank) throws IOException {
        if (expectedRank < 1 || expectedRank > 255) {
            throw new IllegalArgumentException("expectedRank must be in 1..255, got " + expectedRank);
        }
        return toTensor(readRaw(file, expectedRank));
    }

    /** The undecoded contents of an IDX file. */
    record Raw(int typeCode, int[] dims, byte[] body) {
        long size() {
            long n = 1;
            for (int d : dims) {
                n *= d;
            }
            return n;
        }
    }

    static Raw readRaw(Path file, int expectedRank) throws IOException {
        long fileSize = Files.size(file);
        try (InputStream raw = Files.newInputStream(file);
             BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER)) {
            buffered.mark(2);
            int b0 = buffered.read();
            int b1 = buffered.read();
            buffered.reset();
            boolean gzipped = b0 == 0x1f && b1 == 0x8b;
            try (InputStream in = gzipped ? new GZIPInputStream(buffered, BUFFER) : buffered) {
                return parse(file, in, gzipped, fileSize, expectedRank);
            } catch (ZipException | EOFException e) {
                // Thrown by GZIPInputStream for a corrupt or cut-off stream (truncation inside the body is
                // reported by parse itself, with byte counts).
                throw new IdxFormatException(file, "corrupt or truncated gzip data: " + e.getMessage(), e);
            }
        }
    }

    /**
     * An IDX file's header: its element type, its dimensions and its length in bytes. Samples are the first
     * dimension; each is {@link #recordBytes()} bytes of the body, so a reader can seek to any sample.
     */
    public record Header(int typeCode, int[] dims, int headerBytes) implements java.io.Serializable {
        /** Number of samples: the first dimension. */
        public int samples() {
            return dims[0];
        }

        /** Bytes per sample: the product of the other dimensions times the element size. */
        public long recordBytes() {
            long n = elementBytes(typeCode);
            for (int i = 1; i < dims.length; i++) {
                n *= dims[i];
            }
            return n;
        }

        /** Elements per sample. */
        public int recordElements() {
            return (int) (recordBytes() / elementBytes(typeCode));
        }

        /** Bytes after the header: samples times record bytes. */
        public long bodyBytes() {
            return samples() * recordBytes();
        }
    }

    /**
     * Reads and checks the header of an IDX file from {@code in} (gunzipped already, if the file is gzipped).
     *
     * @param source        the file's name, for messages
     * @param expectedRank  the number of dimensions the caller needs, or -1 for any
     * @throws IdxFormatException naming the file and what was expected against what was found
     */
    public static Header readHeader(InputStream in, String source, boolean gzipped, int expectedRank)
            throws IOException {
        String expectedMagic = expectedRank < 0
                ? "0x00000803 or 0x00000801 (in general 0x0000TTNN: two zero bytes, a type code TT, NN dimensions)"
                : String.format("0x%08x (in general 0x0000TT%02x: two zero bytes, a type code TT, %d dimension%s)",
                        0x0800 | expectedRank, expectedRank, expectedRank, expectedRank == 1 ? "" : "s");
        byte[] magicBytes = in.readNBytes(4);
        if (magicBytes.length < 4) {
            throw new IdxFormatException(source, "not an IDX file: expected a 4-byte magic number " + expectedMagic
                    + ", got only " + magicBytes.length + " byte" + (magicBytes.length == 1 ? "" : "s")
                    + (gzipped ? " after gunzip" : ""));
        }
        int magic = ByteBuffer.wrap(magicBytes).getInt();
        if (magicBytes[0] != 0 || magicBytes[1] != 0) {
            throw new IdxFormatException(source, "not an IDX file: bad magic number: expected " + expectedMagic
                    + ", got " + hex(magic) + (gzipped ? " (after gunzip)" : "")
                    + ((magic >>> 16) == 0x1f8b ? "; that is a gzip header: is the file gzipped twice?" : ""));
        }
        int type = magicBytes[2] & 0xff;
        int rank = magicBytes[3] & 0xff;
        int elementBytes = elementBytes(type);
        if (elementBytes < 0) {
            throw new IdxFormatException(source, String.format("unsupported IDX type code 0x%02x in magic number %s:"
                    + " expected 0x08 (unsigned byte), 0x09 (signed byte), 0x0b (int16), 0x0c (int32),"
                    + " 0x0d (float32) or 0x0e (float64)", type, hex(magic)));
        }
        if (expectedRank >= 0 && rank != expectedRank) {
            throw new IdxFormatException(source, String.format("wrong number of dimensions: expected %d (magic %s),"
                    + " got %d (magic %s)", expectedRank, hex((type << 8) | expectedRank), rank, hex(magic)));
        }
        if (rank == 0) {
            throw new IdxFormatException(source, "wrong number of dimensions: expected at least 1, got 0 (magic "
                    + hex(magic) + ")");
        }
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new IdxFormatException(source, String.format("truncated header: expected %d header bytes"
                    + " (magic number and %d dimension sizes), got %d", 4 + 4 * rank, rank, 4 + dimBytes.length));
        }
        ByteBuffer dimBuffer = ByteBuffer.wrap(dimBytes);
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = dimBuffer.getInt();
            if (dims[i] < 0) {
                throw new IdxFormatException(source, String.format("dimension %d of %d is negative: expected a size"
                        + " >= 0, got %d (0x%08x)", i, rank, dims[i], dims[i]));
            }
        }
        return new Header(type, dims, 4 + 4 * rank);
    }

    private static Raw parse(Path file, InputStream in, boolean gzipped, long fileSize, int expectedRank)
            throws IOException {
        Header header = readHeader(in, file.toString(), gzipped, expectedRank);
        int[] dims = header.dims();
        int elementBytes = elementBytes(header.typeCode());
        int type = header.typeCode();
        long count = 1;
        for (int d : dims) {
            count *= d;
            if (count > MAX_ARRAY) {
                break; // reported below, before any overflow
            }
        }
        long expectedBytes = count * elementBytes;
        if (count > MAX_ARRAY || expectedBytes > MAX_ARRAY) {
            throw new IdxFormatException(file, "too large: the dimensions " + Arrays.toString(dims)
                    + " make more than " + MAX_ARRAY + " data bytes, more than a Java array holds (Spark jobs read"
                    + " larger files on the executors)");
        }
        int n = (int) expectedBytes;
        long headerBytes = header.headerBytes();
        // Do not allocate what a corrupt header claims if the file cannot possibly hold it; count instead.
        long available = gzipped ? fileSize * MAX_GZIP_RATIO : fileSize - headerBytes;
        if (n > available) {
            long got = countRemaining(in);
            throw truncated(file, n, got, gzipped);
        }
        byte[] body = new byte[n];
        int got = 0;
        try {
            while (got < n) {
                int r = in.read(body, got, n - got);
                if (r < 0) {
                    break;
                }
                got += r;
            }
        } catch (EOFException e) {
            throw new IdxFormatException(file, String.format("truncated gzip stream: expected %d data bytes after"
                    + " the header, the stream broke off after %d: %s", n, got, e.getMessage()), e);
        }
        if (got < n) {
            throw truncated(file, n, got, gzipped);
        }
        long extra = countRemaining(in);
        if (extra > 0) {
            throw new IdxFormatException(file, String.format("trailing garbage: expected %d data bytes after the"
                    + " header %s, got %d (%d bytes too many)%s", n, shapeText(dims), n + extra, extra,
                    gzipped ? " after gunzip" : ""));
        }
        return new Raw(type, dims, body);
    }

    private static IdxFormatException truncated(Path file, long expected, long got, boolean gzipped) {
        return new IdxFormatException(file, String.format("truncated data: expected %d data bytes after the header,"
                + " got %d%s", expected, got, gzipped ? " after gunzip" : ""));
    }

    private static long countRemaining(InputStream in) throws IOException {
        return in.transferTo(OutputStream.nullOutputStream());
    }

    private static String shapeText(int[] dims) {
        return Shape.of(dims).toString();
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }

    /** Bytes per element for a type code, or -1 if the code is not an IDX type. */
    static int elementBytes(int type) {
        return switch (type) {
            case UBYTE, BYTE -> 1;
            case SHORT -> 2;
            case INT, FLOAT -> 4;
            case DOUBLE -> 8;
            default -> -1;
        };
    }

    private static Tensor toTensor(Raw raw) {
        byte[] b = raw.body();
        int n = (int) raw.size();
        Shape shape = Shape.of(raw.dims());
        switch (raw.typeCode()) {
            case UBYTE -> {
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = b[i] & 0xff;
                }
                return Tensor.wrap(out, 0, shape);
            }
            case BYTE -> {
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = b[i];
                }
                return Tensor.wrap(out, 0, shape);
            }
            case SHORT -> {
                float[] out = new float[n];
                var buf = ByteBuffer.wrap(b).asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = buf.get(i);
                }
                return Tensor.wrap(out, 0, shape);
            }
            case INT -> {
                double[] out = new double[n];
                var buf = ByteBuffer.wrap(b).asIntBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = buf.get(i);
                }
                return Tensor.wrap(out, 0, shape);
            }
            case FLOAT -> {
                float[] out = new float[n];
                ByteBuffer.wrap(b).asFloatBuffer().get(out);
                return Tensor.wrap(out, 0, shape);
            }
            case DOUBLE -> {
                double[] out = new double[n];
                ByteBuffer.wrap(b).asDoubleBuffer().get(out);
                return Tensor.wrap(out, 0, shape);
            }
            default -> throw new AssertionError("type code checked in parse: " + raw.typeCode());
        }
    }

    /**
     * Writes {@code values} as an unsigned-byte IDX file (magic {@code 0x000008NN}, NN = the tensor's rank), gzipped
     * if the file name ends in {@code .gz}. The write is atomic ({@link LocalFiles#writeAtomically}): readers never see
     * a half-written file.
     *
     * @throws IllegalArgumentException naming the flat index and the value if any value is not an integer in
     *     0..255, or if the tensor has rank 0 or more than 255 dimensions (nothing is written then)
     */
    public static void write(Path file, Tensor values) throws IOException {
        int[] dims = values.shape().dims();
        if (dims.length == 0 || dims.length > 255) {
            throw new IllegalArgumentException("cannot write " + file + ": an IDX file has 1 to 255 dimensions,"
                    + " got a tensor of shape " + values.shape());
        }
        byte[] body = new byte[values.size()];
        if (values.dtype() == DType.FLOAT32) {
            float[] v = values.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                float x = v[i];
                if (!(x >= 0 && x <= 255 && x == Math.rint(x))) {
                    throw notUbyte(file, i, Float.toString(x));
                }
                body[i] = (byte) (int) x;
            }
        } else {
            double[] v = values.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                double x = v[i];
                if (!(x >= 0 && x <= 255 && x == Math.rint(x))) {
                    throw notUbyte(file, i, Double.toString(x));
                }
                body[i] = (byte) (int) x;
            }
        }
        writeUbyte(file, dims, body);
    }

    private static IllegalArgumentException notUbyte(Path file, int index, String value) {
        return new IllegalArgumentException("cannot write " + file + " as unsigned bytes: the value at flat index "
                + index + " is " + value + ", expected an integer in 0..255");
    }

    /** Writes raw unsigned bytes with the given dimensions; see {@link #write(Path, Tensor)}. */
    static void writeUbyte(Path file, int[] dims, byte[] body) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4 + 4 * dims.length);
        header.putInt((UBYTE << 8) | dims.length);
        long count = 1;
        for (int d : dims) {
            header.putInt(d);
            count *= d;
        }
        if (count != body.length) {
            throw new IllegalArgumentException("dimensions " + Arrays.toString(dims) + " make " + count
                    + " elements but there are " + body.length + " bytes");
        }
        boolean gzip = file.getFileName().toString().endsWith(".gz");
        LocalFiles.writeAtomically(file, out -> {
            if (gzip) {
                GZIPOutputStream zipped = new BestGzipOutputStream(out);
                zipped.write(header.array());
                zipped.write(body);
                zipped.finish(); // the trailer; closing the file is the writer's
            } else {
                out.write(header.array());
                out.write(body);
            }
        });
    }

    /**
     * gzip at the best compression level. Java writes a zero modification time in the gzip header, so the same
     * data gives the same bytes (for a given zlib), which keeps committed data files reproducible.
     */
    private static final class BestGzipOutputStream extends GZIPOutputStream {
        BestGzipOutputStream(OutputStream out) throws IOException {
            super(out, BUFFER);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }
}
