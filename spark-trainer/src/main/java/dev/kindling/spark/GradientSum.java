package dev.kindling.spark;

import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.BatchGradient;
import dev.kindling.core.model.BatchStats;
import dev.kindling.core.model.Network;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.List;

/**
 * The mergeable partial result of one step: the summed gradient, the loss and metric sums, and the longest time a
 * partition spent computing. The gradient is allocated on the first {@link #add}, so the zero value that Spark
 * ships with every task is a few bytes, not a weight-sized array.
 */
final class GradientSum implements Serializable {
    private Tensor gradient;
    private BatchStats stats;
    private long maxComputeNanos;

    private GradientSum(BatchStats stats) {
        this.stats = stats;
    }

    static GradientSum zero(int metrics) {
        return new GradientSum(BatchStats.empty(metrics));
    }

    /** What a step needs on the executors, besides the weights. */
    record Step(Network network, Loss loss, List<Metric> metrics, int[] sortedRows, long stepSeed)
            implements Serializable {
    }

    /** Adds the gradient of this block's share of the batch. */
    GradientSum add(Block block, Step step, Tensor weights) {
        int[] positions = block.positionsOf(step.sortedRows());
        if (positions.length == 0) {
            return this;
        }
        long start = System.nanoTime();
        if (gradient == null) {
            gradient = Tensor.zeros(weights.dtype(), weights.size());
        }
        BatchStats part = BatchGradient.accumulate(step.network(), step.loss(), step.metrics(), weights,
                block.features().take(0, positions), block.targets().take(0, positions),
                ForwardContext.training(step.stepSeed(), block.idsAt(positions)), gradient);
        stats = stats.merge(part);
        maxComputeNanos = Math.max(maxComputeNanos, System.nanoTime() - start);
        return this;
    }

    GradientSum merge(GradientSum other) {
        if (other.gradient != null) {
            if (gradient == null) {
                gradient = other.gradient;
            } else {
                gradient.addInPlace(other.gradient);
            }
        }
        stats = stats.merge(other.stats);
        maxComputeNanos = Math.max(maxComputeNanos, other.maxComputeNanos);
        return this;
    }

    /** The summed gradient, or null if no partition held a sample of the batch. */
    Tensor gradient() {
        return gradient;
    }

    BatchStats stats() {
        return stats;
    }

    long maxComputeNanos() {
        return maxComputeNanos;
    }
}
