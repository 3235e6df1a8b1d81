// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.model.TrainingData;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.stage.Partial;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The reference step path: one Spark job per step. Broadcast the weights, let each partition holding rows of the
 * batch sum their gradient, merge the sums on the driver in partition order, destroy the broadcast. A job that
 * fails because an executor was lost with blocks rebuilds them and runs again with the same weights.
 */
final class JobPerStep {
    private final JavaSparkContext spark;
    private final Packing.Packed packed;
    private final Broadcast<Shipped<GradientSum.Recipe>> recipe;
    private final int metricSums;
    private final int treeDepth;
    private Tensor broadcastBuffer;

    JobPerStep(JavaSparkContext spark, Packing.Packed packed, Broadcast<Shipped<GradientSum.Recipe>> recipe,
               int metricSums, int treeDepth) {
        this.spark = spark;
        this.packed = packed;
        this.recipe = recipe;
        this.metricSums = metricSums;
        this.treeDepth = treeDepth;
    }

    Partial step(int[] sortedRows, long seed, Tensor weights, TrainingData.Step step) {
        GradientSum.Step work = new GradientSum.Step(recipe, sortedRows, seed);
        int sums = metricSums; // the task function captures values, not this object
        Broadcast<Shipped<Tensor>> broadcast = spark.broadcast(new Shipped<>(snapshotOf(weights)));
        spark.setJobDescription(step.toString());
        try {
            GradientSum sum = packed.withLostBlocksRebuilt(() -> Aggregation.aggregate(packed.forSteps(),
                    packed.index().partitionsHolding(sortedRows), GradientSum.zero(metricSums), partition -> {
                        long start = System.nanoTime();
                        GradientSum partial = GradientSum.zero(sums);
                        Tensor w = broadcast.value().value();
                        while (partition.hasNext()) {
                            partial = partial.add(partition.next(), work, w);
                        }
                        return partial.computed(System.nanoTime() - start);
                    }, GradientSum::merge, GradientSum::merge, treeDepth, GradientSum.class));
            return new Partial(sum.stats(), sum.gradient(), sum.maxComputeNanos());
        } finally {
            broadcast.destroy();
        }
    }

    /**
     * The weights copied into a buffer kept for broadcasting. A copy, because the driver updates its weights in
     * place right after the step and in local mode the broadcast value is the very object handed to Spark; one
     * reused buffer, because each step's broadcast is destroyed before the next step copies into it again, and
     * no task reads a broadcast after its job has returned.
     */
    private Tensor snapshotOf(Tensor weights) {
        if (broadcastBuffer == null || !broadcastBuffer.shape().equals(weights.shape())
                || broadcastBuffer.dtype() != weights.dtype()) {
            broadcastBuffer = weights.copy();
            return broadcastBuffer;
        }
        return broadcastBuffer.assignInPlace(weights);
    }
}
