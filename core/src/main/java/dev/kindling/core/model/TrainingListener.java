// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;

/**
 * Told of training progress, and able to steer it: Keras's callback. The one hook for progress display, logging,
 * metrics collection, checkpoints ({@link dev.kindling.core.checkpoint.BackupAndRestore}) and anything that stops
 * training early. Every method has an empty default; a listener overrides what it needs. In order of calls:
 * {@link #onTrainBegin}, then per epoch {@link #onEpochBegin}, {@link #onBatchEnd} after every step and
 * {@link #onEpochEnd}, and last {@link #onTrainEnd} (or {@link #onInterrupt} when training is interrupted).
 *
 * <p>Listeners run on the thread that runs the fit (the driver, for a Spark fit), between steps.
 */
public interface TrainingListener {

    /**
     * Once, before {@link #onTrainBegin}, with the names every epoch's logs will have ({@code loss}, the compiled
     * metrics, their {@code val_} twins when there is validation data, {@code lr}): a listener that watches a log
     * refuses one the fit will never produce here, before the first step, rather than after an epoch.
     *
     * @throws IllegalArgumentException naming the log and the logs there will be
     */
    default void checkLogs(Set<String> logs) {
    }

    /**
     * Once, before the first step. The loop handle stays valid until the fit returns: a listener may keep it to
     * read the model, take a {@link FitLoop#checkpoint()} later or {@link FitLoop#interrupt} training. Only here may
     * a listener {@link FitLoop#restore} a checkpoint.
     */
    default void onTrainBegin(FitLoop loop) {
    }

    /** Before the first step of an epoch (1-based), or before the first remaining step of a resumed one. */
    default void onEpochBegin(int epoch, int epochs, int steps) {
    }

    /**
     * {@link #onEpochBegin(int, int, int)} with the steps already done: 0, or for an epoch resumed from a
     * checkpoint the steps it had done before (the next step is {@code stepsDone + 1}). The loop calls this one.
     */
    default void onEpochBegin(int epoch, int epochs, int steps, int stepsDone) {
        onEpochBegin(epoch, epochs, steps);
    }

    /**
     * After each step, with the epoch's running means so far ({@code loss}, metrics) and the seconds since the
     * epoch began.
     */
    default void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
    }

    /** After an epoch's steps and its validation. */
    default void onEpochEnd(EpochLogs logs) {
    }

    /** After the last epoch, when the fit returns normally. */
    default void onTrainEnd(History history) {
    }

    /**
     * When {@link FitLoop#interrupt} stopped training between two steps, before the fit throws
     * {@link TrainingInterruptedException}: the loop's state is consistent, so a checkpoint taken now resumes
     * exactly.
     */
    default void onInterrupt(FitLoop loop) {
    }

    /**
     * What this listener must remember across a resumed fit (e.g. an early-stopping counter), stored in every
     * checkpoint; null (the default) for nothing.
     */
    default JsonNode checkpointState() {
        return null;
    }

    /** Restores what {@link #checkpointState} returned when the checkpoint was taken. */
    default void restoreCheckpointState(JsonNode state) {
    }
}
