// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;

/**
 * The differentiable operations on sequences {@code (samples, timesteps, features)}: an embedding lookup, the
 * three recurrences of Keras (SimpleRNN, LSTM, GRU with {@code reset_after}), and the reversal and concatenation
 * that {@code Bidirectional} is built from. Each carries its backward beside its forward, as {@link Ops} does.
 *
 * <p>A recurrence is one op, not a graph of gate ops: the input projections of all timesteps are one GEMM
 * {@code (samples*timesteps, in)·(in, gates*units)}, each step is one GEMM {@code (samples, units)·(units,
 * gates*units)} plus the gate arithmetic fused in one loop, and the backward (through time) mirrors it: one GEMM
 * per step for the recurrent kernel's gradient and the hidden state's, then one GEMM each for the kernel's and the
 * input's gradients over all timesteps. Nothing is done per sample in Java beyond the element-wise gate loop. The
 * recurrence computes in float64 whatever the model's dtype (its inputs and weights are converted once per call,
 * its outputs and gradients converted back), which keeps a float32 model's long sequences from drifting and lets
 * one code path serve both dtypes.
 */
public final class SequenceOps {
    private SequenceOps() {
    }

    /**
     * Rows of {@code table (vocabulary, width)} picked by the token ids {@code ids (samples, timesteps)}:
     * {@code (samples, timesteps, width)}. The ids are data (no gradient); the table's gradient adds each output
     * row's gradient onto the row it was read from (straight into a bound gradient sink).
     *
     * @throws IllegalArgumentException naming the sample (row of this batch), the timestep and the value of an id
     *                                  that is not a whole number in {@code [0, vocabulary)}
     */
    public static Variable embedding(Variable ids, Variable table) {
        Tensor x = ids.value();
        Tensor t = table.value();
        if (x.rank() != 2 || t.rank() != 2) {
            throw new IllegalArgumentException("embedding: expected ids (samples, timesteps) and a table (vocabulary,"
                    + " width), got ids " + x.shape() + ", table " + t.shape());
        }
        int n = x.dim(0);
        int steps = x.dim(1);
        int vocabulary = t.dim(0);
        int width = t.dim(1);
        int[] rows = new int[n * steps];
        for (int i = 0; i < rows.length; i++) {
            double v = x.getFlat(i);
            if (!(v >= 0 && v < vocabulary && v == Math.rint(v))) {
                throw new IllegalArgumentException("embedding: sample " + i / steps + ", timestep " + i % steps
                        + " has token id " + v + ", expected a whole number in [0, " + vocabulary + ")");
            }
            rows[i] = (int) v;
        }
        Tensor out = Tensor.zeros(Shape.of(n, steps, width), t.dtype());
        Object src = storage(t);
        Object dst = storage(out);
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(src, t.offset() + rows[i] * width, dst, i * width, width);
        }
        return Variable.result(out, g -> {
            if (!table.requiresGrad()) {
                return;
            }
            Tensor sink = table.boundGradSink();
            Tensor target = sink != null ? sink : Tensor.zeros(t.shape(), t.dtype());
            Tensor gc = g.dtype() == t.dtype() ? g : g.astype(t.dtype());
            if (t.dtype() == DType.FLOAT32) {
                float[] gv = gc.floatStorage();
                float[] tv = target.floatStorage();
                for (int i = 0; i < rows.length; i++) {
                    int at = target.offset() + rows[i] * width;
                    int from = gc.offset() + i * width;
                    for (int j = 0; j < width; j++) {
                        tv[at + j] += gv[from + j];
                    }
                }
            } else {
                double[] gv = gc.doubleStorage();
                double[] tv = target.doubleStorage();
                for (int i = 0; i < rows.length; i++) {
                    int at = target.offset() + rows[i] * width;
                    int from = gc.offset() + i * width;
                    for (int j = 0; j < width; j++) {
                        tv[at + j] += gv[from + j];
                    }
                }
            }
            if (sink == null) {
                table.accumulateGrad(target);
            }
        }, ids, table);
    }

    /** The three recurrences, with their number of gates (blocks of {@code units} columns in the kernels). */
    public enum Cell {
        /** {@code h = tanh(x·W + h·U + b)}. */
        SIMPLE_RNN(1),
        /**
         * Keras's gate order i, f, c, o: {@code i = σ(x·Wi + h·Ui + bi)}, f and o alike, {@code c = f*c + i*tanh(
         * x·Wc + h·Uc + bc)}, {@code h = o*tanh(c)}.
         */
        LSTM(4),
        /**
         * Keras's GRU with {@code reset_after = TRUE} (its default since Keras 2.3), gate order z, r, h, bias
         * {@code (2, 3*units)} (input bias, recurrent bias): {@code z = σ(x·Wz + bz + h·Uz + b'z)}, r alike,
         * {@code ĥ = tanh(x·Wh + bh + r*(h·Uh + b'h))}, {@code h = z*h + (1 - z)*ĥ}.
         */
        GRU(3);

        private final int gates;

        Cell(int gates) {
            this.gates = gates;
        }

        /** Blocks of {@code units} columns in the kernel, recurrent kernel and bias. */
        public int gates() {
            return gates;
        }
    }

    /**
     * A recurrence over {@code x (samples, timesteps, in)} with {@code kernel (in, gates*units)},
     * {@code recurrentKernel (units, gates*units)} and {@code bias (gates*units)} ({@code (2, 3*units)} for the
     * GRU), from a zero state. Returns every step's output {@code (samples, timesteps, units)} in the order the
     * steps ran, or the last one {@code (samples, units)}.
     *
     * @param goBackwards   run from the last timestep to the first (the outputs stay in the order of the steps, as
     *                      Keras's {@code go_backwards})
     * @param inputMask     {@code (samples, in)} multiplied onto every timestep's input (dropout), or null
     * @param recurrentMask {@code (samples, units)} multiplied onto the state entering every step's recurrent
     *                      product (recurrent dropout), or null
     */
    public static Variable recurrence(Cell cell, Variable x, Variable kernel, Variable recurrentKernel, Variable bias,
                                      boolean returnSequences, boolean goBackwards, Tensor inputMask,
                                      Tensor recurrentMask) {
        Tensor xv = x.value();
        DType dtype = xv.dtype();
        int units = recurrentKernel.value().dim(0);
        int gu = cell.gates * units;
        Shape biasShape = cell == Cell.GRU ? Shape.of(2, gu) : Shape.of(gu);
        if (xv.rank() != 3 || !kernel.value().shape().equals(Shape.of(xv.dim(2), gu))
                || !recurrentKernel.value().shape().equals(Shape.of(units, gu))
                || !bias.value().shape().equals(biasShape)) {
            throw new IllegalArgumentException("recurrence (" + cell + "): expected x (samples, timesteps, in), a kernel"
                    + " (in, " + cell.gates + "*units), a recurrent kernel (units, " + cell.gates + "*units) and a bias "
                    + biasShape + ", got x " + xv.shape() + ", kernel " + kernel.value().shape() + ", recurrent kernel "
                    + recurrentKernel.value().shape() + ", bias " + bias.value().shape());
        }
        int n = xv.dim(0);
        int steps = xv.dim(1);
        int in = xv.dim(2);
        int nu = n * units;
        double[] im = inputMask == null ? null : inputMask.toDoubleArray();
        double[] rm = recurrentMask == null ? null : recurrentMask.toDoubleArray();
        double[] xs = xv.toDoubleArray();
        if (im != null) {
            for (int i = 0; i < xs.length; i++) {
                xs[i] *= im[(i / (steps * in)) * in + i % in];
            }
        }
        double[] w = kernel.value().toDoubleArray();
        double[] u = recurrentKernel.value().toDoubleArray();
        double[] b = bias.value().toDoubleArray();

        // Input projections of every timestep, bias included: one GEMM.
        double[] xp = new double[n * steps * gu];
        for (int r = 0; r < n * steps; r++) {
            System.arraycopy(b, 0, xp, r * gu, gu);
        }
        if (in > 0) {
            Blas.dgemm(false, false, n * steps, gu, in, 1.0, xs, 0, in, w, 0, gu, 1.0, xp, 0, gu);
        }
        double[] h = new double[(steps + 1) * nu];        // state after s steps, at s * nu
        double[] hm = rm == null ? h : new double[steps * nu]; // the state entering step s, masked, at s * nu
        double[] a = new double[steps * n * gu];          // activated gates of step s
        double[] c = cell == Cell.LSTM ? new double[(steps + 1) * nu] : null;
        double[] tc = cell == Cell.LSTM ? new double[steps * nu] : null;
        double[] rh = cell == Cell.GRU ? new double[steps * nu] : null; // h·Uh + b'h of step s
        double[] r = new double[n * gu];
        for (int s = 0; s < steps; s++) {
            int t = goBackwards ? steps - 1 - s : s;
            if (rm != null) {
                for (int i = 0; i < nu; i++) {
                    hm[s * nu + i] = h[s * nu + i] * rm[i];
                }
            }
            double beta = 0.0;
            if (cell == Cell.GRU) {
                for (int row = 0; row < n; row++) {
                    System.arraycopy(b, gu, r, row * gu, gu);
                }
                beta = 1.0;
            }
            Blas.dgemm(false, false, n, gu, units, 1.0, hm, s * nu, units, u, 0, gu, beta, r, 0, gu);
            for (int row = 0; row < n; row++) {
                int xo = (row * steps + t) * gu;
                int ro = row * gu;
                int ao = s * n * gu + ro;
                int hp = s * nu + row * units;
                int ho = hp + nu;
                for (int j = 0; j < units; j++) {
                    switch (cell) {
                        case SIMPLE_RNN -> {
                            double v = tanh(xp[xo + j] + r[ro + j]);
                            a[ao + j] = v;
                            h[ho + j] = v;
                        }
                        case LSTM -> {
                            double i = sigmoid(xp[xo + j] + r[ro + j]);
                            double f = sigmoid(xp[xo + units + j] + r[ro + units + j]);
                            double g = tanh(xp[xo + 2 * units + j] + r[ro + 2 * units + j]);
                            double o = sigmoid(xp[xo + 3 * units + j] + r[ro + 3 * units + j]);
                            double cell2 = f * c[hp + j] + i * g;
                            double tanhC = tanh(cell2);
                            a[ao + j] = i;
                            a[ao + units + j] = f;
                            a[ao + 2 * units + j] = g;
                            a[ao + 3 * units + j] = o;
                            c[ho + j] = cell2;
                            tc[hp + j] = tanhC;
                            h[ho + j] = o * tanhC;
                        }
                        case GRU -> {
                            double z = sigmoid(xp[xo + j] + r[ro + j]);
                            double reset = sigmoid(xp[xo + units + j] + r[ro + units + j]);
                            double inner = r[ro + 2 * units + j];
                            double candidate = tanh(xp[xo + 2 * units + j] + reset * inner);
                            a[ao + j] = z;
                            a[ao + units + j] = reset;
                            a[ao + 2 * units + j] = candidate;
                            rh[hp + j] = inner;
                            h[ho + j] = z * h[hp + j] + (1 - z) * candidate;
                        }
                    }
                }
            }
        }
        double[] out;
        Shape outShape;
        if (returnSequences) {
            out = new double[n * steps * units];
            for (int s = 0; s < steps; s++) {
                for (int row = 0; row < n; row++) {
                    System.arraycopy(h, (s + 1) * nu + row * units, out, (row * steps + s) * units, units);
                }
            }
            outShape = Shape.of(n, steps, units);
        } else {
            out = java.util.Arrays.copyOfRange(h, steps * nu, (steps + 1) * nu);
            outShape = Shape.of(n, units);
        }
        return Variable.result(tensor(out, outShape, dtype), grad -> {
            double[] go = grad.toDoubleArray();
            double[] dh = returnSequences ? new double[nu] : go.clone();
            double[] dc = cell == Cell.LSTM ? new double[nu] : null;
            double[] dxp = new double[n * steps * gu];
            double[] dr = new double[n * gu];
            double[] du = new double[units * gu];
            double[] dRecurrentBias = cell == Cell.GRU ? new double[gu] : null;
            double[] dhm = new double[nu];
            for (int s = steps - 1; s >= 0; s--) {
                int t = goBackwards ? steps - 1 - s : s;
                if (returnSequences) {
                    for (int row = 0; row < n; row++) {
                        for (int j = 0; j < units; j++) {
                            dh[row * units + j] += go[(row * steps + s) * units + j];
                        }
                    }
                }
                for (int row = 0; row < n; row++) {
                    int xo = (row * steps + t) * gu;
                    int ro = row * gu;
                    int ao = s * n * gu + ro;
                    int hp = s * nu + row * units;
                    for (int j = 0; j < units; j++) {
                        int k = row * units + j;
                        double dout = dh[k];
                        switch (cell) {
                            case SIMPLE_RNN -> {
                                double v = a[ao + j];
                                double pre = dout * (1 - v * v);
                                dxp[xo + j] = pre;
                                dr[ro + j] = pre;
                            }
                            case LSTM -> {
                                double i = a[ao + j];
                                double f = a[ao + units + j];
                                double g = a[ao + 2 * units + j];
                                double o = a[ao + 3 * units + j];
                                double tanhC = tc[hp + j];
                                double dcell = dc[k] + dout * o * (1 - tanhC * tanhC);
                                double di = dcell * g * i * (1 - i);
                                double df = dcell * c[hp + j] * f * (1 - f);
                                double dg = dcell * i * (1 - g * g);
                                double dO = dout * tanhC * o * (1 - o);
                                dxp[xo + j] = di;
                                dxp[xo + units + j] = df;
                                dxp[xo + 2 * units + j] = dg;
                                dxp[xo + 3 * units + j] = dO;
                                dr[ro + j] = di;
                                dr[ro + units + j] = df;
                                dr[ro + 2 * units + j] = dg;
                                dr[ro + 3 * units + j] = dO;
                                dc[k] = dcell * f;
                            }
                            case GRU -> {
                                double z = a[ao + j];
                                double reset = a[ao + units + j];
                                double candidate = a[ao + 2 * units + j];
                                double dz = dout * (h[hp + j] - candidate) * z * (1 - z);
                                double dCandidate = dout * (1 - z) * (1 - candidate * candidate);
                                double dReset = dCandidate * rh[hp + j] * reset * (1 - reset);
                                dxp[xo + j] = dz;
                                dxp[xo + units + j] = dReset;
                                dxp[xo + 2 * units + j] = dCandidate;
                                dr[ro + j] = dz;
                                dr[ro + units + j] = dReset;
                                dr[ro + 2 * units + j] = dCandidate * reset;
                                dh[k] = dout * z; // the direct path h -> z*h; the recurrent product's is added below
                            }
                        }
                    }
                }
                Blas.dgemm(true, false, units, gu, n, 1.0, hm, s * nu, units, dr, 0, gu, 1.0, du, 0, gu);
                if (dRecurrentBias != null) {
                    addColumnSums(dr, n, gu, dRecurrentBias);
                }
                Blas.dgemm(false, true, n, units, gu, 1.0, dr, 0, gu, u, 0, gu, 0.0, dhm, 0, units);
                for (int k = 0; k < nu; k++) {
                    double v = rm == null ? dhm[k] : dhm[k] * rm[k];
                    dh[k] = cell == Cell.GRU ? dh[k] + v : v;
                }
            }
            if (recurrentKernel.requiresGrad()) {
                recurrentKernel.accumulateGrad(tensor(du, recurrentKernel.value().shape(), dtype));
            }
            if (kernel.requiresGrad()) {
                double[] dw = new double[in * gu];
                if (in > 0) {
                    Blas.dgemm(true, false, in, gu, n * steps, 1.0, xs, 0, in, dxp, 0, gu, 0.0, dw, 0, gu);
                }
                kernel.accumulateGrad(tensor(dw, kernel.value().shape(), dtype));
            }
            if (bias.requiresGrad()) {
                double[] db = new double[biasShape.size()];
                addColumnSums(dxp, n * steps, gu, db);
                if (dRecurrentBias != null) {
                    System.arraycopy(dRecurrentBias, 0, db, gu, gu);
                }
                bias.accumulateGrad(tensor(db, biasShape, dtype));
            }
            if (x.requiresGrad()) {
                double[] dx = new double[n * steps * in];
                if (in > 0) {
                    Blas.dgemm(false, true, n * steps, in, gu, 1.0, dxp, 0, gu, w, 0, gu, 0.0, dx, 0, in);
                }
                if (im != null) {
                    for (int i = 0; i < dx.length; i++) {
                        dx[i] *= im[(i / (steps * in)) * in + i % in];
                    }
                }
                x.accumulateGrad(tensor(dx, xv.shape(), dtype));
            }
        }, x, kernel, recurrentKernel, bias);
    }

    /** {@code x (samples, timesteps, features...)} with its timesteps in reverse order; so is the gradient. */
    public static Variable reverseTime(Variable x) {
        return Variable.result(reversed(x.value()), g -> x.accumulateGrad(reversed(g)), x);
    }

    /** {@code a} and {@code b} side by side along their last axis; the gradient is split back. */
    public static Variable concatLast(Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        if (av.rank() != bv.rank() || !av.shape().withDim(-1, 1).equals(bv.shape().withDim(-1, 1))) {
            throw new IllegalArgumentException("concatLast: shapes " + av.shape() + " and " + bv.shape()
                    + " differ in more than their last axis");
        }
        bv = bv.dtype() == av.dtype() ? bv : bv.astype(av.dtype());
        int wa = av.dim(-1);
        int wb = bv.dim(-1);
        int rows = av.size() / Math.max(1, wa);
        Tensor out = Tensor.zeros(av.shape().withDim(-1, wa + wb), av.dtype());
        Object o = storage(out);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(storage(av), av.offset() + r * wa, o, r * (wa + wb), wa);
            System.arraycopy(storage(bv), bv.offset() + r * wb, o, r * (wa + wb) + wa, wb);
        }
        Shape sa = av.shape();
        Shape sb = bv.shape();
        return Variable.result(out, g -> {
            Tensor gc = g.copy();
            Tensor ga = Tensor.zeros(sa, g.dtype());
            Tensor gb = Tensor.zeros(sb, g.dtype());
            for (int r = 0; r < rows; r++) {
                System.arraycopy(storage(gc), r * (wa + wb), storage(ga), r * wa, wa);
                System.arraycopy(storage(gc), r * (wa + wb) + wa, storage(gb), r * wb, wb);
            }
            a.accumulateGrad(ga);
            b.accumulateGrad(gb);
        }, a, b);
    }

    private static Tensor reversed(Tensor x) {
        if (x.rank() < 2) {
            throw new IllegalArgumentException("reverseTime: expected (samples, timesteps, ...), got " + x.shape());
        }
        Tensor c = x.copy();
        Tensor out = Tensor.zeros(x.shape(), x.dtype());
        int n = x.dim(0);
        int steps = x.dim(1);
        int width = steps == 0 || n == 0 ? 0 : x.size() / (n * steps);
        for (int row = 0; row < n; row++) {
            for (int s = 0; s < steps; s++) {
                System.arraycopy(storage(c), (row * steps + s) * width, storage(out),
                        (row * steps + steps - 1 - s) * width, width);
            }
        }
        return out;
    }

    private static void addColumnSums(double[] m, int rows, int cols, double[] into) {
        for (int row = 0; row < rows; row++) {
            for (int j = 0; j < cols; j++) {
                into[j] += m[row * cols + j];
            }
        }
    }

    /**
     * tanh as {@code 1 - 2 / (e^2v + 1)}: {@code Math.exp} is a JIT intrinsic, {@code Math.tanh} is not, and the
     * gates' tanh took a third of the recurrence's Java time (JFR, docs/sequences.md). Absolute error about 1e-16;
     * saturates to exactly ±1 where e^2v overflows or vanishes.
     */
    private static double tanh(double v) {
        return 1.0 - 2.0 / (Math.exp(2.0 * v) + 1.0);
    }

    private static double sigmoid(double v) {
        return 1.0 / (1.0 + Math.exp(-v));
    }

    private static Tensor tensor(double[] values, Shape shape, DType dtype) {
        Tensor t = Tensor.wrap(values, 0, shape);
        return dtype == DType.FLOAT64 ? t : t.astype(dtype);
    }

    private static Object storage(Tensor t) {
        return t.dtype() == DType.FLOAT32 ? t.floatStorage() : t.doubleStorage();
    }
}
