package dev.kindling.core.model;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Sums over samples of the loss and of each metric, and the sample count. Sums, not means, so that partial
 * results from batches or Spark partitions merge by addition; divide by {@link #count()} to report.
 */
public record BatchStats(long count, double lossSum, double[] metricSums) implements Serializable {

    public static BatchStats empty(int metrics) {
        return new BatchStats(0, 0.0, new double[metrics]);
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

    public double meanLoss() {
        return lossSum / count;
    }

    public double meanMetric(int index) {
        return metricSums[index] / count;
    }

    @Override
    public String toString() {
        return "BatchStats[count=" + count + ", lossSum=" + lossSum + ", metricSums=" + Arrays.toString(metricSums) + "]";
    }
}
