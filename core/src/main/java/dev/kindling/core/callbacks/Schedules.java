// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

/**
 * Learning-rate schedules by epoch for {@link LearningRateScheduler}, with Keras's formulas (which Keras applies per
 * step; here the step is an epoch). {@code e} is the 0-based epoch index.
 */
public final class Schedules {
    private Schedules() {
    }

    /** {@code initial * factor^floor(e / every)}: e.g. halve every 10 epochs. */
    public static LearningRateScheduler.Schedule step(double initial, int every, double factor) {
        positive("initial", initial);
        if (every < 1) {
            throw new IllegalArgumentException("step schedule: every must be >= 1 epoch, got " + every);
        }
        positive("factor", factor);
        return (e, lr) -> initial * Math.pow(factor, Math.floor((double) e / every));
    }

    /** Keras's {@code ExponentialDecay}: {@code initial * rate^(e / decayEpochs)}. */
    public static LearningRateScheduler.Schedule exponential(double initial, double decayEpochs, double rate) {
        positive("initial", initial);
        positive("decay epochs", decayEpochs);
        positive("rate", rate);
        return (e, lr) -> initial * Math.pow(rate, e / decayEpochs);
    }

    /**
     * Keras's {@code CosineDecay}: {@code initial * ((1 - alpha) * (1 + cos(pi * min(e, epochs) / epochs)) / 2 +
     * alpha)}, from {@code initial} down to {@code alpha * initial} at epoch index {@code epochs}.
     */
    public static LearningRateScheduler.Schedule cosine(double initial, int epochs, double alpha) {
        positive("initial", initial);
        if (epochs < 1) {
            throw new IllegalArgumentException("cosine schedule: epochs must be >= 1, got " + epochs);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("cosine schedule: alpha must be in [0, 1], got " + alpha);
        }
        return (e, lr) -> {
            double cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(e, epochs) / epochs));
            return initial * ((1 - alpha) * cosine + alpha);
        };
    }

    private static void positive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("schedule: " + what + " must be a finite number > 0, got " + v);
        }
    }
}
