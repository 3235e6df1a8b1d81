// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.TrainingListener;
import java.util.function.Function;

/**
 * Keras's {@code LearningRateScheduler}: before each epoch, sets the learning rate to
 * {@code schedule.rate(epochIndex, currentRate)}, with Keras's 0-based epoch index. Common schedules are in
 * {@link Schedules}.
 * <pre>{@code
 * new LearningRateScheduler(Schedules.cosine(0.001, 30, 0.0))
 * new LearningRateScheduler((epoch, lr) -> epoch < 10 ? lr : lr * Math.exp(-0.1))
 * }</pre>
 */
public final class LearningRateScheduler implements TrainingListener {

    /** A learning rate for an epoch: Keras's {@code schedule(epoch, lr)}. */
    @FunctionalInterface
    public interface Schedule extends java.io.Serializable {
        /**
         * @param epochIndex the epoch about to run, 0-based as in Keras
         * @param current    the learning rate in force
         */
        double rate(int epochIndex, double current);
    }

    private final Schedule schedule;
    private FitLoop loop;

    public LearningRateScheduler(Schedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("LearningRateScheduler: a schedule is needed");
        }
        this.schedule = schedule;
    }

    @Override
    public void onTrainBegin(FitLoop fit) {
        loop = fit;
    }

    @Override
    public void onEpochBegin(int epoch, int epochs, int steps) {
        double rate = schedule.rate(epoch - 1, loop.learningRate());
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("LearningRateScheduler: the schedule gave " + rate + " for epoch index "
                    + (epoch - 1) + ", expected a finite rate > 0");
        }
        loop.setLearningRate(rate);
    }

    /**
     * The job file's {@code {type = learning_rate_scheduler, schedule = ..., initial = ...}}: {@code schedule} is
     * {@code step} (initial, every, factor), {@code exponential} (initial, decay-epochs, rate) or {@code cosine}
     * (initial, epochs, alpha = 0), as in {@link Schedules}.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Config(String schedule, Double initial, Integer every, Double factor, Double decayEpochs,
                         Double rate, Integer epochs, Double alpha) implements CallbackConfig {
        @Override
        public LearningRateScheduler build(Function<String, FileStore> storeAt) {
            if (schedule == null || initial == null) {
                throw new IllegalArgumentException("a learning_rate_scheduler needs schedule (step, exponential or"
                        + " cosine) and initial (the first epoch's rate)");
            }
            return new LearningRateScheduler(switch (schedule.toLowerCase(java.util.Locale.ROOT)) {
                case "step" -> Schedules.step(initial, required(every, "every"), required(factor, "factor"));
                case "exponential" -> Schedules.exponential(initial, required(decayEpochs, "decay-epochs"),
                        required(rate, "rate"));
                case "cosine" -> Schedules.cosine(initial, required(epochs, "epochs"), alpha == null ? 0 : alpha);
                default -> throw new IllegalArgumentException("unknown schedule '" + schedule
                        + "', expected step, exponential or cosine");
            });
        }

        private <T> T required(T value, String key) {
            if (value == null) {
                throw new IllegalArgumentException("the " + schedule + " schedule needs " + key);
            }
            return value;
        }
    }
}
