// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.losses.Loss;
import java.io.Serializable;

/**
 * How a label becomes the target row the loss expects: an array is taken as it is; a single number is kept as it
 * is for a loss of class indices (sparse categorical cross-entropy) and for one output unit, and otherwise taken as a
 * class index and one-hot encoded into the output's width (categorical cross-entropy, or any loss of rows).
 *
 * @param oneHotClasses number of classes to one-hot encode a class index into, or 0 to keep labels as they are
 * @param width         numbers per target row
 */
record Targets(int oneHotClasses, int width) implements Serializable {

    /** The encoding for a loss, a model output width, and whether labels are arrays. */
    static Targets of(Loss loss, int outputs, boolean labelIsArray) {
        if (labelIsArray) {
            return new Targets(0, loss.classIndexTargets() ? 1 : outputs);
        }
        return loss.classIndexTargets() || outputs == 1 ? new Targets(0, 1) : new Targets(outputs, outputs);
    }

    /** Writes the target of one label into {@code out} at {@code offset}; a one-hot index is range-checked. */
    void encode(double[] label, float[] out, int offset, String column, long row) {
        if (oneHotClasses > 0) {
            double c = label[0];
            if (c != Math.rint(c) || c < 0 || c >= oneHotClasses) {
                throw new DataException("label column '" + column + "', row " + row + ": label is " + c
                        + ", expected an integer class in [0, " + oneHotClasses + ")");
            }
            out[offset + (int) c] = 1f;
            return;
        }
        if (label.length != width) {
            throw new DataException("label column '" + column + "', row " + row + ": expected " + width
                    + " number(s), got " + label.length);
        }
        for (int i = 0; i < width; i++) {
            out[offset + i] = (float) label[i];
        }
    }
}
