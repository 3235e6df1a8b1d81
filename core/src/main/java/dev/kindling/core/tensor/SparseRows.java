// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A batch of feature rows in compressed sparse row (CSR) form: the sparse counterpart of a {@code (rows, width)}
 * {@link Tensor}, for the wide, mostly-zero rows that Spark ML's {@code HashingTF}, {@code CountVectorizer} and
 * {@code OneHotEncoder} make (10,000 to 2^18 columns, a few dozen non-zeros each). Row {@code r}'s non-zeros are
 * {@code values[rowStart[r] .. rowStart[r+1])} at columns {@code columns[rowStart[r] .. rowStart[r+1])}, columns
 * strictly ascending within a row (Spark's {@code SparseVector} order). Memory is {@code 4·(rows+1)} bytes of row
 * starts plus {@code (4 + dtype bytes)} per non-zero, whatever the width: a multi-hot row of 10,000 words with 100
 * of them present is 804 bytes in float32 instead of 40,000.
 *
 * <p>Only a model's first layer sees sparse rows, and only a layer that implements
 * {@code dev.kindling.core.layers.SparseInput} ({@code Dense}) takes them: it multiplies them by its kernel
 * ({@code Ops.sparseAffine}) without ever making a dense copy of the batch. Instances are immutable; the array
 * accessors hand out the storage itself for kernels, which must not write to it.
 */
public final class SparseRows implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int width;
    private final int[] rowStart;
    private final int[] columns;
    /** {@code (nonZeros)}, contiguous from offset 0. */
    private final Tensor values;

    private SparseRows(int width, int[] rowStart, int[] columns, Tensor values) {
        this.width = width;
        this.rowStart = rowStart;
        this.columns = columns;
        this.values = values;
    }

    /**
     * Rows from their CSR arrays, which are kept (not copied).
     *
     * @param width    columns per row (the dense width), > 0
     * @param rowStart {@code rows + 1} offsets, {@code rowStart[0] = 0}, non-decreasing, the last the non-zero count
     * @param columns  column of each non-zero, in {@code [0, width)}, strictly ascending within each row
     * @param values   {@code (nonZeros)} values, contiguous (a fresh tensor, not a view with an offset)
     * @throws IllegalArgumentException naming the row and column of the first entry that breaks a rule
     */
    public static SparseRows of(int width, int[] rowStart, int[] columns, Tensor values) {
        if (width <= 0) {
            throw new IllegalArgumentException("sparse rows: width must be > 0, got " + width);
        }
        if (rowStart.length == 0 || rowStart[0] != 0) {
            throw new IllegalArgumentException("sparse rows: rowStart must start with 0 and hold rows + 1 offsets");
        }
        int nonZeros = rowStart[rowStart.length - 1];
        if (columns.length != nonZeros || values.rank() != 1 || values.size() != nonZeros || values.offset() != 0) {
            throw new IllegalArgumentException("sparse rows: " + nonZeros + " non-zeros by rowStart, but "
                    + columns.length + " columns and values of shape " + values.shape()
                    + (values.offset() != 0 ? " at offset " + values.offset() : ""));
        }
        for (int r = 0; r + 1 < rowStart.length; r++) {
            if (rowStart[r + 1] < rowStart[r]) {
                throw new IllegalArgumentException("sparse rows: rowStart decreases at row " + r);
            }
            for (int k = rowStart[r]; k < rowStart[r + 1]; k++) {
                int c = columns[k];
                if (c < 0 || c >= width) {
                    throw new IllegalArgumentException("sparse rows: row " + r + " has column " + c
                            + ", outside [0, " + width + ")");
                }
                if (k > rowStart[r] && c <= columns[k - 1]) {
                    throw new IllegalArgumentException("sparse rows: row " + r + " has column " + c + " after column "
                            + columns[k - 1] + ", expected strictly ascending columns");
                }
            }
        }
        return new SparseRows(width, rowStart, columns, values);
    }

    /** The non-zeros of a dense batch {@code (rows, width)}, in its dtype. */
    public static SparseRows fromDense(Tensor x) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("sparse rows from a dense batch need (rows, width), got " + x.shape());
        }
        int rows = x.dim(0);
        int width = x.dim(1);
        int[] rowStart = new int[rows + 1];
        int nonZeros = 0;
        for (int i = 0; i < x.size(); i++) {
            nonZeros += x.getFlat(i) != 0.0 ? 1 : 0;
        }
        int[] columns = new int[nonZeros];
        Tensor values = Tensor.zeros(x.dtype(), nonZeros);
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                double v = x.getFlat(r * width + c);
                if (v != 0.0) {
                    columns[k] = c;
                    values.setFlat(k++, v);
                }
            }
            rowStart[r + 1] = k;
        }
        return new SparseRows(width, rowStart, columns, values);
    }

    public int rows() {
        return rowStart.length - 1;
    }

    /** Columns per row: the width of the dense rows these stand for. */
    public int width() {
        return width;
    }

    public int nonZeros() {
        return columns.length;
    }

    public DType dtype() {
        return values.dtype();
    }

    /** The {@code rows + 1} row offsets (the storage itself: read only). */
    public int[] rowStart() {
        return rowStart;
    }

    /** The column of each non-zero (the storage itself: read only). */
    public int[] columns() {
        return columns;
    }

    /** The non-zero values {@code (nonZeros)} (the storage itself: read only). */
    public Tensor values() {
        return values;
    }

    /** Bytes these rows occupy as arrays: row offsets, columns and values. */
    public long packedBytes() {
        return 4L * rowStart.length + (4L + values.dtype().bytes()) * columns.length;
    }

    /** Rows {@code [from, to)}, copied. */
    public SparseRows slice(int from, int to) {
        if (from < 0 || to > rows() || from > to) {
            throw new IllegalArgumentException("sparse rows: slice [" + from + ", " + to + ") of " + rows() + " rows");
        }
        int[] rows = new int[to - from];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = from + i;
        }
        return take(rows);
    }

    /** The rows at {@code indices}, in that order, copied. */
    public SparseRows take(int[] indices) {
        int[] starts = new int[indices.length + 1];
        for (int i = 0; i < indices.length; i++) {
            int r = indices[i];
            if (r < 0 || r >= rows()) {
                throw new IllegalArgumentException("sparse rows: row " + r + " of " + rows() + " rows");
            }
            starts[i + 1] = starts[i] + rowStart[r + 1] - rowStart[r];
        }
        int[] cols = new int[starts[indices.length]];
        Tensor vals = Tensor.zeros(values.dtype(), cols.length);
        for (int i = 0; i < indices.length; i++) {
            int from = rowStart[indices[i]];
            int n = starts[i + 1] - starts[i];
            System.arraycopy(columns, from, cols, starts[i], n);
            if (values.dtype() == DType.FLOAT32) {
                System.arraycopy(values.floatStorage(), from, vals.floatStorage(), starts[i], n);
            } else {
                System.arraycopy(values.doubleStorage(), from, vals.doubleStorage(), starts[i], n);
            }
        }
        return new SparseRows(width, starts, cols, vals);
    }

    /** The same rows with values in {@code dtype} (this when it already is). */
    public SparseRows astype(DType dtype) {
        return dtype == values.dtype() ? this : new SparseRows(width, rowStart, columns, values.astype(dtype));
    }

    /** The dense batch {@code (rows, width)}: for tests and small data only, never on the training path. */
    public Tensor toDense() {
        Tensor dense = Tensor.zeros(values.dtype(), rows(), width);
        for (int r = 0; r < rows(); r++) {
            for (int k = rowStart[r]; k < rowStart[r + 1]; k++) {
                dense.setFlat(r * width + columns[k], values.getFlat(k));
            }
        }
        return dense;
    }

    /** Whether a value is NaN or infinite. */
    public boolean hasNonFinite() {
        return values.hasNonFinite();
    }

    /**
     * Throws naming the first non-finite value by row (numbered from {@code firstRow}) and column.
     *
     * @param context what the rows are, for the message: {@code fit}, a column's name
     */
    public void requireFinite(String context, long firstRow) {
        if (!values.hasNonFinite()) {
            return;
        }
        for (int r = 0; r < rows(); r++) {
            for (int k = rowStart[r]; k < rowStart[r + 1]; k++) {
                if (!Double.isFinite(values.getFlat(k))) {
                    throw new IllegalArgumentException(context + ": input at row " + (firstRow + r) + ", column "
                            + columns[k] + " is " + values.getFlat(k) + ", expected a finite number");
                }
            }
        }
    }

    /**
     * {@code x·kernel + bias} for sparse {@code x (rows, width)}, a kernel {@code (width, units)} and a bias
     * {@code (units)}, all of one dtype: each output row starts as the bias and adds {@code value · kernel[column]}
     * for each of its non-zeros, so the work is {@code nonZeros · units}, not {@code rows · width · units}.
     * Rows are independent and run in parallel ({@link Parallel}).
     */
    public static Tensor affine(SparseRows x, Tensor kernel, Tensor bias) {
        int units = kernel.rank() == 2 ? kernel.dim(1) : -1;
        if (kernel.rank() != 2 || bias.rank() != 1 || kernel.dim(0) != x.width || bias.dim(0) != units) {
            throw new IllegalArgumentException("sparse affine: shapes do not align: x (" + x.rows() + ", " + x.width
                    + "), kernel " + kernel.shape() + ", bias " + bias.shape());
        }
        if (kernel.dtype() != x.dtype() || bias.dtype() != x.dtype()) {
            throw new IllegalArgumentException("sparse affine: dtypes differ: x " + x.dtype() + ", kernel "
                    + kernel.dtype() + ", bias " + bias.dtype());
        }
        Tensor out = Tensor.zeros(x.dtype(), x.rows(), units);
        long perRow = Math.max(1, (long) x.nonZeros() / Math.max(1, x.rows())) * units;
        boolean f32 = x.dtype() == DType.FLOAT32;
        float[] vf = f32 ? x.values.floatStorage() : null;
        float[] kf = f32 ? kernel.floatStorage() : null;
        float[] of = f32 ? out.floatStorage() : null;
        double[] vd = f32 ? null : x.values.doubleStorage();
        double[] kd = f32 ? null : kernel.doubleStorage();
        double[] od = f32 ? null : out.doubleStorage();
        Object b = f32 ? bias.floatStorage() : bias.doubleStorage();
        Object o = f32 ? of : od;
        int ko = kernel.offset();
        int bo = bias.offset();
        Parallel.forRanges(x.rows(), perRow, (from, to) -> {
            for (int r = from; r < to; r++) {
                int row = r * units;
                System.arraycopy(b, bo, o, row, units);
                for (int n = x.rowStart[r]; n < x.rowStart[r + 1]; n++) {
                    int kr = ko + x.columns[n] * units;
                    if (f32) {
                        Runs.axpy(vf[n], kf, kr, of, row, units);
                    } else {
                        Runs.axpy(vd[n], kd, kr, od, row, units);
                    }
                }
            }
        });
        return out;
    }

    /**
     * {@code sink := sink + xᵀ·g} for sparse {@code x (rows, width)}, {@code g (rows, units)} and a sink
     * {@code (width, units)} (a kernel's gradient, often a view into a flat gradient vector): each non-zero
     * {@code (r, c, value)} adds {@code value · g[r]} onto row {@code c} of the sink, so only the kernel rows of
     * columns present in the batch are touched. Serial: two rows of a batch may share a column.
     */
    public static void addTransposedProductInPlace(SparseRows x, Tensor g, Tensor sink) {
        int units = g.rank() == 2 ? g.dim(1) : -1;
        if (g.rank() != 2 || g.dim(0) != x.rows() || sink.rank() != 2 || sink.dim(0) != x.width
                || sink.dim(1) != units) {
            throw new IllegalArgumentException("sparse xᵀ·g: shapes do not align: x (" + x.rows() + ", " + x.width
                    + "), g " + g.shape() + ", sink " + sink.shape());
        }
        if (g.dtype() != x.dtype() || sink.dtype() != x.dtype()) {
            throw new IllegalArgumentException("sparse xᵀ·g: dtypes differ: x " + x.dtype() + ", g " + g.dtype()
                    + ", sink " + sink.dtype());
        }
        int go = g.offset();
        int so = sink.offset();
        boolean f32 = x.dtype() == DType.FLOAT32;
        float[] vf = f32 ? x.values.floatStorage() : null;
        float[] gf = f32 ? g.floatStorage() : null;
        float[] sf = f32 ? sink.floatStorage() : null;
        double[] vd = f32 ? null : x.values.doubleStorage();
        double[] gd = f32 ? null : g.doubleStorage();
        double[] sd = f32 ? null : sink.doubleStorage();
        for (int r = 0; r < x.rows(); r++) {
            int gr = go + r * units;
            for (int n = x.rowStart[r]; n < x.rowStart[r + 1]; n++) {
                int sr = so + x.columns[n] * units;
                if (f32) {
                    Runs.axpy(vf[n], gf, gr, sf, sr, units);
                } else {
                    Runs.axpy(vd[n], gd, gr, sd, sr, units);
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SparseRows s && s.width == width && Arrays.equals(s.rowStart, rowStart)
                && Arrays.equals(s.columns, columns) && s.values.equals(values);
    }

    @Override
    public int hashCode() {
        return (31 * width + Arrays.hashCode(rowStart)) * 31 + Arrays.hashCode(columns);
    }

    @Override
    public String toString() {
        return "SparseRows(" + rows() + " x " + width + ", " + columns.length + " non-zeros, " + values.dtype() + ")";
    }

    /**
     * Builds sparse rows one row at a time, arrays growing as rows come (a Spark partition's size is unknown until
     * read): values are stored in float32 as packed blocks are.
     */
    public static final class Builder {
        private final int width;
        private int[] rowStart = new int[17];
        private int[] columns = new int[64];
        private float[] values = new float[64];
        private int rows;

        public Builder(int width) {
            if (width <= 0) {
                throw new IllegalArgumentException("sparse rows: width must be > 0, got " + width);
            }
            this.width = width;
        }

        /** Adds one non-zero to the current row; columns must come in strictly ascending order. */
        public void add(int column, double value) {
            int k = rowStart[rows];
            if (k == columns.length) {
                columns = Arrays.copyOf(columns, 2 * k);
                values = Arrays.copyOf(values, 2 * k);
            }
            columns[k] = column;
            values[k] = (float) value;
            rowStart[rows] = k + 1;
        }

        /**
         * Ends the current row. While row {@code r} grows, {@code rowStart[r]} holds its end (the non-zeros so far);
         * {@link #build} shifts the array by one place to make CSR's offsets: one array, no per-row object.
         */
        public void endRow() {
            if (rows + 2 > rowStart.length) {
                rowStart = Arrays.copyOf(rowStart, 2 * rowStart.length);
            }
            rowStart[rows + 1] = rowStart[rows];
            rows++;
        }

        /** Non-zeros added so far. */
        public int nonZeros() {
            return rowStart[rows];
        }

        /** Rows ended so far. */
        public int rows() {
            return rows;
        }

        /** The rows ended so far, checked as {@link SparseRows#of} checks. */
        public SparseRows build() {
            int[] starts = new int[rows + 1];
            System.arraycopy(rowStart, 0, starts, 1, rows);
            int nonZeros = starts[rows];
            return of(width, starts, Arrays.copyOf(columns, nonZeros),
                    Tensor.wrap(Arrays.copyOf(values, nonZeros), 0, Shape.of(nonZeros)));
        }
    }
}
