// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.metrics;

import dev.kindling.core.tensor.Tensor;

/**
 * Precision or recall at threshold 0.5 over all outputs flattened (Keras's {@code Precision()}, {@code Recall()}):
 * the sums are true positives and the predicted (precision) or actual (recall) positives; the value is their ratio,
 * 0 when there are none.
 */
record Counts(String keyword, boolean precision) implements Metric {
    @Override
    public int stateSize() {
        return 2;
    }

    @Override
    public void accumulate(Tensor outputs, Tensor targets, double[] state, int offset) {
        for (int i = 0; i < outputs.size(); i++) {
            boolean predicted = outputs.getFlat(i) > 0.5;
            boolean actual = targets.getFlat(i) > 0.5;
            state[offset] += predicted && actual ? 1 : 0;
            state[offset + 1] += (precision ? predicted : actual) ? 1 : 0;
        }
    }

    @Override
    public double result(double[] state, int offset, long count) {
        return state[offset + 1] == 0 ? 0 : state[offset] / state[offset + 1];
    }
}
