// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Options of {@link Sequential#fit}, with Keras's defaults: 1 epoch, batch size 32, no validation split,
 * shuffle every epoch. Build with {@code FitOptions.builder().epochs(5).batchSize(128).build()}.
 *
 * <p>Epochs are numbered over a model's whole life: a model that has trained before (in this JVM, or saved and
 * loaded) goes on with the next epoch number, so it sees new shuffles and dropout masks instead of replaying those
 * of epoch 1. {@code initialEpoch(k)} gives Keras's {@code initial_epoch} instead: the fit runs epochs
 * {@code k+1 .. epochs}.
 *
 * @param epochs          epochs to train; with an {@code initialEpoch}, the number of the last epoch (Keras)
 * @param validationSplit fraction in [0, 1) of the samples held out for validation: the <em>last</em> ones,
 *                        before shuffling, as Keras does
 * @param seed            seeds shuffling and dropout
 * @param listeners       told of each epoch; by default a {@link ProgressPrinter} on standard output
 * @param initialEpoch    Keras's {@code initial_epoch} (epochs already done), or -1 to continue the model's count
 * @param classWeights    Keras's {@code class_weight}: class index to the weight of its samples' losses in training
 *                        (empty: none)
 * @param validationData  Keras's {@code validation_data} for a one-JVM fit: tensors to validate on instead of the
 *                        last {@code validationSplit} of the training rows (null: none)
 */
public record FitOptions(int epochs, int batchSize, double validationSplit, boolean shuffle, long seed,
                         List<TrainingListener> listeners, int initialEpoch, Map<Integer, Double> classWeights,
                         ValidationData validationData) {

    /**
     * A separate validation set: inputs, targets and optionally per-sample weights (null).
     */
    public record ValidationData(Tensor x, Tensor y, Tensor sampleWeights) {
        public ValidationData {
            if (x == null || y == null) {
                throw new IllegalArgumentException("validation_data: inputs and targets are needed");
            }
        }
    }

    public FitOptions {
        if (epochs < 1) {
            throw new IllegalArgumentException("fit: epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("fit: batch_size must be >= 1, got " + batchSize);
        }
        if (!(validationSplit >= 0.0 && validationSplit < 1.0)) {
            throw new IllegalArgumentException("fit: validation_split must be in [0, 1), got " + validationSplit);
        }
        if (initialEpoch < -1) {
            throw new IllegalArgumentException("fit: initial_epoch must be >= 0, got " + initialEpoch);
        }
        if (initialEpoch >= epochs) {
            throw new IllegalArgumentException("fit: initial_epoch " + initialEpoch + " leaves nothing to do:"
                    + " epochs (the last epoch's number, as in Keras) is " + epochs);
        }
        listeners = List.copyOf(listeners);
        classWeights = classWeights == null ? Map.of() : Map.copyOf(classWeights);
    }

    /** The same options with other listeners. */
    public FitOptions withListeners(List<TrainingListener> others) {
        return new FitOptions(epochs, batchSize, validationSplit, shuffle, seed, others, initialEpoch, classWeights,
                validationData);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int epochs = 1;
        private int batchSize = 32;
        private double validationSplit = 0.0;
        private boolean shuffle = true;
        private long seed = 0L;
        private List<TrainingListener> listeners = null;
        private int initialEpoch = -1;
        private Map<Integer, Double> classWeights = Map.of();
        private ValidationData validationData;

        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder validationSplit(double validationSplit) {
            this.validationSplit = validationSplit;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Keras's {@code initial_epoch}: the fit runs epochs {@code initialEpoch+1 .. epochs}. */
        public Builder initialEpoch(int initialEpoch) {
            this.initialEpoch = initialEpoch;
            return this;
        }

        /** Keras's {@code class_weight}: {@code Map.of(3, 20.0)} makes class 3's training losses count 20 times. */
        public Builder classWeights(Map<Integer, Double> classWeights) {
            this.classWeights = classWeights;
            return this;
        }

        /** Keras's {@code validation_data} (one JVM): validate on these instead of a split of the training rows. */
        public Builder validationData(Tensor x, Tensor y) {
            this.validationData = new ValidationData(x, y, null);
            return this;
        }

        /** The same with per-sample weights for the validation loss. */
        public Builder validationData(Tensor x, Tensor y, Tensor sampleWeights) {
            this.validationData = new ValidationData(x, y, sampleWeights);
            return this;
        }

        /** Replaces the default progress printer; pass none for a silent fit. */
        public Builder listeners(TrainingListener... listeners) {
            this.listeners = new ArrayList<>(List.of(listeners));
            return this;
        }

        public FitOptions build() {
            List<TrainingListener> l = listeners != null ? listeners : List.of(new ProgressPrinter(System.out));
            return new FitOptions(epochs, batchSize, validationSplit, shuffle, seed, l, initialEpoch, classWeights,
                    validationData);
        }
    }
}
