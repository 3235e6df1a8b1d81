// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;

import java.util.Arrays;

/** Label encodings, as in Keras's {@code to_categorical}. */
public final class Labels {
    private Labels() {
    }

    /**
     * One-hot encodes integer class labels, as Keras's {@code to_categorical(labels, num_classes)}: labels of shape
     * {@code (n)} become a float32 {@code (n, numClasses)} matrix with a single 1 per row. As in Keras, a trailing
     * axis of size 1 is dropped first ({@code (n, 1)} gives {@code (n, numClasses)}), and any other shape gets the
     * class axis appended.
     *
     * @throws IllegalArgumentException naming the row (the index of the label), the value and the allowed range if
     *     a label is not an integer in {@code [0, numClasses)}, or if {@code numClasses < 1}
     */
    public static Tensor toCategorical(Tensor labels, int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        }
        int[] inDims = labels.shape().dims();
        int[] base = inDims.length > 1 && inDims[inDims.length - 1] == 1
                ? Arrays.copyOf(inDims, inDims.length - 1) : inDims;
        double[] values = labels.toDoubleArray();
        float[] out = new float[Math.multiplyExact(values.length, numClasses)];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!(v >= 0 && v < numClasses && v == Math.rint(v))) {
                throw new IllegalArgumentException("label at row " + rowText(base, i) + " is " + valueText(v)
                        + ", expected an integer class in [0, " + numClasses + ")");
            }
            out[i * numClasses + (int) v] = 1f;
        }
        int[] outDims = Arrays.copyOf(base, base.length + 1);
        outDims[base.length] = numClasses;
        return Tensor.wrap(out, 0, Shape.of(outDims));
    }

    /**
     * One-hot encodes with {@code numClasses = max(labels) + 1}, as Keras's {@code to_categorical} without
     * {@code num_classes}.
     */
    public static Tensor toCategorical(Tensor labels) {
        double max = -1;
        for (double v : labels.toDoubleArray()) {
            if (v > max) {
                max = v;
            }
        }
        if (max > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("largest label " + max + " is too large for a class index");
        }
        // An empty tensor or labels that are all invalid fall through to toCategorical's own checks.
        return toCategorical(labels, Math.max(1, (int) Math.floor(max) + 1));
    }

    /** The index of flat element i: a plain number for rank 0 or 1, otherwise a tuple like {@code (2, 1)}. */
    private static String rowText(int[] dims, int flat) {
        if (dims.length <= 1) {
            return Integer.toString(flat);
        }
        int[] index = new int[dims.length];
        for (int a = dims.length - 1; a >= 0; a--) {
            index[a] = flat % dims[a];
            flat /= dims[a];
        }
        StringBuilder sb = new StringBuilder("(");
        for (int a = 0; a < index.length; a++) {
            sb.append(a == 0 ? "" : ", ").append(index[a]);
        }
        return sb.append(')').toString();
    }

    private static String valueText(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
