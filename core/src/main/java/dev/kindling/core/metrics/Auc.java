// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.metrics;

import dev.kindling.core.tensor.Tensor;

/**
 * Area under the ROC curve, as Keras's {@code AUC(num_thresholds, curve='ROC')} on all outputs flattened. Thresholds
 * are {@code i / (n - 1)}, the first just below 0 and the last just above 1 (Keras's epsilon), so every prediction
 * falls in the range. The sums are histograms: for positives and for negatives, how many predictions exceed exactly
 * {@code b} of the thresholds ({@code b = 0..n}); true and false positives at threshold {@code i} are the counts
 * with {@code b > i}. The value is the trapezoidal area under the (false positive rate, true positive rate) points.
 */
record Auc(int thresholds) implements Metric {
    private static final double EPSILON = 1e-7;

    Auc {
        if (thresholds < 3) {
            throw new IllegalArgumentException("auc: at least 3 thresholds, got " + thresholds);
        }
    }

    @Override
    public String keyword() {
        return "auc";
    }

    /** Positives by bucket [0..n], then negatives by bucket [0..n]. */
    @Override
    public int stateSize() {
        return 2 * (thresholds + 1);
    }

    /** How many thresholds lie strictly below {@code p}. */
    int bucket(double p) {
        if (!(p > -EPSILON)) {
            return 0;
        }
        double x = p * (thresholds - 1);   // thresholds 1 .. n-2 are i / (n - 1): those with i < x
        int inner = x <= 1 ? 0 : (int) Math.min(thresholds - 2, Math.ceil(x) - 1);
        return 1 + inner + (p > 1 + EPSILON ? 1 : 0);
    }

    @Override
    public void accumulate(Tensor outputs, Tensor targets, double[] state, int offset) {
        for (int e = 0; e < outputs.size(); e++) {
            boolean positive = targets.getFlat(e) > 0.5;
            state[offset + (positive ? 0 : thresholds + 1) + bucket(outputs.getFlat(e))] += 1;
        }
    }

    @Override
    public double result(double[] state, int offset, long count) {
        double[] tp = new double[thresholds];
        double[] fp = new double[thresholds];
        double positivesAbove = 0;
        double negativesAbove = 0;
        for (int i = thresholds - 1; i >= 0; i--) {
            positivesAbove += state[offset + i + 1];
            negativesAbove += state[offset + thresholds + 1 + i + 1];
            tp[i] = positivesAbove;
            fp[i] = negativesAbove;
        }
        double positives = positivesAbove + state[offset];
        double negatives = negativesAbove + state[offset + thresholds + 1];
        if (positives == 0 || negatives == 0) {
            return 0;
        }
        double area = 0;
        for (int i = 0; i + 1 < thresholds; i++) {
            area += (fp[i] - fp[i + 1]) / negatives * (tp[i] + tp[i + 1]) / positives / 2;
        }
        return area;
    }
}
