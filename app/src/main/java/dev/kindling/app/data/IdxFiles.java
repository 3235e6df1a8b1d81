// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.data;

import dev.kindling.core.data.Idx;
import dev.kindling.core.data.IdxFormatException;
import dev.kindling.core.tensor.Shape;
import dev.kindling.spark.DataException;
import dev.kindling.spark.TensorFrames;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * An images file and a labels file in IDX format (MNIST's) as a DataFrame whose rows the executors read from the
 * files themselves, on any Hadoop file system: the driver reads and checks only the two headers. After its header an
 * IDX file is fixed-length records, one per sample (what Spark's {@code binaryRecords} reads, except that it cannot
 * skip a header), so each task seeks to the first sample of its range and reads records. A gzipped file cannot be
 * seeked: it is read by one task, and the trainer spreads its rows over the task slots.
 */
final class IdxFiles {
    private IdxFiles() {
    }

    /** One file as the executors read it: where, gzipped or not, its header. */
    record Source(String uri, boolean gzipped, Idx.Header header) implements Serializable {
        long offset(long sample) {
            return header.headerBytes() + sample * header.recordBytes();
        }
    }

    /**
     * Rows {@code features} (a vector of each sample's values divided by {@code scale}) and {@code label}, in the
     * files' order, in about {@code partitions} ranges of samples.
     *
     * @throws IdxFormatException for a file that is not IDX, not unsigned bytes, of the wrong rank or size, or
     *                            images and labels of different counts, or images whose dimensions are not the
     *                            {@code sampleShape}'s (the model's input shape, or null: not known yet)
     */
    static Dataset<Row> frame(SparkSession spark, String images, String labels, int partitions, double scale,
                              Shape sampleShape) throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Source x = source(hadoop, images, -1);
        Source y = source(hadoop, labels, 1);
        if (x.header().dims().length < 2) {
            throw new IdxFormatException(x.uri(), "expected samples of shape (n, ...), got dimensions "
                    + Arrays.toString(x.header().dims()));
        }
        checkDimensions(x, sampleShape);
        if (x.header().samples() != y.header().samples()) {
            throw new IdxFormatException(x.uri(), "has " + x.header().samples() + " samples but " + y.uri() + " has "
                    + y.header().samples() + " labels");
        }
        int n = x.header().samples();
        int slices = x.gzipped() || y.gzipped() ? 1 : Math.max(1, Math.min(n, partitions));
        List<long[]> ranges = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            ranges.add(new long[] {(long) n * i / slices, (long) n * (i + 1) / slices});
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SerializableConfiguration> conf = sc.broadcast(new SerializableConfiguration(hadoop));
        return spark.createDataFrame(sc.parallelize(ranges, slices)
                .flatMap(r -> rows(conf.value().value(), x, y, r[0], r[1], scale)), TensorFrames.SCHEMA);
    }

    /**
     * A model of input shape (28, 28, 1) takes (n, 28, 28) or (n, 28, 28, 1) images, not (n, 14, 56) ones of the
     * same size; one of input shape (784) takes any samples of 784 values. Trailing axes of 1 (one channel) are
     * not compared.
     */
    static void checkDimensions(Source x, Shape sampleShape) throws IdxFormatException {
        if (sampleShape == null || sampleShape.rank() == 1) {
            return;   // rows of features: the trainer checks their width, naming the row
        }
        int[] file = Arrays.copyOfRange(x.header().dims(), 1, x.header().dims().length);
        if (!Arrays.equals(withoutTrailingOnes(file), withoutTrailingOnes(sampleShape.dims()))) {
            throw new IdxFormatException(x.uri(), "holds images of dimensions " + Arrays.toString(file)
                    + ", the model's input shape is " + sampleShape);
        }
    }

    private static int[] withoutTrailingOnes(int[] dims) {
        int n = dims.length;
        while (n > 1 && dims[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(dims, n);
    }

    /** Opens a file, reads and checks its header, and checks its length where it can (uncompressed files). */
    private static Source source(Configuration hadoop, String pathOrUri, int rank) throws IOException {
        Path path = new Path(pathOrUri);
        FileSystem fs = path.getFileSystem(hadoop);
        Path qualified = fs.makeQualified(path);
        String uri = qualified.toString();
        if (!fs.exists(qualified)) {
            throw new java.nio.file.NoSuchFileException(uri, null, "no such IDX file: " + uri);
        }
        long length = fs.getFileStatus(qualified).getLen();
        boolean gzipped;
        Idx.Header header;
        try (InputStream in = open(fs, qualified)) {
            gzipped = isGzipped(in);
            header = Idx.readHeader(gzipped ? new GZIPInputStream(in) : in, uri, gzipped, rank);
        } catch (EOFException | java.util.zip.ZipException e) {
            throw new IdxFormatException(uri, "corrupt or truncated gzip data: " + e.getMessage(), e);
        }
        if (header.typeCode() != Idx.UBYTE) {
            throw new IdxFormatException(uri, String.format("type code 0x%02x: Spark jobs read unsigned-byte IDX"
                    + " files (0x08, MNIST's); load other types with Idx.read and TensorFrames", header.typeCode()));
        }
        if (!gzipped && length != header.headerBytes() + header.bodyBytes()) {
            throw new IdxFormatException(uri, String.format("expected %d bytes (a %d-byte header and %d samples of %d"
                    + " bytes), the file has %d: %s", header.headerBytes() + header.bodyBytes(), header.headerBytes(),
                    header.samples(), header.recordBytes(), length,
                    length < header.headerBytes() + header.bodyBytes() ? "truncated" : "trailing garbage"));
        }
        return new Source(uri, gzipped, header);
    }

    private static InputStream open(FileSystem fs, Path path) throws IOException {
        return new BufferedInputStream(fs.open(path), 1 << 16);
    }

    private static boolean isGzipped(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    /** Samples {@code [from, to)} of both files, read on an executor. */
    private static Iterator<Row> rows(Configuration hadoop, Source x, Source y, long from, long to, double scale)
            throws IOException {
        InputStream images = at(hadoop, x, from);
        InputStream labels = at(hadoop, y, from);
        int width = x.header().recordElements();
        return new Iterator<>() {
            private long next = from;
            private final byte[] record = new byte[width];

            @Override
            public boolean hasNext() {
                if (next < to) {
                    return true;
                }
                close();
                return false;
            }

            @Override
            public Row next() {
                if (next >= to) {
                    throw new NoSuchElementException();
                }
                try {
                    read(images, record, x, next);
                    int label = labels.read();
                    if (label < 0) {
                        throw new DataException("idx " + y.uri() + ": truncated: the file ends before label " + next);
                    }
                    double[] v = new double[width];
                    for (int j = 0; j < width; j++) {
                        v[j] = (record[j] & 0xFF) / scale;
                    }
                    next++;
                    return RowFactory.create(Vectors.dense(v), (double) label);
                } catch (IOException e) {
                    close();
                    throw new DataException("idx " + x.uri() + ", sample " + next + ": " + e.getMessage());
                }
            }

            private void close() {
                try {
                    images.close();
                    labels.close();
                } catch (IOException ignored) {
                    // read-only streams: nothing was lost
                }
            }
        };
    }

    private static void read(InputStream in, byte[] record, Source source, long sample) throws IOException {
        int got = in.readNBytes(record, 0, record.length);
        if (got < record.length) {
            throw new DataException("idx " + source.uri() + ": truncated: the file ends inside sample " + sample);
        }
    }

    /** A stream of {@code source}'s records from sample {@code first} on: seeked, or (gzipped) read up to there. */
    private static InputStream at(Configuration hadoop, Source source, long first) throws IOException {
        Path path = new Path(source.uri());
        FileSystem fs = path.getFileSystem(hadoop);
        if (!source.gzipped()) {
            FSDataInputStream in = fs.open(path);
            in.seek(source.offset(first));
            return new BufferedInputStream(in, 1 << 16);
        }
        InputStream in = new BufferedInputStream(new GZIPInputStream(fs.open(path), 1 << 16), 1 << 16);
        in.skipNBytes(source.offset(first));
        return in;
    }
}
