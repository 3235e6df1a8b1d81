// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.model.EpochLogs;
import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.TrainingListener;
import java.util.function.Function;

/**
 * Keras's {@code ReduceLROnPlateau}: when the monitored quantity has not improved by more than {@code minDelta} for
 * {@code patience} epochs, multiplies the learning rate by {@code factor} (not below {@code minLr}), then waits
 * {@code cooldown} epochs before watching again. The new rate applies from the next epoch; the history's {@code lr}
 * shows the rate each epoch used.
 * <pre>{@code
 * ReduceLROnPlateau plateau = ReduceLROnPlateau.on("val_loss").factor(0.5).patience(2).build();
 * }</pre>
 */
public final class ReduceLROnPlateau implements TrainingListener {
    private final Monitor monitor;
    private final double factor;
    private final int patience;
    private final int cooldown;
    private final double minLr;
    private FitLoop loop;
    private int wait;
    private int cooldownCounter;
    private double best;

    private ReduceLROnPlateau(Builder b) {
        if (!(b.factor > 0 && b.factor < 1)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in (0, 1), got " + b.factor);
        }
        if (b.patience < 0 || b.cooldown < 0 || !(b.minLr >= 0)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: patience, cooldown and min_lr must be >= 0, got "
                    + b.patience + ", " + b.cooldown + ", " + b.minLr);
        }
        this.monitor = new Monitor(b.monitor, b.mode, b.minDelta);
        this.factor = b.factor;
        this.patience = b.patience;
        this.cooldown = b.cooldown;
        this.minLr = b.minLr;
    }

    /** Starts building one that watches {@code monitor} (Keras's default: {@code val_loss}). */
    public static Builder on(String monitor) {
        return new Builder(monitor);
    }

    @Override
    public void checkLogs(java.util.Set<String> logs) {
        monitor.check(logs, "ReduceLROnPlateau");
    }

    @Override
    public void onTrainBegin(FitLoop fit) {
        loop = fit;
        wait = 0;
        cooldownCounter = 0;
        best = monitor.worst();
    }

    @Override
    public void onEpochEnd(EpochLogs logs) {
        Double current = monitor.in(logs.values(), "ReduceLROnPlateau");
        if (current == null) {
            return;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            wait = 0;
        }
        if (monitor.improves(current, best)) {
            best = current;
            wait = 0;
        } else if (cooldownCounter == 0) {
            wait++;
            if (wait >= patience) {
                double old = loop.learningRate();
                if (old > minLr) {
                    loop.setLearningRate(Math.max(old * factor, minLr));
                    cooldownCounter = cooldown;
                    wait = 0;
                }
            }
        }
    }

    @Override
    public JsonNode checkpointState() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("wait", wait);
        s.put("cooldownCounter", cooldownCounter);
        s.put("best", best);
        return s;
    }

    @Override
    public void restoreCheckpointState(JsonNode state) {
        wait = state.path("wait").asInt();
        cooldownCounter = state.path("cooldownCounter").asInt();
        best = state.path("best").asDouble();
    }

    /** Keras's defaults: factor 0.1, patience 10, mode auto, min_delta 1e-4, cooldown 0, min_lr 0. */
    public static final class Builder {
        private final String monitor;
        private Mode mode = Mode.AUTO;
        private double factor = 0.1;
        private int patience = 10;
        private double minDelta = 1e-4;
        private int cooldown = 0;
        private double minLr = 0;

        private Builder(String monitor) {
            this.monitor = monitor;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        public Builder factor(double factor) {
            this.factor = factor;
            return this;
        }

        public Builder patience(int patience) {
            this.patience = patience;
            return this;
        }

        public Builder minDelta(double minDelta) {
            this.minDelta = minDelta;
            return this;
        }

        public Builder cooldown(int cooldown) {
            this.cooldown = cooldown;
            return this;
        }

        public Builder minLr(double minLr) {
            this.minLr = minLr;
            return this;
        }

        public ReduceLROnPlateau build() {
            return new ReduceLROnPlateau(this);
        }
    }

    /** The job file's {@code {type = reduce_lr_on_plateau, ...}}: unset parameters take the builder's defaults. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Config(String monitor, Mode mode, Double factor, Integer patience, Double minDelta,
                         Integer cooldown, Double minLr) implements CallbackConfig {
        @Override
        public ReduceLROnPlateau build(Function<String, FileStore> storeAt) {
            Builder b = on(monitor == null ? Monitor.KERAS_DEFAULT : monitor);
            if (mode != null) {
                b.mode(mode);
            }
            if (factor != null) {
                b.factor(factor);
            }
            if (patience != null) {
                b.patience(patience);
            }
            if (minDelta != null) {
                b.minDelta(minDelta);
            }
            if (cooldown != null) {
                b.cooldown(cooldown);
            }
            if (minLr != null) {
                b.minLr(minLr);
            }
            return b.build();
        }
    }
}
