// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.losses;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;

/**
 * A loss function, with Keras's names and per-sample definitions. A loss gives each sample's loss
 * ({@link #perSample}); training sums them over the batch (weighted by sample or class weights when there are
 * some) and divides by the number of samples once. Summing lets data-parallel workers add their partial sums and
 * divide once, which gives exactly the mean of plain mini-batch training.
 *
 * <p>Losses receive the last layer's output <em>before</em> its activation. When the activation is softmax
 * (cross-entropy) or sigmoid (binary cross-entropy), the built-in losses compute from these logits with a
 * max-subtracted log-softmax or the stable {@code max(z,0) - z*y + log(1 + e^-|z|)}, never from probabilities that
 * can round to 0. Other activations fall back to Keras's clipped probabilities.
 *
 * <p>A loss of your own is {@link #perSample} written with the autodiff {@link Ops} (no backward to write) plus its
 * {@link #keyword}; register it ({@code Registry.loss}) so that saved models, job files and the Spark ML stages can
 * name it:
 * <pre>{@code
 * record Huber(double delta) implements Loss {
 *     public String keyword() { return "huber"; }
 *     public Variable perSample(Variable z, Activation activation, Tensor y) { ... }
 * }
 * Registry.loss(new Huber(1.0));   // under its keyword; Registry.loss(name, factory) for another name
 * }</pre>
 */
public interface Loss extends Serializable {
    /** {@code -sum_k y_k log p_k} for one-hot (or soft) targets {@code (n, classes)}. */
    Loss CATEGORICAL_CROSSENTROPY = CrossEntropy.CATEGORICAL;
    /** The same with integer class targets {@code (n)}. */
    Loss SPARSE_CATEGORICAL_CROSSENTROPY = CrossEntropy.SPARSE;
    /** {@code -mean_k [y_k log p_k + (1 - y_k) log(1 - p_k)]} for targets in [0, 1]. */
    Loss BINARY_CROSSENTROPY = BinaryCrossEntropy.INSTANCE;
    /** {@code mean_k (p_k - y_k)^2}. */
    Loss MEAN_SQUARED_ERROR = MeanSquaredError.INSTANCE;

    /** Keras clips probabilities to [EPSILON, 1 - EPSILON] before taking logs. */
    double EPSILON = 1e-7;

    /** Keras's spelling: {@code categorical_crossentropy}, ... */
    String keyword();

    /**
     * Each sample's loss, {@code (n)}.
     *
     * @param preActivation the last layer's output before its activation, {@code (n, outputs)}
     * @param activation    the last layer's activation
     * @param targets       checked with {@link #checkTargets} beforehand, same dtype as the output
     */
    Variable perSample(Variable preActivation, Activation activation, Tensor targets);

    /** Sum over the batch of the per-sample loss. */
    default Variable batchSum(Variable preActivation, Activation activation, Tensor targets) {
        return Ops.sum(perSample(preActivation, activation, targets));
    }

    /**
     * Sum over the batch of each sample's loss times its weight (Keras's {@code sample_weight}: the step still divides
     * by the batch size, not by the weights' sum).
     *
     * @param weights one weight per sample {@code (n)}, or null for all 1
     */
    default Variable batchSum(Variable preActivation, Activation activation, Tensor targets, Tensor weights) {
        if (weights == null) {
            return batchSum(preActivation, activation, targets);
        }
        return Ops.sum(Ops.mul(perSample(preActivation, activation, targets), Variable.constant(weights)));
    }

    /** Whether targets are class indices {@code (n)} rather than rows of the output's width. */
    default boolean classIndexTargets() {
        return false;
    }

    /**
     * Checks targets against the model's output before any training step: their count, shape, finiteness and
     * range. Messages name the row and the expected and actual values.
     */
    default void checkTargets(Tensor targets, int rows, int outputs) {
        checkTargets(targets, rows, outputs, 0);
    }

    /**
     * As {@link #checkTargets(Tensor, int, int)}, for a block of a larger data set whose first row has number
     * {@code firstRow}: messages name rows by their number in the whole data set. By default: {@code (rows,
     * outputs)} of finite numbers.
     */
    default void checkTargets(Tensor targets, int rows, int outputs, long firstRow) {
        Targets.checkRows(this, targets, rows, outputs, firstRow, false);
    }
}
