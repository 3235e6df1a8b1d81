// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.metrics;

import dev.kindling.core.losses.Loss;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;

/**
 * A quantity reported during training and evaluation. A metric keeps a few <em>sums</em> over samples (its state:
 * {@link #stateSize()} numbers), which partial results from batches or Spark partitions merge by adding, and turns
 * them into its value once ({@link #result}): a mean of per-sample values, or a ratio of counts (precision, recall),
 * or an area from per-threshold counts (AUC). So a distributed evaluation equals the one-JVM one.
 *
 * <p>Keras's names: {@link #ACCURACY} ({@code "accuracy"}, resolved to the variant that fits the loss), the three
 * accuracies, {@code "mae"}, {@code "mse"}, {@code "top_k_categorical_accuracy"} (k = 5; {@link #topK} for others),
 * {@code "precision"}, {@code "recall"} and {@code "auc"} (binary, 200 thresholds, as Keras's {@code AUC()}).
 * Implement this interface for a metric of your own, and register it ({@code Registry.metric}) under its name so
 * that saved models and job files can name it.
 */
public interface Metric extends Serializable {

    /** Resolved by {@link #resolve}: sparse, binary or categorical accuracy. */
    Metric ACCURACY = new Accuracies.Accuracy("accuracy");
    /** argmax(output) == argmax(one-hot target). */
    Metric CATEGORICAL_ACCURACY = new Accuracies.Categorical();
    /** argmax(output) == integer target. */
    Metric SPARSE_CATEGORICAL_ACCURACY = new Accuracies.SparseCategorical();
    /** Mean over outputs of (output > 0.5) == (target > 0.5). */
    Metric BINARY_ACCURACY = new Accuracies.Binary();
    /** Mean absolute error: mean over outputs of |output - target|, averaged over samples. */
    Metric MAE = new Errors("mae", false);
    /** Mean squared error: mean over outputs of (output - target)^2, averaged over samples. */
    Metric MSE = new Errors("mse", true);
    /** Whether the target class is among the 5 largest outputs. */
    Metric TOP_K_CATEGORICAL_ACCURACY = new Accuracies.TopK(5, "top_k_categorical_accuracy");
    /** Of the outputs above 0.5, the fraction whose target is above 0.5 (all outputs flattened, as Keras). */
    Metric PRECISION = new Counts("precision", true);
    /** Of the targets above 0.5, the fraction whose output is above 0.5. */
    Metric RECALL = new Counts("recall", false);
    /** Area under the ROC curve from 200 thresholds, binary (all outputs flattened), as Keras's {@code AUC()}. */
    Metric AUC = new Auc(200);

    /** Keras's name: also the key in logs and histories. */
    String keyword();

    /** How many sums the metric keeps. */
    default int stateSize() {
        return 1;
    }

    /**
     * Adds a batch's sums into {@code state} at {@code offset}.
     *
     * @param outputs the model's outputs after activation {@code (n, k)}
     * @param targets as given to the loss
     */
    void accumulate(Tensor outputs, Tensor targets, double[] state, int offset);

    /** The metric's value from its sums over {@code count} samples; by default their mean. */
    default double result(double[] state, int offset, long count) {
        return state[offset] / count;
    }

    /** The concrete metric this one stands for under a loss and output width ({@link #ACCURACY} resolves). */
    default Metric resolve(Loss loss, int outputs) {
        return this;
    }

    /** Sum over the batch of the per-sample metric, for metrics whose state is that one sum. */
    default double batchSum(Tensor outputs, Tensor targets) {
        double[] s = new double[stateSize()];
        accumulate(outputs, targets, s, 0);
        return s[0];
    }

    /** Top-k categorical accuracy for another k, named {@code top_<k>_categorical_accuracy}. */
    static Metric topK(int k) {
        return new Accuracies.TopK(k, "top_" + k + "_categorical_accuracy");
    }

    /** AUC (ROC, binary) from {@code thresholds} evenly spaced thresholds. */
    static Metric auc(int thresholds) {
        return new Auc(thresholds);
    }
}
