// SPDX-License-Identifier: Apache-2.0
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
 * sharing storage; {@link #slice} and {@link #take} copy. Element-wise binary operations broadcast as numpy does;
 * {@link #sumToShape} is the one place where broadcasting is undone. A shape mismatch throws
 * {@link IllegalArgumentException} with both shapes in the message.
 *
 * <p>Only the primitives the engine needs live here. Rarer operations ({@code arange}, {@code transpose},
 * {@code permute}, {@code maximum}, {@code allClose}) are static helpers in {@link Tensors}; matrix products
 * ({@code matmul}, {@code affine}, {@code gemmInPlace}, {@code tensorDot}) are in
 * {@code dev.kindling.core.blas.Products}, beside the BLAS they call; relu's backward is beside relu in
 * {@code dev.kindling.core.autodiff.Ops}.
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
    public Tensor slice(int axis, int from, int to) {
        int ax = shape.normalizeAxis(axis);
        int n = shape.dim(ax);
        if (from < 0 || to > n || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") is out of bounds for axis " + axis
                    + " of shape " + shape);
        }
        int outer = product(0, ax);
        int inner = product(ax + 1, shape.rank());
        Tensor r = zeros(shape.withDim(ax, to - from), dtype);
        int chunk = (to - from) * inner;
        for (int o = 0; o < outer; o++) {
            System.arraycopy(storage(), offset + (o * n + from) * inner, r.storage(), o * chunk, chunk);
        }
        return r;
    }

    /** The entries at the given indices along one axis, in that order (a gather; used to build shuffled batches). */
    public Tensor take(int axis, int[] indices) {
        int ax = shape.normalizeAxis(axis);
        int n = shape.dim(ax);
        for (int index : indices) {
            if (index < 0 || index >= n) {
                throw new IndexOutOfBoundsException("take: index " + index + " is out of bounds for axis " + axis
                        + " of shape " + shape);
            }
        }
        int outer = product(0, ax);
        int inner = product(ax + 1, shape.rank());
        int m = indices.length;
        Tensor r = zeros(shape.withDim(ax, m), dtype);
        Object src = storage();
        Object dst = r.storage();
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < m; k++) {
                System.arraycopy(src, offset + (o * n + indices[k]) * inner, dst, (o * m + k) * inner, inner);
            }
        }
        return r;
    }

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

    public Tensor add(Tensor other) {
        return binary("add", BinOp.ADD, null, other);
    }

    public Tensor sub(Tensor other) {
        return binary("sub", BinOp.SUB, null, other);
    }

    public Tensor mul(Tensor other) {
        return binary("mul", BinOp.MUL, null, other);
    }

    public Tensor div(Tensor other) {
        return binary("div", BinOp.DIV, null, other);
    }

    /** Applies {@code f} to broadcast pairs of elements. The result has this tensor's dtype. */
    public Tensor zip(Tensor other, DoubleBinaryOperator f) {
        return binary("zip", BinOp.ZIP, f, other);
    }

    public Tensor add(double scalar) {
        return unary(UnOp.ADD, null, scalar);
    }

    public Tensor mul(double scalar) {
        return unary(UnOp.MUL, null, scalar);
    }

    /** Applies {@code f} to every element. */
    public Tensor map(DoubleUnaryOperator f) {
        return unary(UnOp.FN, f, 0);
    }

    public Tensor neg() {
        return unary(UnOp.NEG, null, 0);
    }

    public Tensor exp() {
        return unary(UnOp.EXP, null, 0);
    }

    public Tensor log() {
        return unary(UnOp.LOG, null, 0);
    }

    public Tensor square() {
        return unary(UnOp.SQUARE, null, 0);
    }

    public Tensor relu() {
        return unary(UnOp.RELU, null, 0);
    }

    public Tensor sigmoid() {
        return unary(UnOp.SIGMOID, null, 0);
    }

    public Tensor tanh() {
        return unary(UnOp.TANH, null, 0);
    }

    // ---- reductions ----------------------------------------------------------------------------------

    /** Sum of all elements, as a rank-0 tensor. Accumulates in double. */
    public Tensor sum() {
        return flat().reduce("sum", Reduction.SUM, 0, false);
    }

    /** Sum along one axis; {@code keepDims} leaves that axis with size 1. */
    public Tensor sum(int axis, boolean keepDims) {
        return reduce("sum", Reduction.SUM, axis, keepDims);
    }

    /** Largest element, as a rank-0 tensor. */
    public Tensor max() {
        return flat().reduce("max", Reduction.MAX, 0, false);
    }

    public Tensor max(int axis, boolean keepDims) {
        return reduce("max", Reduction.MAX, axis, keepDims);
    }

    /** Index of the largest element along one axis (first on ties); the axis is removed. float64 indices. */
    public Tensor argmax(int axis) {
        return reduce("argmax", Reduction.ARGMAX, axis, false);
    }

    /**
     * Sums this (broadcast) tensor down to {@code target}, a shape that broadcasts to this one: the gradient
     * of a broadcast is the sum over the axes that were broadcast. The only place broadcasting is undone.
     */
    public Tensor sumToShape(Shape target) {
        Shape common;
        try {
            common = Shape.broadcast(target, shape);
        } catch (IllegalArgumentException e) {
            common = null;
        }
        if (!shape.equals(common)) {
            throw new IllegalArgumentException("sumToShape: target shape " + target
                    + " does not broadcast to this tensor's shape " + shape);
        }
        int lead = shape.rank() - target.rank();
        Tensor r = this;
        if (lead > 0) {
            int rows = 1;
            for (int i = 0; i < lead; i++) {
                rows *= shape.dim(i);
            }
            int[] rest = new int[target.rank()];
            for (int i = 0; i < rest.length; i++) {
                rest[i] = shape.dim(lead + i);
            }
            r = r.reshape(Shape.of(concat(new int[] {rows}, rest))).sum(0, false);
        }
        for (int i = 0; i < target.rank(); i++) {
            if (target.dim(i) == 1 && r.shape.dim(i) != 1) {
                r = r.sum(i, true);
            }
        }
        return r == this ? copy() : r;
    }

    // ---- in place ------------------------------------------------------------------------------------

    /** {@code this += other}, where other broadcasts to this shape. Returns this. */
    public Tensor addInPlace(Tensor other) {
        requireSameDtype("addInPlace", other);
        Shape common = broadcastShapes("addInPlace", shape, other.shape);
        if (!common.equals(shape)) {
            throw new IllegalArgumentException("addInPlace: shape " + other.shape + " does not broadcast to "
                    + shape);
        }
        broadcastLoop(BinOp.ADD, null, this, other, this);
        return this;
    }

    /**
     * Multiplies every element by {@code factor}. A float32 tensor is scaled in float arithmetic, as Keras's float32
     * variables are: C2 vectorizes that loop and not one through double (measured on 407,050 floats: 0.03 ms
     * against 1.0 ms, which the training loop paid on every step's gradient). For a factor that is a float (a power
     * of two, as 1/128), the result is the same either way.
     */
    public Tensor scaleInPlace(double factor) {
        if (f != null) {
            float s = (float) factor;
            int end = offset + size;
            for (int i = offset; i < end; i++) {
                f[i] *= s;
            }
        } else {
            for (int i = offset; i < offset + size; i++) {
                d[i] *= factor;
            }
        }
        return this;
    }

    public Tensor fillInPlace(double value) {
        if (f != null) {
            java.util.Arrays.fill(f, offset, offset + size, (float) value);
        } else {
            java.util.Arrays.fill(d, offset, offset + size, value);
        }
        return this;
    }

    /** Copies {@code source} (same shape; dtype converted) into this tensor's storage. Returns this. */
    public Tensor assignInPlace(Tensor source) {
        if (!shape.equals(source.shape)) {
            throw new IllegalArgumentException("assignInPlace: shapes " + shape + " and " + source.shape
                    + " differ");
        }
        if (dtype == source.dtype) {
            System.arraycopy(source.storage(), source.offset, storage(), offset, size);
        } else {
            for (int i = 0; i < size; i++) {
                put(offset + i, source.at(source.offset + i));
            }
        }
        return this;
    }

    // ---- comparison and display ----------------------------------------------------------------------

    /** Whether any element is NaN or infinite. */
    public boolean hasNonFinite() {
        if (f != null) {
            for (int i = offset; i < offset + size; i++) {
                if (!Float.isFinite(f[i])) {
                    return true;
                }
            }
        } else {
            for (int i = offset; i < offset + size; i++) {
                if (!Double.isFinite(d[i])) {
                    return true;
                }
            }
        }
        return false;
    }

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

    /** This tensor as a rank-1 view. */
    private Tensor flat() {
        return reshape(Shape.of(size));
    }

    /** Product of the dimensions of axes [from, to). */
    private int product(int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= shape.dim(i);
        }
        return p;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private void requireSameDtype(String op, Tensor other) {
        if (dtype != other.dtype) {
            throw new IllegalArgumentException(op + ": dtypes " + dtype + " and " + other.dtype + " differ (shapes "
                    + shape + " and " + other.shape + "); convert one with astype");
        }
    }

    private static Shape broadcastShapes(String op, Shape a, Shape b) {
        try {
            return Shape.broadcast(a, b);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
    }

    // ---- element-wise kernels ------------------------------------------------------------------------

    private enum BinOp { ADD, SUB, MUL, DIV, ZIP }

    private static double apply(BinOp op, DoubleBinaryOperator fn, double x, double y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case ZIP -> fn.applyAsDouble(x, y);
        };
    }

    private Tensor binary(String name, BinOp op, DoubleBinaryOperator fn, Tensor other) {
        requireSameDtype(name, other);
        Tensor r = zeros(broadcastShapes(name, shape, other.shape), dtype);
        broadcastLoop(op, fn, this, other, r);
        return r;
    }

    /**
     * {@code r = a op b} with numpy broadcasting; r has the broadcast shape and may be a (then in place). The
     * trailing axes over which both a and b are either contiguous or constant form one inner run handled by a
     * plain loop (all of it for same-shaped operands or a scalar, one row for a row-vector bias); the leading
     * axes are walked with an odometer over broadcast strides.
     */
    private static void broadcastLoop(BinOp op, DoubleBinaryOperator fn, Tensor a, Tensor b, Tensor r) {
        if (r.size == 0) {
            return;
        }
        int rank = r.rank();
        int[] dims = r.shape.dims();
        int[] as = broadcastStrides(a.shape, dims);
        int[] bs = broadcastStrides(b.shape, dims);
        int k = rank;
        int run = 1;
        int aStep = -1;
        int bStep = -1;
        while (k > 0) {
            int ax = k - 1;
            if (dims[ax] != 1) {
                int sa = as[ax] == 0 ? 0 : 1;
                int sb = bs[ax] == 0 ? 0 : 1;
                if ((aStep >= 0 && sa != aStep) || (bStep >= 0 && sb != bStep)) {
                    break;
                }
                aStep = sa;
                bStep = sb;
            }
            run *= dims[ax];
            k--;
        }
        aStep = Math.max(aStep, 0);
        bStep = Math.max(bStep, 0);
        int[] idx = new int[k];
        int ai = a.offset;
        int bi = b.offset;
        int oi = r.offset;
        for (int blocks = r.size / run; blocks > 0; blocks--) {
            if (r.f != null) {
                kernel(op, fn, a.f, ai, aStep, b.f, bi, bStep, r.f, oi, run);
            } else {
                kernel(op, fn, a.d, ai, aStep, b.d, bi, bStep, r.d, oi, run);
            }
            oi += run;
            for (int ax = k - 1; ax >= 0; ax--) {
                ai += as[ax];
                bi += bs[ax];
                if (++idx[ax] < dims[ax]) {
                    break;
                }
                ai -= as[ax] * dims[ax];
                bi -= bs[ax] * dims[ax];
                idx[ax] = 0;
            }
        }
    }

    /** Strides of {@code s} aligned from the right to {@code dims}, 0 on axes that {@code s} broadcasts. */
    private static int[] broadcastStrides(Shape s, int[] dims) {
        int[] own = s.strides();
        int lead = dims.length - s.rank();
        int[] out = new int[dims.length];
        for (int i = lead; i < dims.length; i++) {
            out[i] = s.dim(i - lead) == 1 ? 0 : own[i - lead];
        }
        return out;
    }

    /** {@code o[oi+j] = a[ai+j*as] op b[bi+j*bs]} for j in [0, n); steps are 0 or 1. Computed in double. */
    private static void kernel(BinOp op, DoubleBinaryOperator fn, float[] a, int ai, int as, float[] b, int bi,
                               int bs, float[] o, int oi, int n) {
        if (as == 1 && bs == 1 && ai == bi && bi == oi && op != BinOp.ZIP) {
            // One index for all three arrays: only then does C2 vectorize (it cannot rule out overlap at shifted
            // indices), 4-5x faster on the weight-sized gradient sums. Float arithmetic gives the same results as
            // the double path below: rounding a double result to float is innocuous for + - * / because a double
            // has at least 2p + 2 bits for p-bit floats (53 >= 50).
            int end = oi + n;
            switch (op) {
                case ADD -> {
                    for (int j = oi; j < end; j++) {
                        o[j] = a[j] + b[j];
                    }
                }
                case SUB -> {
                    for (int j = oi; j < end; j++) {
                        o[j] = a[j] - b[j];
                    }
                }
                case MUL -> {
                    for (int j = oi; j < end; j++) {
                        o[j] = a[j] * b[j];
                    }
                }
                default -> {
                    for (int j = oi; j < end; j++) {
                        o[j] = a[j] / b[j];
                    }
                }
            }
            return;
        }
        if (as == 1 && bs == 1) {
            switch (op) {
                case ADD -> {
                    for (int j = 0; j < n; j++) {
                        o[oi + j] = (float) ((double) a[ai + j] + b[bi + j]);
                    }
                }
                case SUB -> {
                    for (int j = 0; j < n; j++) {
                        o[oi + j] = (float) ((double) a[ai + j] - b[bi + j]);
                    }
                }
                case MUL -> {
                    for (int j = 0; j < n; j++) {
                        o[oi + j] = (float) ((double) a[ai + j] * b[bi + j]);
                    }
                }
                default -> {
                    for (int j = 0; j < n; j++) {
                        o[oi + j] = (float) apply(op, fn, a[ai + j], b[bi + j]);
                    }
                }
            }
            return;
        }
        for (int j = 0, x = ai, y = bi; j < n; j++, x += as, y += bs) {
            o[oi + j] = (float) apply(op, fn, a[x], b[y]);
        }
    }

    /** The float64 twin of the float32 kernel. */
    private static void kernel(BinOp op, DoubleBinaryOperator fn, double[] a, int ai, int as, double[] b, int bi,
                               int bs, double[] o, int oi, int n) {
        if (as == 1 && bs == 1) {
            switch (op) {
                case ADD -> {
                    for (int j = 0; j < n; j++) {
                        o[oi + j] = a[ai + j] + b[bi + j];
                    }
                }
                case SUB -> {
                    for (int j = 0; j < n; j++) {
                        o[oi + j] = a[ai + j] - b[bi + j];
                    }
                }
                case MUL -> {
                    for (int j = 0; j < n; j++) {
                        o[oi + j] = a[ai + j] * b[bi + j];
                    }
                }
                default -> {
                    for (int j = 0; j < n; j++) {
                        o[oi + j] = apply(op, fn, a[ai + j], b[bi + j]);
                    }
                }
            }
            return;
        }
        for (int j = 0, x = ai, y = bi; j < n; j++, x += as, y += bs) {
            o[oi + j] = apply(op, fn, a[x], b[y]);
        }
    }

    private enum UnOp { NEG, EXP, LOG, SQUARE, RELU, SIGMOID, TANH, ADD, MUL, FN }

    /** {@code o[oi+j] = op(x[xi+j])} for j in [0, n); one plain loop per operation. x and o may be the same. */
    private static void map(UnOp op, DoubleUnaryOperator fn, double p, double[] x, int xi, double[] o, int oi,
                            int n) {
        switch (op) {
            case NEG -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = -x[xi + j];
                }
            }
            case EXP -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = Math.exp(x[xi + j]);
                }
            }
            case LOG -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = Math.log(x[xi + j]);
                }
            }
            case SQUARE -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = x[xi + j] * x[xi + j];
                }
            }
            case RELU -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = Math.max(x[xi + j], 0.0); // branch-free; NaN stays NaN, -0.0 becomes 0.0
                }
            }
            case SIGMOID -> {
                for (int j = 0; j < n; j++) {
                    double v = x[xi + j];
                    // stable for large |v|: exp of a non-positive number only
                    o[oi + j] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
                }
            }
            case TANH -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = Math.tanh(x[xi + j]);
                }
            }
            case ADD -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = x[xi + j] + p;
                }
            }
            case MUL -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = x[xi + j] * p;
                }
            }
            case FN -> {
                for (int j = 0; j < n; j++) {
                    o[oi + j] = fn.applyAsDouble(x[xi + j]);
                }
            }
        }
    }

    /**
     * {@code o[j] = max(x[xi + j], 0)} for j in [from, to). Branch-free; NaN stays NaN, -0.0 becomes 0.0.
     * Vectorized by C2 when the input starts at index 0.
     */
    private static void reluFloat(float[] x, int xi, float[] o, int from, int to) {
        if (xi == 0) { // one index for both arrays: C2 vectorizes only then (4x here)
            for (int j = from; j < to; j++) {
                o[j] = Math.max(x[j], 0f);
            }
        } else {
            for (int j = from; j < to; j++) {
                o[j] = Math.max(x[xi + j], 0f);
            }
        }
    }

    /** Elements per chunk when a float32 map is computed in double through a buffer. */
    private static final int MAP_CHUNK = 1024;

    private Tensor unary(UnOp op, DoubleUnaryOperator fn, double p) {
        Tensor r = zeros(shape, dtype);
        if (d != null) {
            map(op, fn, p, d, offset, r.d, 0, size);
            return r;
        }
        if (op == UnOp.RELU) { // exact in float: no need to widen
            Parallel.forRanges(size, 1, (from, to) -> reluFloat(f, offset, r.f, from, to));
            return r;
        }
        // float32: widen a chunk to double, map it, round back to float
        double[] buffer = new double[Math.min(size, MAP_CHUNK)];
        float[] o = r.f;
        for (int start = 0; start < size; start += MAP_CHUNK) {
            int n = Math.min(MAP_CHUNK, size - start);
            for (int j = 0; j < n; j++) {
                buffer[j] = f[offset + start + j];
            }
            map(op, fn, p, buffer, 0, buffer, 0, n);
            for (int j = 0; j < n; j++) {
                o[start + j] = (float) buffer[j];
            }
        }
        return r;
    }

    // ---- reductions ----------------------------------------------------------------------------------

    private enum Reduction { SUM, MAX, ARGMAX }

    /**
     * Reduces one axis, viewing the tensor as (outer, n, inner): for each outer block the n slabs of
     * {@code inner} contiguous elements are folded into an accumulator row, so memory is read in order.
     */
    private Tensor reduce(String name, Reduction kind, int axis, boolean keepDims) {
        int ax = shape.normalizeAxis(axis);
        int n = shape.dim(ax);
        boolean extremum = kind == Reduction.MAX || kind == Reduction.ARGMAX;
        if (extremum && n == 0) {
            throw new IllegalArgumentException(name + ": axis " + axis + " is empty in shape " + shape);
        }
        int outer = product(0, ax);
        int inner = product(ax + 1, shape.rank());
        double[] acc = new double[outer * inner];
        int[] arg = kind == Reduction.ARGMAX ? new int[acc.length] : null;
        for (int o = 0; o < outer; o++) {
            int base = o * inner;
            if (!extremum && inner == 1) { // sum along the last axis: one running double per row
                int src = offset + o * n;
                double s = 0;
                if (f != null) {
                    for (int j = 0; j < n; j++) {
                        s += f[src + j];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        s += d[src + j];
                    }
                }
                acc[o] = s;
                continue;
            }
            if (!extremum && f != null) {
                addSlabs(f, offset + o * n * inner, n, inner, acc, base);
                continue;
            }
            for (int j = 0; j < n; j++) {
                int src = offset + (o * n + j) * inner;
                if (!extremum) { // float64 (float32 took addSlabs above)
                    for (int i = 0; i < inner; i++) {
                        acc[base + i] += d[src + i];
                    }
                } else {
                    for (int i = 0; i < inner; i++) {
                        double v = at(src + i);
                        double best = acc[base + i];
                        // first maximum wins; a NaN wins over numbers and the first NaN sticks (numpy)
                        if (j == 0 || v > best || (Double.isNaN(v) && !Double.isNaN(best))) {
                            acc[base + i] = v;
                            if (arg != null) {
                                arg[base + i] = j;
                            }
                        }
                    }
                }
            }
        }
        Shape outShape = keepDims ? shape.withDim(ax, 1) : shape.withoutAxis(ax);
        Tensor r = zeros(outShape, kind == Reduction.ARGMAX ? DType.FLOAT64 : dtype);
        for (int i = 0; i < acc.length; i++) {
            double v = switch (kind) {
                case SUM, MAX -> acc[i];
                case ARGMAX -> arg[i];
            };
            r.put(i, v);
        }
        return r;
    }

    /**
     * Adds {@code n} consecutive slabs of {@code inner} floats, starting at {@code src}, into
     * {@code acc[base .. base + inner)} in double: a bias gradient's column sums. Its own small method so that C2
     * compiles this loop on its own (inside {@code reduce} it ran several times slower).
     */
    private static void addSlabs(float[] x, int src, int n, int inner, double[] acc, int base) {
        for (int j = 0; j < n; j++) {
            int row = src + j * inner;
            for (int i = 0; i < inner; i++) {
                acc[base + i] += x[row + i];
            }
        }
    }

    // ---- serialization -------------------------------------------------------------------------------

    /** Written as a {@link SerializedTensor}: just the elements (a view's, not its backing array), in bulk. */
    private Object writeReplace() {
        return new SerializedTensor(this);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a Tensor is read through its serialized form, SerializedTensor");
    }

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
     * most 4 decimals (0.011764 shows as 0.0118); non-integers below 1e-3 or from 1e4 up in
     * scientific notation as R prints it ({@code 1.235e-05}).
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
        if (a >= 1e-3 && a < 1e4) {
            if (bd.scale() > 4) {
                bd = bd.setScale(4, RoundingMode.HALF_EVEN);
            }
            return bd.stripTrailingZeros().toPlainString();
        }
        int exponent = bd.precision() - bd.scale() - 1;
        String mantissa = bd.movePointLeft(exponent).stripTrailingZeros().toPlainString();
        return String.format("%se%s%02d", mantissa, exponent < 0 ? "-" : "+", Math.abs(exponent));
    }
}
