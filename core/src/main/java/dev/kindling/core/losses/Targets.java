// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.losses;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Tensor;

/** What the built-in losses share: target checks with row numbers, one-hot encoding, Keras's clipping. */
final class Targets {
    private Targets() {
    }

    /** Rows of the output's width, finite, and in [0, 1] for a loss of probabilities. */
    static void checkRows(Loss loss, Tensor targets, int rows, int outputs, long firstRow, boolean probabilities) {
        if (targets.rank() == 0 || targets.dim(0) != rows) {
            throw new IllegalArgumentException(loss.keyword() + ": targets " + targets.shape() + " do not match "
                    + rows + " input rows");
        }
        if (targets.rank() != 2 || targets.dim(1) != outputs) {
            throw new IllegalArgumentException(loss.keyword() + ": expected targets of shape (" + rows + ", " + outputs
                    + ") to match the model's output, got " + targets.shape()
                    + (targets.rank() == 1 && loss == Loss.CATEGORICAL_CROSSENTROPY
                        ? " (class indices: use toCategorical, or sparse_categorical_crossentropy)" : ""));
        }
        for (int i = 0; i < targets.size(); i++) {
            double v = targets.getFlat(i);
            if (!Double.isFinite(v) || probabilities && (v < 0 || v > 1)) {
                throw new IllegalArgumentException(loss.keyword() + ": target at row " + (firstRow + i / outputs)
                        + ", column " + i % outputs + " is " + v + ", expected "
                        + (probabilities ? "a value in [0, 1]" : "a finite number"));
            }
        }
    }

    /** Integer classes in [0, outputs), shape (rows) or (rows, 1). */
    static void checkClassIndices(Loss loss, Tensor targets, int rows, int outputs, long firstRow) {
        if (targets.rank() == 0 || targets.dim(0) != rows) {
            throw new IllegalArgumentException(loss.keyword() + ": targets " + targets.shape() + " do not match "
                    + rows + " input rows");
        }
        if (!(targets.rank() == 1 || targets.rank() == 2 && targets.dim(1) == 1)) {
            throw new IllegalArgumentException(loss.keyword() + ": expected integer class targets of shape (" + rows
                    + ",), got " + targets.shape());
        }
        for (int r = 0; r < rows; r++) {
            double label = targets.getFlat(r);
            if (label != Math.rint(label) || label < 0 || label >= outputs) {
                throw new IllegalArgumentException(loss.keyword() + ": label at row " + (firstRow + r) + " is " + label
                        + ", expected an integer class in [0, " + outputs + ")");
            }
        }
    }

    static Tensor oneHot(Tensor labels, int classes, Tensor like) {
        int rows = labels.dim(0);
        Tensor oneHot = Tensor.zeros(like.dtype(), rows, classes);
        for (int r = 0; r < rows; r++) {
            oneHot.setFlat(r * classes + (int) labels.getFlat(r), 1.0);
        }
        return oneHot;
    }

    static Variable clipped(Variable p) {
        return Ops.clip(p, Loss.EPSILON, 1.0 - Loss.EPSILON);
    }
}
