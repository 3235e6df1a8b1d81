// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.tensor.Tensor;

/**
 * Where the training loop of {@link Sequential#fit(TrainingData, FitOptions)} gets its gradients: the samples
 * are numbered {@code 0..trainSamples()-1} (training) followed by the validation samples, and each step asks for
 * the summed gradient over a set of those numbers. The loop itself (batch order, optimizer update, NaN check,
 * history, progress) is the same whether the samples sit in one JVM's tensors ({@link InMemoryData}) or in the
 * partitions of a Spark data set, which is what makes both learn the same weights.
 */
public interface TrainingData {

    /**
     * Keras's split: of {@code samples} rows, the first {@code floor(samples * (1 - validationSplit))} train and the
     * rest validate. The one formula every data source uses.
     *
     * @throws IllegalArgumentException when no training row would be left
     */
    static int trainSamples(long samples, double validationSplit) {
        long train = (long) (samples * (1.0 - validationSplit));
        if (train == 0) {
            throw new IllegalArgumentException("fit: validation_split " + validationSplit + " of " + samples
                    + " samples leaves no training samples");
        }
        return (int) train;
    }

    /** Number of training samples; they are numbered {@code 0..trainSamples()-1}. */
    int trainSamples();

    /** Number of validation samples; they are numbered from {@code trainSamples()} on. */
    long validationSamples();

    /** Whether validation samples follow the training samples. */
    default boolean hasValidation() {
        return validationSamples() > 0;
    }

    /** Features per sample, for checking that a checkpoint was made on the same data. */
    int inputWidth();

    /**
     * Adds d(sum of the losses of the given samples)/d(weights) into {@code gradSink} and returns their sums.
     *
     * @param rows     training sample numbers of this step's batch
     * @param stepSeed the step's randomness (dropout), see {@link MiniBatches#stepSeed}
     * @param step     which step this is, for progress displays
     */
    BatchStats accumulateGradient(int[] rows, long stepSeed, Tensor weights, Tensor gradSink, Step step);

    /** Loss and metric sums over the validation samples, without dropout. */
    BatchStats evaluateValidation(Tensor weights);

    /** A step's place in training, 1-based: epoch {@code epoch} of {@code epochs}, step {@code step} of {@code steps}. */
    record Step(int epoch, int epochs, int step, int steps) {
        /** As shown to people, e.g. {@code epoch 2/5, step 120/469}. */
        @Override
        public String toString() {
            return "epoch " + epoch + "/" + epochs + ", step " + step + "/" + steps;
        }
    }
}
