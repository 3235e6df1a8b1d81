package dev.kindling.core.model;

/** Told of training progress; the one hook for progress display, logging and metrics collection. */
public interface TrainingListener {

    /** Before the first step of an epoch (1-based). */
    default void onEpochBegin(int epoch, int epochs, int steps) {
    }

    /**
     * After each step, with the epoch's running means so far ({@code loss}, metrics) and the seconds since the
     * epoch began.
     */
    default void onBatchEnd(TrainingData.Step step, double elapsedSeconds, java.util.Map<String, Double> runningLogs) {
    }

    /** After an epoch's steps and its validation. */
    default void onEpochEnd(EpochLogs logs) {
    }
}
