// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.tensor.Tensor;

/** Checks on model inputs shared by every way of feeding a model: in-memory tensors, or blocks of a Spark data set. */
public final class Inputs {
    private Inputs() {
    }

    /**
     * Throws naming the first non-finite entry of a batch {@code (rows, features...)} by row and column (the
     * position within the flattened sample); rows are numbered from {@code firstRow}, the block's position in the
     * whole data set.
     */
    public static void requireFinite(Tensor x, String context, long firstRow) {
        if (!x.hasNonFinite()) {
            return;
        }
        int width = x.size() / x.dim(0);
        for (int i = 0; i < x.size(); i++) {
            if (!Double.isFinite(x.getFlat(i))) {
                throw new IllegalArgumentException(context + ": input at row " + (firstRow + i / width) + ", column "
                        + i % width + " is " + x.getFlat(i) + ", expected a finite number");
            }
        }
    }
}
