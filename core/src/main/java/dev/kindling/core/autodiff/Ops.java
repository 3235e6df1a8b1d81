// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

import dev.kindling.core.blas.Products;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Parallel;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Window2D;

/**
 * The differentiable operations. Primitives carry their backward rule right beside their forward;
 * composites ({@link #logSoftmax}, {@link #softmax}, {@link #square}) are built from primitives and need none.
 * Broadcasting in the binary ops is undone in one place, {@link Tensor#sumToShape}. Image ops take batches
 * {@code (samples, height, width, channels)}; their kernels are {@link Window2D}'s.
 */
public final class Ops {
    private Ops() {
    }

    // ---- binary, broadcasting ----------------------------------------------------------------------------

    /** a + b. */
    public static Variable add(Variable a, Variable b) {
        return Variable.result(a.value().add(b.value()), g -> {
            a.accumulateGrad(g.sumToShape(a.value().shape()));
            b.accumulateGrad(g.sumToShape(b.value().shape()));
        }, a, b);
    }

    /** a - b. */
    public static Variable sub(Variable a, Variable b) {
        return Variable.result(a.value().sub(b.value()), g -> {
            a.accumulateGrad(g.sumToShape(a.value().shape()));
            b.accumulateGrad(g.neg().sumToShape(b.value().shape()));
        }, a, b);
    }

    /** a * b, element-wise. d/da = b, d/db = a. */
    public static Variable mul(Variable a, Variable b) {
        return Variable.result(a.value().mul(b.value()), g -> {
            if (a.requiresGrad()) {
                a.accumulateGrad(g.mul(b.value()).sumToShape(a.value().shape()));
            }
            if (b.requiresGrad()) {
                b.accumulateGrad(g.mul(a.value()).sumToShape(b.value().shape()));
            }
        }, a, b);
    }

    /** a / b, element-wise. d/da = 1/b, d/db = -a/b^2. */
    public static Variable div(Variable a, Variable b) {
        return Variable.result(a.value().div(b.value()), g -> {
            if (a.requiresGrad()) {
                a.accumulateGrad(g.div(b.value()).sumToShape(a.value().shape()));
            }
            if (b.requiresGrad()) {
                Tensor db = g.mul(a.value()).div(b.value().square()).neg();
                b.accumulateGrad(db.sumToShape(b.value().shape()));
            }
        }, a, b);
    }

    /**
     * Matrix product {@code (m,k)·(k,n)}. dA = dC·Bᵀ, dB = Aᵀ·dC; a parameter bound to a flat gradient vector
     * receives its share by a GEMM with beta = 1 straight into that vector.
     */
    public static Variable matmul(Variable a, Variable b) {
        return Variable.result(Products.matmul(a.value(), b.value()), g -> {
            accumulateProduct(a, g, false, b.value(), true);
            accumulateProduct(b, a.value(), true, g, false);
        }, a, b);
    }

    /**
     * {@code x·kernel + bias}, a dense layer's pre-activation, as one op: the forward writes its result once
     * ({@link Products#affine}); the backward adds dKernel = xᵀ·g by GEMM straight into a bound sink and
     * dBias = the column sums of g, and computes dx = g·kernelᵀ only if x needs a gradient.
     */
    public static Variable affine(Variable x, Variable kernel, Variable bias) {
        return Variable.result(Products.affine(x.value(), kernel.value(), bias.value()), g -> {
            accumulateProduct(x, g, false, kernel.value(), true);
            accumulateProduct(kernel, x.value(), true, g, false);
            if (bias.requiresGrad()) {
                bias.accumulateGrad(g.sum(0, false));
            }
        }, x, kernel, bias);
    }

    /**
     * {@code x·kernel + bias} for sparse rows {@code x} (a model's input: a constant, it needs no gradient), a dense
     * layer's pre-activation without a dense copy of the batch ({@link SparseRows#affine}). Backward: dKernel =
     * xᵀ·g, added row by row for the columns present in the batch straight into a bound sink
     * ({@link SparseRows#addTransposedProductInPlace}), and dBias = the column sums of g.
     */
    public static Variable sparseAffine(SparseRows x, Variable kernel, Variable bias) {
        return Variable.result(SparseRows.affine(x, kernel.value(), bias.value()), g -> {
            if (kernel.requiresGrad()) {
                Tensor sink = kernel.boundGradSink();
                if (sink != null) {
                    SparseRows.addTransposedProductInPlace(x, g, sink);
                } else {
                    Tensor product = Tensor.zeros(kernel.value().shape(), kernel.value().dtype());
                    SparseRows.addTransposedProductInPlace(x, g, product);
                    kernel.accumulateGrad(product);
                }
            }
            if (bias.requiresGrad()) {
                bias.accumulateGrad(g.sum(0, false));
            }
        }, kernel, bias);
    }

    private static void accumulateProduct(Variable target, Tensor x, boolean tx, Tensor y, boolean ty) {
        accumulateProduct(target, target.value().shape(), x, tx, y, ty);
    }

    /** Adds {@code op(x)·op(y)}, a matrix of shape {@code asMatrix}, onto the gradient of {@code target}. */
    private static void accumulateProduct(Variable target, Shape asMatrix, Tensor x, boolean tx, Tensor y,
                                          boolean ty) {
        if (!target.requiresGrad()) {
            return;
        }
        Tensor sink = target.boundGradSink();
        if (sink != null) {
            Products.gemmInPlace(1.0, x, tx, y, ty, 1.0, sink.reshape(asMatrix));
        } else {
            Tensor product = Tensor.zeros(asMatrix, target.value().dtype());
            Products.gemmInPlace(1.0, x, tx, y, ty, 0.0, product);
            target.accumulateGrad(product.reshape(target.value().shape()));
        }
    }

    // ---- images ----------------------------------------------------------------------------------------------

    /**
     * A 2-d convolution (a cross-correlation, as in Keras) of images {@code x (n, h, w, in)} with a kernel
     * {@code (kh, kw, in, out)} plus a bias {@code (out)}, giving {@code (n, oh, ow, out)}, computed as GEMM:
     * {@code patches · kernel + bias} with {@code patches = im2col(x)} of shape {@code (n*oh*ow, kh*kw*in)} (see
     * {@link Window2D}), one GEMM per range of samples run in parallel ({@link Parallel}). Backward, with G the
     * output gradient as a matrix {@code (n*oh*ow, out)}: dKernel = patchesᵀ·G and dBias = 1ᵀ·G (GEMMs straight
     * into bound sinks), while another thread computes dx = col2im(G·kernelᵀ), only if x needs a gradient (a
     * model's first layer does not).
     */
    public static Variable conv2d(Variable x, Variable kernel, Variable bias, Window2D window) {
        return conv2d(x, kernel, bias, window, false);
    }

    /**
     * {@code relu(conv2d(x, kernel, bias))} as one op, for a Conv2D layer with a relu activation: the relu is
     * applied to each range of rows right after its GEMM, and its backward masks the output gradient in place,
     * which saves two passes over a convnet's largest tensors (its first layer's output). The gradient may be
     * masked in place because a gradient handed to a backward rule belongs to that node alone (see
     * {@link Variable#accumulateGrad}).
     */
    public static Variable conv2dRelu(Variable x, Variable kernel, Variable bias, Window2D window) {
        return conv2d(x, kernel, bias, window, true);
    }

    private static Variable conv2d(Variable x, Variable kernel, Variable bias, Window2D window, boolean relu) {
        Tensor images = x.value();
        Tensor k = kernel.value();
        if (images.rank() != 4 || k.rank() != 4 || bias.value().rank() != 1 || k.dim(0) != window.height()
                || k.dim(1) != window.width() || k.dim(2) != images.dim(3) || bias.value().dim(0) != k.dim(3)) {
            throw new IllegalArgumentException("conv2d: expected images (n, h, w, in), a kernel (" + window.height()
                    + ", " + window.width() + ", in, out) and a bias (out), got images " + images.shape()
                    + ", kernel " + k.shape() + ", bias " + bias.value().shape());
        }
        Shape out = window.outputShape(images.shape().drop(1), k.dim(3)).prepend(images.dim(0));
        Shape matrix = Shape.of(k.dim(0) * k.dim(1) * k.dim(2), k.dim(3));
        Tensor kernelMatrix = k.reshape(matrix);
        Tensor patches = window.im2col(images);
        int pixels = out.dim(1) * out.dim(2);
        Tensor y = Tensor.zeros(Shape.of(patches.dim(0), matrix.dim(1)), images.dtype());
        Parallel.forRanges(images.dim(0), (long) pixels * matrix.size(), (from, to) -> {
            Tensor rows = rows(y, from * pixels, to * pixels);
            fillRows(rows, bias.value());
            Products.gemmInPlace(1.0, rows(patches, from * pixels, to * pixels), false, kernelMatrix, false, 1.0, rows);
            if (relu) {
                reluInPlace(rows);
            }
        });
        return Variable.result(y.reshape(out), g -> {
            Tensor gm = g.reshape(patches.dim(0), matrix.dim(1));
            if (relu) {
                Parallel.forRanges(gm.dim(0), gm.dim(1), (from, to) -> keepWherePositiveInPlace(
                        rows(gm, from, to), rows(y, from, to)));
            }
            Parallel.all(() -> {
                accumulateProduct(kernel, matrix, patches, true, gm, false);
                accumulateProduct(bias, Shape.of(1, matrix.dim(1)), Tensor.ones(gm.dtype(), 1, gm.dim(0)), false,
                        gm, false);
            }, () -> {
                if (x.requiresGrad()) {
                    Tensor dPatches = Tensor.zeros(patches.shape(), patches.dtype());
                    Products.gemmInPlace(1.0, gm, false, kernelMatrix, true, 0.0, dPatches);
                    x.accumulateGrad(window.col2im(dPatches, images.shape()));
                }
            });
        }, x, kernel, bias);
    }

    /** {@code m = max(m, 0)}; NaN stays NaN. */
    private static void reluInPlace(Tensor m) {
        int end = m.offset() + m.size();
        if (m.dtype() == DType.FLOAT32) {
            float[] v = m.floatStorage();
            for (int i = m.offset(); i < end; i++) {
                v[i] = Math.max(v[i], 0f);
            }
        } else {
            double[] v = m.doubleStorage();
            for (int i = m.offset(); i < end; i++) {
                v[i] = Math.max(v[i], 0.0);
            }
        }
    }

    /**
     * {@code g = reference > 0 ? g : 0} for same-shaped contiguous tensors, where the reference is a relu's output
     * (never negative), without a branch (the mask is a coin flip per element). Float32 multiplies by
     * {@code min(1, r * 1e38 * 1e38)}, exactly 0 for r = 0 and 1 for any r > 0 down to the smallest subnormal: C2
     * vectorizes that, and it took 1.6 ms less per convnet step than the bit mask of {@link
     * #keepWherePositive} (exact for finite gradients; an infinite one times 0 is NaN).
     */
    private static void keepWherePositiveInPlace(Tensor g, Tensor reference) {
        int n = g.size();
        if (g.dtype() == DType.FLOAT32) {
            float[] v = g.floatStorage();
            float[] r = reference.floatStorage();
            if (g.offset() == reference.offset()) {
                // one index for both arrays (rows of two fresh tensors, the case here): C2 vectorizes only then
                for (int i = g.offset(); i < g.offset() + n; i++) {
                    v[i] *= Math.min(1f, r[i] * 1e38f * 1e38f);
                }
            } else {
                for (int j = 0; j < n; j++) {
                    v[g.offset() + j] *= Math.min(1f, r[reference.offset() + j] * 1e38f * 1e38f);
                }
            }
        } else {
            double[] v = g.doubleStorage();
            double[] r = reference.doubleStorage();
            for (int i = 0; i < n; i++) {
                v[g.offset() + i] = r[reference.offset() + i] > 0 ? v[g.offset() + i] : 0.0;
            }
        }
    }

    /** Copies {@code row} into every row of {@code m}: the bias a GEMM with beta = 1 then adds onto. */
    private static void fillRows(Tensor m, Tensor row) {
        int n = m.dim(1);
        Object src = m.dtype() == DType.FLOAT32 ? row.floatStorage() : row.doubleStorage();
        Object dst = m.dtype() == DType.FLOAT32 ? m.floatStorage() : m.doubleStorage();
        for (int r = 0, at = m.offset(); r < m.dim(0); r++, at += n) {
            System.arraycopy(src, row.offset(), dst, at, n);
        }
    }

    /** Rows {@code [from, to)} of a matrix, as a view. */
    private static Tensor rows(Tensor m, int from, int to) {
        Shape shape = Shape.of(to - from, m.dim(1));
        int offset = m.offset() + from * m.dim(1);
        return m.dtype() == DType.FLOAT32 ? Tensor.wrap(m.floatStorage(), offset, shape)
                : Tensor.wrap(m.doubleStorage(), offset, shape);
    }

    /** The maximum under each window, per channel; the gradient goes to the cell that held it. */
    public static Variable maxPool2d(Variable x, Window2D window) {
        Tensor images = x.value();
        int[] argmax = new int[window.outputShape(images.shape().drop(1), images.dim(3)).size() * images.dim(0)];
        Tensor y = window.maxPool(images, argmax);
        return Variable.result(y, g -> x.accumulateGrad(Window2D.maxPoolBackward(g, argmax, images.shape())), x);
    }

    /** The mean under each window, per channel; the gradient is shared equally by the cells averaged. */
    public static Variable averagePool2d(Variable x, Window2D window) {
        Tensor images = x.value();
        return Variable.result(window.averagePool(images),
                g -> x.accumulateGrad(window.averagePoolBackward(g, images.shape())), x);
    }

    // ---- shape ---------------------------------------------------------------------------------------------

    /**
     * The same elements in another shape of the same size (a view, no copy); the gradient is reshaped back.
     * What {@code Flatten} does, and how a model turns flat feature rows into images.
     */
    public static Variable reshape(Variable a, Shape shape) {
        Shape original = a.value().shape();
        if (shape.equals(original)) {
            return a;
        }
        return Variable.result(a.value().reshape(shape), g -> a.accumulateGrad(g.reshape(original)), a);
    }

    // ---- unary ---------------------------------------------------------------------------------------------

    public static Variable neg(Variable a) {
        return Variable.result(a.value().neg(), g -> a.accumulateGrad(g.neg()), a);
    }

    /** e^a; the derivative is the output itself. */
    public static Variable exp(Variable a) {
        Tensor out = a.value().exp();
        return Variable.result(out, g -> a.accumulateGrad(g.mul(out)), a);
    }

    /** Natural log; d/da = 1/a. */
    public static Variable log(Variable a) {
        return Variable.result(a.value().log(), g -> a.accumulateGrad(g.div(a.value())), a);
    }

    /** max(a, 0); the derivative is 1 where a > 0, else 0. */
    public static Variable relu(Variable a) {
        return Variable.result(a.value().relu(), g -> a.accumulateGrad(keepWherePositive(g, a.value())), a);
    }

    /**
     * {@code g} where {@code reference > 0}, else 0 (a NaN in the reference gives 0): relu's backward pass, one plain
     * loop with no per-element function call. Shapes and dtypes must be equal.
     */
    static Tensor keepWherePositive(Tensor g, Tensor reference) {
        if (g.dtype() != reference.dtype()) {
            throw new IllegalArgumentException("keepWherePositive: dtypes " + g.dtype() + " and " + reference.dtype()
                    + " differ (shapes " + g.shape() + " and " + reference.shape() + "); convert one with astype");
        }
        if (!g.shape().equals(reference.shape())) {
            throw new IllegalArgumentException("keepWherePositive: shapes differ: " + g.shape() + " and "
                    + reference.shape());
        }
        Tensor r = Tensor.zeros(g.shape(), g.dtype());
        int size = g.size();
        if (g.dtype() == DType.FLOAT32) {
            // a convnet's activations are millions of floats: both cores (elements are independent)
            float[] gf = g.floatStorage();
            float[] xf = reference.floatStorage();
            float[] of = r.floatStorage();
            Parallel.forRanges(size, 1, (from, to) -> keepWherePositive(gf, g.offset(), xf, reference.offset(), of,
                    from, to));
        } else {
            double[] gd = g.doubleStorage();
            double[] xd = reference.doubleStorage();
            double[] od = r.doubleStorage();
            for (int j = 0; j < size; j++) {
                od[j] = xd[reference.offset() + j] > 0 ? gd[g.offset() + j] : 0.0;
            }
        }
        return r;
    }

    /**
     * {@code o[j] = x[xi + j] > 0 ? g[gi + j] : 0} without a branch: the relu mask of a layer's inputs is a coin
     * flip per element, and the branchy loop measured 1.35 ms on 512 x 512 floats against 0.24 ms for this one.
     * The mask is all ones exactly when x's bits, read as an int, are in (0, +infinity]: positive, not +0.0, not NaN.
     */
    private static void keepWherePositive(float[] g, int gi, float[] x, int xi, float[] o, int from, int to) {
        for (int j = from; j < to; j++) {
            int bits = Float.floatToRawIntBits(x[xi + j]);
            int mask = (-bits & ~bits & (bits - POSITIVE_INFINITY_BITS - 1)) >> 31;
            o[j] = Float.intBitsToFloat(Float.floatToRawIntBits(g[gi + j]) & mask);
        }
    }

    private static final int POSITIVE_INFINITY_BITS = Float.floatToRawIntBits(Float.POSITIVE_INFINITY);

    /** 1 / (1 + e^-a); d/da = s (1 - s), from the output. */
    public static Variable sigmoid(Variable a) {
        Tensor s = a.value().sigmoid();
        return Variable.result(s, g -> a.accumulateGrad(g.zip(s, (gi, si) -> gi * si * (1.0 - si))), a);
    }

    /** tanh(a); d/da = 1 - t^2, from the output. */
    public static Variable tanh(Variable a) {
        Tensor t = a.value().tanh();
        return Variable.result(t, g -> a.accumulateGrad(g.zip(t, (gi, ti) -> gi * (1.0 - ti * ti))), a);
    }

    /** a clipped to [low, high]; the gradient passes only where a was inside the range. */
    public static Variable clip(Variable a, double low, double high) {
        Tensor out = a.value().map(v -> Math.min(high, Math.max(low, v)));
        return Variable.result(out, g -> a.accumulateGrad(g.zip(a.value(), (gi, ai) -> ai >= low && ai <= high ? gi : 0.0)), a);
    }

    // ---- reductions ----------------------------------------------------------------------------------------

    /** Sum of all elements (a scalar); the gradient broadcasts back to every element. */
    public static Variable sum(Variable a) {
        return Variable.result(a.value().sum(), g -> a.accumulateGrad(Tensor.full(a.value().shape(), a.value().dtype(), g.item())), a);
    }

    /** Sum along one axis; the gradient broadcasts back along it. */
    public static Variable sum(Variable a, int axis, boolean keepDims) {
        int ax = a.value().shape().normalizeAxis(axis);
        return Variable.result(a.value().sum(ax, keepDims), g -> {
            Tensor kept = keepDims ? g : g.reshape(a.value().shape().withDim(ax, 1));
            a.accumulateGrad(Tensor.zeros(a.value().shape(), a.value().dtype()).addInPlace(kept));
        }, a);
    }

    /** Mean of all elements. */
    public static Variable mean(Variable a) {
        return scale(sum(a), 1.0 / a.value().size());
    }

    /** a * c for a constant c. */
    public static Variable scale(Variable a, double c) {
        return Variable.result(a.value().mul(c), g -> a.accumulateGrad(g.mul(c)), a);
    }

    // ---- composites ----------------------------------------------------------------------------------------

    /** a * a, as a product of a with itself: the two gradient contributions accumulate. */
    public static Variable square(Variable a) {
        return mul(a, a);
    }

    /**
     * log(softmax(a)) along an axis, computed as {@code (a - m) - log(sum(exp(a - m)))} with m the maximum:
     * the subtraction keeps exp from overflowing, and m is a constant because log-softmax does not depend on it.
     */
    public static Variable logSoftmax(Variable a, int axis) {
        Variable shifted = sub(a, Variable.constant(a.value().max(axis, true)));
        Variable logSumExp = log(sum(exp(shifted), axis, true));
        return sub(shifted, logSumExp);
    }

    /** softmax along an axis, as exp(logSoftmax). */
    public static Variable softmax(Variable a, int axis) {
        return exp(logSoftmax(a, axis));
    }
}
