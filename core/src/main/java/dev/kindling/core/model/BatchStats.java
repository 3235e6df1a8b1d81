// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import java.io.Serializable;
import dev.kindling.core.metrics.Metric;
import java.util.Arrays;
import java.util.List;

/**
 * Sums over samples of the loss and of each metric's state ({@link Metric#stateSize()} numbers each, in the order
 * of the metrics), and the sample count. Sums, not means, so that partial results from batches or Spark partitions
 * merge by addition; {@link #metric} turns a metric's sums into its value.
 */
public record BatchStats(long count, double lossSum, double[] metricSums) implements Serializable {

    /** No samples yet, for these metrics. */
    public static BatchStats empty(List<Metric> metrics) {
        return new BatchStats(0, 0.0, new double[stateSize(metrics)]);
    }

    /** How many sums these metrics keep in all. */
    public static int stateSize(List<Metric> metrics) {
        int n = 0;
        for (Metric m : metrics) {
            n += m.stateSize();
        }
        return n;
    }

    /** Element-wise sum of two partial results. */
    public BatchStats merge(BatchStats other) {
        if (other.metricSums.length != metricSums.length) {
            throw new IllegalArgumentException("cannot merge stats of " + metricSums.length + " and "
                    + other.metricSums.length + " metrics");
        }
        double[] sums = metricSums.clone();
        for (int i = 0; i < sums.length; i++) {
            sums[i] += other.metricSums[i];
        }
        return new BatchStats(count + other.count, lossSum + other.lossSum, sums);
    }

    /**
     * These sums with a regularization {@code penalty} added to every sample's loss, so the mean loss is the data
     * loss plus the penalty, as Keras's {@code loss} (its loss tracker weighs each step's total loss by the batch size).
     */
    public BatchStats withPenalty(double penalty) {
        return penalty == 0 ? this : new BatchStats(count, lossSum + penalty * count, metricSums);
    }

    public double meanLoss() {
        return lossSum / count;
    }

    /** The value of metric {@code index} of {@code metrics} (the list these sums were made for). */
    public double metric(List<Metric> metrics, int index) {
        int offset = 0;
        for (int i = 0; i < index; i++) {
            offset += metrics.get(i).stateSize();
        }
        return metrics.get(index).result(metricSums, offset, count);
    }

    @Override
    public String toString() {
        return "BatchStats[count=" + count + ", lossSum=" + lossSum + ", metricSums=" + Arrays.toString(metricSums) + "]";
    }
}
