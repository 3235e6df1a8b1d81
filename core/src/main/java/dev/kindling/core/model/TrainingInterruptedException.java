// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

/**
 * Thrown by a fit that {@link FitLoop#interrupt} stopped between two steps (on SIGTERM, say). The listeners'
 * {@link TrainingListener#onInterrupt} ran first, so a checkpointing listener has saved the position: resuming from
 * it takes exactly the steps the interrupted fit did not.
 */
public final class TrainingInterruptedException extends RuntimeException {
    private final int epoch;
    private final int stepsDone;

    public TrainingInterruptedException(String reason, int epoch, int stepsDone, int steps) {
        super("training interrupted (" + reason + ") at epoch " + epoch + ", after step " + stepsDone + " of " + steps);
        this.epoch = epoch;
        this.stepsDone = stepsDone;
    }

    /** The epoch in progress when training stopped (1-based). */
    public int epoch() {
        return epoch;
    }

    /** Steps of that epoch that were taken. */
    public int stepsDone() {
        return stepsDone;
    }
}
