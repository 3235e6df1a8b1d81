package dev.kindling.core.tensor;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * An N-dimensional array of float32 or float64 numbers, stored contiguously in row-major order in a
 * {@code float[]} or {@code double[]} starting at an offset. Because storage is always contiguous, a tensor can
 * be a <em>view</em> into a larger flat array (a model's weights are views into one flat parameter vector).
 *
 * <p>Operations return new tensors unless their name ends in {@code InPlace}. {@link #reshape} returns a view
 * sharing storage; {@link #slice}, {@link #take}, {@link #permute} and {@link #transpose} copy. Element-wise
 * binary operations broadcast as numpy does; {@link #sumToShape} is the one place where broadcasting is undone.
 * A shape mismatch throws {@link IllegalArgumentException} with both shapes in the message.
 */
public final class Tensor implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How many values {@link #toString()} shows. */
    private static final int DISPLAY_VALUES = 10;

    private final Shape shape;
    private final DType dtype;
    /** Storage of a float32 tensor, else null. */
    private final float[] f;
    /** Storage of a float64 tensor, else null. */
    private final double[] d;
    private final int offset;
    /** {@code shape.size()}, cached. */
    private final int size;

    private Tensor(Shape shape, DType dtype, float[] f, double[] d, int offset) {
        this.shape = shape;
        this.dtype = dtype;
        this.f = f;
        this.d = d;
        this.offset = offset;
        this.size = shape.size();
        int length = f != null ? f.length : d.length;
        if (offset < 0 || (long) offset + size > length) {
            throw new IllegalArgumentException("a view of shape " + shape + " (" + size + " elements) at offset "
                    + offset + " does not fit in an array of length " + length);
        }
    }

    // ---- creation ------------------------------------------------------------------------------------

    /** A tensor of zeros. */
    public static Tensor zeros(DType dtype, int... shape) {
        return zeros(Shape.of(shape), dtype);
    }

    public static Tensor zeros(Shape shape, DType dtype) {
        int n = shape.size();
        return dtype == DType.FLOAT32
                ? new Tensor(shape, dtype, new float[n], null, 0)
                : new Tensor(shape, dtype, null, new double[n], 0);
    }

    public static Tensor ones(DType dtype, int... shape) {
        return full(Shape.of(shape), dtype, 1.0);
    }

    /** A tensor with every element set to {@code value}. */
    public static Tensor full(Shape shape, DType dtype, double value) {
        return zeros(shape, dtype).fillInPlace(value);
    }

    /** A rank-0 tensor. */
    public static Tensor scalar(double value, DType dtype) {
        return full(Shape.scalar(), dtype, value);
    }

    /** A float32 tensor holding a copy of {@code values}; {@code values.length} must equal the shape's size. */
    public static Tensor of(float[] values, int... shape) {
        Shape s = Shape.of(shape);
        requireLength("of", values.length, s);
        return new Tensor(s, DType.FLOAT32, values.clone(), null, 0);
    }

    /** A float64 tensor holding a copy of {@code values}; {@code values.length} must equal the shape's size. */
    public static Tensor of(double[] values, int... shape) {
        Shape s = Shape.of(shape);
        requireLength("of", values.length, s);
        return new Tensor(s, DType.FLOAT64, null, values.clone(), 0);
    }

    /** A view (no copy) of {@code shape.size()} elements of {@code data} starting at {@code offset}. */
    public static Tensor wrap(float[] data, int offset, Shape shape) {
        return new Tensor(shape, DType.FLOAT32, data, null, offset);
    }

    /** A view (no copy) of {@code shape.size()} elements of {@code data} starting at {@code offset}. */
    public static Tensor wrap(double[] data, int offset, Shape shape) {
        return new Tensor(shape, DType.FLOAT64, null, data, offset);
    }

    /** {@code 0, 1, ..., n-1} as a rank-1 tensor. */
    public static Tensor arange(DType dtype, int n) {
        Tensor t = zeros(Shape.of(n), dtype);
        for (int i = 0; i < n; i++) {
            t.put(i, i);
        }
        return t;
    }

    /** Independent uniform samples from {@code [low, high)}. */
    public static Tensor uniform(Shape shape, DType dtype, double low, double high, Random rng) {
        Tensor t = zeros(shape, dtype);
        for (int i = 0; i < t.size; i++) {
            t.put(i, low + (high - low) * rng.nextDouble());
        }
        return t;
    }

    // ---- metadata and element access -----------------------------------------------------------------

    public Shape shape() {
        return shape;
    }

    public int rank() {
        return shape.rank();
    }

    /** Size of one axis; negative axes count from the end. */
    public int dim(int axis) {
        return shape.dim(axis);
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    public DType dtype() {
        return dtype;
    }

    /** The element at a full index (one coordinate per axis, 0-based). */
    public double get(int... index) {
        return at(offset + flatIndex(index));
    }

    public void set(double value, int... index) {
        put(offset + flatIndex(index), value);
    }

    /** The i-th element in row-major order. */
    public double getFlat(int i) {
        return at(offset + checkFlat(i));
    }

    public void setFlat(int i, double value) {
        put(offset + checkFlat(i), value);
    }

    /** The value of a tensor with exactly one element. */
    public double item() {
        if (size != 1) {
            throw new IllegalArgumentException("item: tensor of shape " + shape + " has " + size + " elements, not 1");
        }
        return at(offset);
    }

    /**
     * The backing array of a float32 tensor, for hot loops; elements are {@code [offset(), offset() + size())}.
     * Writes are visible through every view of the same storage.
     */
    public float[] floatStorage() {
        if (f == null) {
            throw new IllegalStateException("floatStorage() called on a " + dtype + " tensor of shape " + shape);
        }
        return f;
    }

    /** The backing array of a float64 tensor; see {@link #floatStorage()}. */
    public double[] doubleStorage() {
        if (d == null) {
            throw new IllegalStateException("doubleStorage() called on a " + dtype + " tensor of shape " + shape);
        }
        return d;
    }

    /** Index of element 0 in the backing array. */
    public int offset() {
        return offset;
    }

    /** A fresh copy of the elements as doubles, row-major. */
    public double[] toDoubleArray() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = at(offset + i);
        }
        return out;
    }

    /** A fresh copy of the elements as floats, row-major. */
    public float[] toFloatArray() {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) at(offset + i);
        }
        return out;
    }

    /** The elements as ints (they must be integral, such as class indices); throws naming the first that is not. */
    public int[] toIntArray() {
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            double v = at(offset + i);
            if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("toIntArray: element at flat index " + i + " is " + v
                        + ", not an integer (tensor shape " + shape + ")");
            }
            out[i] = (int) v;
        }
        return out;
    }

    // ---- shape manipulation --------------------------------------------------------------------------

    /**
     * Row-major reshape (R's {@code array_reshape}, numpy's {@code reshape}); at most one dimension may be -1
     * and is inferred. Returns a view sharing storage.
     */
    public Tensor reshape(int... dims) {
        int[] resolved = dims.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < resolved.length; i++) {
            if (resolved[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException("cannot reshape " + shape + " to " + formatDims(dims)
                            + ": at most one dimension may be -1");
                }
                unknown = i;
            } else if (resolved[i] < 0) {
                throw new IllegalArgumentException("cannot reshape " + shape + " to " + formatDims(dims)
                        + ": negative dimension " + resolved[i]);
            } else {
                known *= resolved[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || size % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + shape + " (" + size + " elements) to "
                        + formatDims(dims));
            }
            resolved[unknown] = (int) (size / known);
        } else if (known != size) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + size + " elements) to "
                    + formatDims(dims) + " (" + known + " elements)");
        }
        return new Tensor(Shape.of(resolved), dtype, f, d, offset);
    }

    public Tensor reshape(Shape shape) {
        if (shape.size() != size) {
            throw new IllegalArgumentException("cannot reshape " + this.shape + " (" + size + " elements) to "
                    + shape + " (" + shape.size() + " elements)");
        }
        return new Tensor(shape, dtype, f, d, offset);
    }

    /** Elements {@code from} (inclusive) to {@code to} (exclusive), 0-based, along one axis. Copies. */
    public Tensor slice(int axis, int from, int to) { throw todo(); }

    /** The entries at the given indices along one axis, in that order (a gather; used to build shuffled batches). */
    public Tensor take(int axis, int[] indices) { throw todo(); }

    /** Reverses the axes (for a matrix, the usual transpose). Copies. */
    public Tensor transpose() { throw todo(); }

    /** Reorders the axes: output axis i is input axis {@code axes[i]}. Copies. */
    public Tensor permute(int... axes) { throw todo(); }

    /** A copy converted to another dtype (a copy even when the dtype is the same). */
    public Tensor astype(DType dtype) {
        Tensor r = zeros(shape, dtype);
        if (dtype == this.dtype) {
            System.arraycopy(storage(), offset, r.storage(), 0, size);
        } else {
            for (int i = 0; i < size; i++) {
                r.put(i, at(offset + i));
            }
        }
        return r;
    }

    /** A contiguous copy with its own storage. */
    public Tensor copy() {
        return astype(dtype);
    }

    // ---- element-wise (broadcasting) -----------------------------------------------------------------

    public Tensor add(Tensor other) { throw todo(); }

    public Tensor sub(Tensor other) { throw todo(); }

    public Tensor mul(Tensor other) { throw todo(); }

    public Tensor div(Tensor other) { throw todo(); }

    /** Element-wise maximum of two broadcast tensors. */
    public Tensor maximum(Tensor other) { throw todo(); }

    /** Applies {@code f} to broadcast pairs of elements. The result has this tensor's dtype. */
    public Tensor zip(Tensor other, DoubleBinaryOperator f) { throw todo(); }

    public Tensor add(double scalar) { throw todo(); }

    public Tensor mul(double scalar) { throw todo(); }

    /** Applies {@code f} to every element. */
    public Tensor map(DoubleUnaryOperator f) { throw todo(); }

    public Tensor neg() { throw todo(); }

    public Tensor exp() { throw todo(); }

    public Tensor log() { throw todo(); }

    public Tensor sqrt() { throw todo(); }

    public Tensor square() { throw todo(); }

    public Tensor pow(double exponent) { throw todo(); }

    public Tensor relu() { throw todo(); }

    public Tensor sigmoid() { throw todo(); }

    public Tensor tanh() { throw todo(); }

    // ---- reductions ----------------------------------------------------------------------------------

    /** Sum of all elements, as a rank-0 tensor. Accumulates in double. */
    public Tensor sum() { throw todo(); }

    /** Sum along one axis; {@code keepDims} leaves that axis with size 1. */
    public Tensor sum(int axis, boolean keepDims) { throw todo(); }

    public Tensor mean() { throw todo(); }

    public Tensor mean(int axis, boolean keepDims) { throw todo(); }

    /** Largest element, as a rank-0 tensor. */
    public Tensor max() { throw todo(); }

    public Tensor max(int axis, boolean keepDims) { throw todo(); }

    /** Index of the largest element along one axis (first on ties); the axis is removed. float64 indices. */
    public Tensor argmax(int axis) { throw todo(); }

    /**
     * Sums this (broadcast) tensor down to {@code target}, a shape that broadcasts to this one: the gradient
     * of a broadcast is the sum over the axes that were broadcast. The only place broadcasting is undone.
     */
    public Tensor sumToShape(Shape target) { throw todo(); }

    // ---- products ------------------------------------------------------------------------------------

    /** Matrix product of two rank-2 tensors {@code (m,k)·(k,n) -> (m,n)} through BLAS. */
    public Tensor matmul(Tensor other) { throw todo(); }

    /**
     * {@code C := alpha * op(A) * op(B) + beta * C} for rank-2 tensors of one dtype, through BLAS, where
     * {@code op(X)} is X or its transpose. With {@code beta = 1}, this accumulates into C (a gradient view).
     */
    public static void gemmInPlace(double alpha, Tensor a, boolean transposeA, Tensor b, boolean transposeB,
                                   double beta, Tensor c) { throw todo(); }

    /**
     * Contracts the last axis of this tensor with the first axis of {@code other}:
     * {@code (a,b,c,d)·(d) -> (a,b,c)} and {@code (a,b,c,d)·(d,e) -> (a,b,c,e)}.
     */
    public Tensor tensorDot(Tensor other) { throw todo(); }

    // ---- in place ------------------------------------------------------------------------------------

    /** {@code this += other}, where other broadcasts to this shape. Returns this. */
    public Tensor addInPlace(Tensor other) { throw todo(); }

    /** {@code this += alpha * other} for same-shaped tensors. Returns this. */
    public Tensor axpyInPlace(double alpha, Tensor other) { throw todo(); }

    /** {@code this *= factor}. Returns this. */
    public Tensor scaleInPlace(double factor) { throw todo(); }

    public Tensor fillInPlace(double value) {
        if (f != null) {
            java.util.Arrays.fill(f, offset, offset + size, (float) value);
        } else {
            java.util.Arrays.fill(d, offset, offset + size, value);
        }
        return this;
    }

    /** Copies {@code source} (same shape; dtype converted) into this tensor's storage. Returns this. */
    public Tensor assignInPlace(Tensor source) { throw todo(); }

    // ---- comparison and display ----------------------------------------------------------------------

    /** Same shape and {@code |a-b| <= atol + rtol*|b|} element-wise. */
    public boolean allClose(Tensor other, double rtol, double atol) { throw todo(); }

    /** Whether any element is NaN or infinite. */
    public boolean hasNonFinite() { throw todo(); }

    /** Value equality: same dtype, same shape, same elements. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Tensor t) || dtype != t.dtype || !shape.equals(t.shape)) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            double a = at(offset + i);
            double b = t.at(t.offset + i);
            if (a != b && !(Double.isNaN(a) && Double.isNaN(b))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 31 * dtype.ordinal() + shape.hashCode();
        for (int i = 0; i < size; i++) {
            double v = at(offset + i);
            // canonical forms so that hashCode agrees with equals: 0.0 == -0.0 and all NaNs are equal
            h = 31 * h + Double.hashCode(v == 0.0 ? 0.0 : Double.isNaN(v) ? Double.NaN : v);
        }
        return h;
    }

    /**
     * Like R's {@code str()}: dtype, shape and the first values, e.g.
     * {@code float32 (60000, 28, 28) [0, 0, 0.0118, 0.0706, ...]}.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(dtype).append(' ').append(shape).append(" [");
        int shown = Math.min(size, DISPLAY_VALUES);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(formatValue(at(offset + i)));
        }
        if (size > shown) {
            sb.append(", ...");
        }
        return sb.append(']').toString();
    }

    // ---- private helpers -----------------------------------------------------------------------------

    /** The backing array, for System.arraycopy. */
    private Object storage() {
        return f != null ? f : d;
    }

    private int storageLength() {
        return f != null ? f.length : d.length;
    }

    /** The element at an index into the backing array (not relative to offset). */
    private double at(int storageIndex) {
        return f != null ? f[storageIndex] : d[storageIndex];
    }

    /** Stores at an index into the backing array (not relative to offset), rounding to float for float32. */
    private void put(int storageIndex, double value) {
        if (f != null) {
            f[storageIndex] = (float) value;
        } else {
            d[storageIndex] = value;
        }
    }

    private int flatIndex(int[] index) {
        int rank = shape.rank();
        if (index.length != rank) {
            throw new IndexOutOfBoundsException("index " + java.util.Arrays.toString(index) + " has "
                    + index.length + " coordinates but shape " + shape + " has rank " + rank);
        }
        int flat = 0;
        for (int i = 0; i < rank; i++) {
            int dimI = shape.dim(i);
            if (index[i] < 0 || index[i] >= dimI) {
                throw new IndexOutOfBoundsException("index " + java.util.Arrays.toString(index)
                        + " is out of bounds for shape " + shape);
            }
            flat = flat * dimI + index[i];
        }
        return flat;
    }

    private int checkFlat(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("flat index " + i + " is out of bounds for shape " + shape
                    + " (" + size + " elements)");
        }
        return i;
    }

    private static void requireLength(String op, int length, Shape shape) {
        if (length != shape.size()) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + shape + " ("
                    + shape.size() + " elements)");
        }
    }

    /** Formats requested dimensions (which may contain -1) like {@link Shape#toString()}. */
    private static String formatDims(int[] dims) {
        if (dims.length == 1) {
            return "(" + dims[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i > 0 ? ", " : "").append(dims[i]);
        }
        return sb.append(')').toString();
    }

    /**
     * Compact display of one value: integers without decimals, otherwise at most 4 significant digits and at
     * most 4 decimals (0.011764 shows as 0.0118), and scientific notation for tiny or huge magnitudes.
     */
    static String formatValue(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Inf" : "-Inf";
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e15) {
            return Long.toString((long) v);
        }
        BigDecimal bd = new BigDecimal(v).round(new MathContext(4, RoundingMode.HALF_EVEN));
        if (a >= 1e-3 && a < 1e15) {
            if (bd.scale() > 4) {
                bd = bd.setScale(4, RoundingMode.HALF_EVEN);
            }
            return bd.stripTrailingZeros().toPlainString();
        }
        return bd.stripTrailingZeros().toString();
    }

    private static UnsupportedOperationException todo() {
        return new UnsupportedOperationException("not implemented yet");
    }
}
