package dev.kindling.core.tensor;

import java.io.Serializable;
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

    // ---- creation ------------------------------------------------------------------------------------

    /** A tensor of zeros. */
    public static Tensor zeros(DType dtype, int... shape) { throw todo(); }

    public static Tensor zeros(Shape shape, DType dtype) { throw todo(); }

    public static Tensor ones(DType dtype, int... shape) { throw todo(); }

    /** A tensor with every element set to {@code value}. */
    public static Tensor full(Shape shape, DType dtype, double value) { throw todo(); }

    /** A rank-0 tensor. */
    public static Tensor scalar(double value, DType dtype) { throw todo(); }

    /** A float32 tensor holding a copy of {@code values}; {@code values.length} must equal the shape's size. */
    public static Tensor of(float[] values, int... shape) { throw todo(); }

    /** A float64 tensor holding a copy of {@code values}; {@code values.length} must equal the shape's size. */
    public static Tensor of(double[] values, int... shape) { throw todo(); }

    /** A view (no copy) of {@code shape.size()} elements of {@code data} starting at {@code offset}. */
    public static Tensor wrap(float[] data, int offset, Shape shape) { throw todo(); }

    /** A view (no copy) of {@code shape.size()} elements of {@code data} starting at {@code offset}. */
    public static Tensor wrap(double[] data, int offset, Shape shape) { throw todo(); }

    /** {@code 0, 1, ..., n-1} as a rank-1 tensor. */
    public static Tensor arange(DType dtype, int n) { throw todo(); }

    /** Independent uniform samples from {@code [low, high)}. */
    public static Tensor uniform(Shape shape, DType dtype, double low, double high, Random rng) { throw todo(); }

    // ---- metadata and element access -----------------------------------------------------------------

    public Shape shape() { throw todo(); }

    public int rank() { throw todo(); }

    /** Size of one axis; negative axes count from the end. */
    public int dim(int axis) { throw todo(); }

    /** Number of elements. */
    public int size() { throw todo(); }

    public DType dtype() { throw todo(); }

    /** The element at a full index (one coordinate per axis, 0-based). */
    public double get(int... index) { throw todo(); }

    public void set(double value, int... index) { throw todo(); }

    /** The i-th element in row-major order. */
    public double getFlat(int i) { throw todo(); }

    public void setFlat(int i, double value) { throw todo(); }

    /** The value of a tensor with exactly one element. */
    public double item() { throw todo(); }

    /**
     * The backing array of a float32 tensor, for hot loops; elements are {@code [offset(), offset() + size())}.
     * Writes are visible through every view of the same storage.
     */
    public float[] floatStorage() { throw todo(); }

    /** The backing array of a float64 tensor; see {@link #floatStorage()}. */
    public double[] doubleStorage() { throw todo(); }

    /** Index of element 0 in the backing array. */
    public int offset() { throw todo(); }

    /** A fresh copy of the elements as doubles, row-major. */
    public double[] toDoubleArray() { throw todo(); }

    /** A fresh copy of the elements as floats, row-major. */
    public float[] toFloatArray() { throw todo(); }

    /** The elements as ints (they must be integral, such as class indices); throws naming the first that is not. */
    public int[] toIntArray() { throw todo(); }

    // ---- shape manipulation --------------------------------------------------------------------------

    /**
     * Row-major reshape (R's {@code array_reshape}, numpy's {@code reshape}); at most one dimension may be -1
     * and is inferred. Returns a view sharing storage.
     */
    public Tensor reshape(int... dims) { throw todo(); }

    public Tensor reshape(Shape shape) { throw todo(); }

    /** Elements {@code from} (inclusive) to {@code to} (exclusive), 0-based, along one axis. Copies. */
    public Tensor slice(int axis, int from, int to) { throw todo(); }

    /** The entries at the given indices along one axis, in that order (a gather; used to build shuffled batches). */
    public Tensor take(int axis, int[] indices) { throw todo(); }

    /** Reverses the axes (for a matrix, the usual transpose). Copies. */
    public Tensor transpose() { throw todo(); }

    /** Reorders the axes: output axis i is input axis {@code axes[i]}. Copies. */
    public Tensor permute(int... axes) { throw todo(); }

    /** A copy converted to another dtype (a copy even when the dtype is the same). */
    public Tensor astype(DType dtype) { throw todo(); }

    /** A contiguous copy with its own storage. */
    public Tensor copy() { throw todo(); }

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

    public Tensor fillInPlace(double value) { throw todo(); }

    /** Copies {@code source} (same shape; dtype converted) into this tensor's storage. Returns this. */
    public Tensor assignInPlace(Tensor source) { throw todo(); }

    // ---- comparison and display ----------------------------------------------------------------------

    /** Same shape and {@code |a-b| <= atol + rtol*|b|} element-wise. */
    public boolean allClose(Tensor other, double rtol, double atol) { throw todo(); }

    /** Whether any element is NaN or infinite. */
    public boolean hasNonFinite() { throw todo(); }

    /** Value equality: same dtype, same shape, same elements. */
    @Override
    public boolean equals(Object o) { throw todo(); }

    @Override
    public int hashCode() { throw todo(); }

    /**
     * Like R's {@code str()}: dtype, shape and the first values, e.g.
     * {@code float32 (60000, 28, 28) [0, 0, 0.0118, 0.0706, ...]}.
     */
    @Override
    public String toString() { throw todo(); }

    private static UnsupportedOperationException todo() {
        return new UnsupportedOperationException("not implemented yet");
    }
}
