// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.BatchGradient;
import dev.kindling.core.model.BatchStats;
import dev.kindling.core.model.ClassWeights;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.TrainableWeights;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.ref.SoftReference;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;

/**
 * The mergeable partial result of one step: the summed gradient, the loss and metric sums, and the longest time a
 * partition spent computing (which the step path that ran the partition records). The gradient is taken on the
 * first {@link #add}, from the task thread's reused buffer, so the zero value that Spark ships with every task is a
 * few bytes, not a weight-sized array. With frozen layers only the trainable weights' gradient travels (their
 * entries of the gradient are all the optimizer reads; the frozen ones are 0): it is packed when the sum is
 * serialized and unpacked, frozen entries 0, when it is read.
 */
@DefaultSerializer(JavaSerializer.class)
final class GradientSum implements Serializable {
    /**
     * Softly held: a long-lived executor (a notebook's) keeps its task threads after a fit ends, and a large
     * model's buffer must not stay pinned in each of them.
     */
    private static final ThreadLocal<SoftReference<Tensor>> TASK_BUFFER = new ThreadLocal<>();

    private transient Tensor gradient;
    /** Where the trainable weights sit, from the first {@link #add}; null until then. */
    private TrainableWeights trainable;
    private BatchStats stats;
    private long maxComputeNanos;

    private GradientSum(BatchStats stats) {
        this.stats = stats;
    }

    static GradientSum zero(int metricSums) {
        return new GradientSum(new BatchStats(0, 0.0, new double[metricSums]));
    }

    /** What every step of a fit computes with, besides the weights and the batch: broadcast once per fit. */
    record Recipe(Network network, Loss loss, List<Metric> metrics, ClassWeights classWeights) implements Serializable {
    }

    /** What one step ships to its tasks: the fit's recipe (a broadcast handle), the batch's rows and its seed. */
    record Step(Broadcast<Shipped<Recipe>> recipe, int[] sortedRows, long stepSeed) implements Serializable {
    }

    /** Adds the gradient of this block's share of the batch. */
    GradientSum add(Block block, Step step, Tensor weights) {
        int[] positions = block.positionsOf(step.sortedRows());
        if (positions.length == 0) {
            return this;
        }
        Recipe recipe = step.recipe().value().value();
        if (gradient == null) {
            gradient = zeroedTaskBuffer(weights.dtype(), weights.size());
            trainable = recipe.network().trainableWeights();
        }
        Tensor targets = block.targets().take(0, positions);
        Tensor sampleWeights = recipe.classWeights().weights(targets, recipe.loss(), block.weightsAt(positions));
        BatchStats part = BatchGradient.accumulate(recipe.network(), recipe.loss(), recipe.metrics(), weights,
                block.features().take(positions), targets, sampleWeights,
                ForwardContext.training(step.stepSeed(), block.idsAt(positions)), gradient);
        stats = stats.merge(part);
        return this;
    }

    GradientSum merge(GradientSum other) {
        if (other.gradient != null) {
            if (gradient == null) {
                gradient = other.gradient;
                trainable = other.trainable;
            } else {
                gradient.addInPlace(other.gradient);
            }
        }
        stats = stats.merge(other.stats);
        computed(other.maxComputeNanos);
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

    /** Records that a partition took {@code nanos} to compute (the longest is kept). */
    GradientSum computed(long nanos) {
        maxComputeNanos = Math.max(maxComputeNanos, nanos);
        return this;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        boolean packed = gradient != null && trainable != null && !trainable.isAll();
        out.writeObject(packed ? trainable.gather(gradient) : gradient);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        Tensor read = (Tensor) in.readObject();
        if (read != null && trainable != null && !trainable.isAll()) {
            gradient = Tensor.zeros(read.dtype(), trainable.total());
            trainable.scatterInto(read, gradient);
        } else {
            gradient = read;
        }
    }

    /**
     * A zeroed weight-sized gradient buffer owned by the calling task thread and reused by its next tasks. Safe
     * because a task's result is serialized on its own thread before that thread runs another task (the executor's
     * task runner does it as the task ends), so the next task's zeroing never touches a result still in flight.
     * It spares every task a weight-sized allocation: at 1.6 MB, G1 puts each one in the old generation as a
     * humongous object and starts extra collections for them.
     */
    private static Tensor zeroedTaskBuffer(DType dtype, int size) {
        SoftReference<Tensor> held = TASK_BUFFER.get();
        Tensor buffer = held == null ? null : held.get();
        if (buffer == null || buffer.dtype() != dtype || buffer.size() != size) {
            buffer = Tensor.zeros(dtype, size);
            TASK_BUFFER.set(new SoftReference<>(buffer));
            return buffer;
        }
        return buffer.fillInPlace(0);
    }

}
