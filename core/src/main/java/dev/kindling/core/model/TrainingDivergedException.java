// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

/**
 * Thrown when the loss stops being a finite number, as Keras's TerminateOnNaN stops training. The offending
 * step's update is not applied: the weights are those after the previous step.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final int step;

    public TrainingDivergedException(int epoch, int step, double loss) {
        super("loss became " + loss + " at epoch " + epoch + ", step " + step
                + "; training stopped (try a lower learning rate, or check the inputs for extreme values)");
        this.epoch = epoch;
        this.step = step;
    }

    /** 1-based epoch. */
    public int epoch() {
        return epoch;
    }

    /** 1-based step within the epoch. */
    public int step() {
        return step;
    }
}
