// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.metrics;

import dev.kindling.core.tensor.Tensor;

/** Mean absolute or squared error: each sample's mean over its outputs, summed over samples. */
record Errors(String keyword, boolean squared) implements Metric {
    @Override
    public void accumulate(Tensor outputs, Tensor targets, double[] state, int offset) {
        int k = outputs.dim(1);
        double sum = 0;
        for (int i = 0; i < outputs.size(); i++) {
            double e = outputs.getFlat(i) - targets.getFlat(i);
            sum += squared ? e * e : Math.abs(e);
        }
        state[offset] += sum / k;
    }
}
