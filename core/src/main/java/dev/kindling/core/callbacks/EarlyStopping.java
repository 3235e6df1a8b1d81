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
import dev.kindling.core.tensor.Tensor;
import java.util.function.Function;

/**
 * Keras's {@code EarlyStopping}: stops training when the monitored quantity has not improved by more than
 * {@code minDelta} for {@code patience} epochs, and optionally puts back the weights of the best epoch.
 * <pre>{@code
 * EarlyStopping stop = EarlyStopping.on("val_loss").patience(2).restoreBestWeights(true).build();
 * model.fit(x, y, FitOptions.builder().epochs(30).validationSplit(0.2).listeners(printer, stop).build());
 * stop.stoppedEpoch();   // 0 if it never stopped
 * }</pre>
 */
public final class EarlyStopping implements dev.kindling.core.model.TrainingListener {
    private final Monitor monitor;
    private final int patience;
    private final boolean restoreBestWeights;
    private FitLoop loop;
    private int wait;
    private double best;
    private int bestEpoch;
    private int stoppedEpoch;
    private Tensor bestWeights;

    private EarlyStopping(Monitor monitor, int patience, boolean restoreBestWeights) {
        if (patience < 0) {
            throw new IllegalArgumentException("EarlyStopping: patience must be >= 0, got " + patience);
        }
        this.monitor = monitor;
        this.patience = patience;
        this.restoreBestWeights = restoreBestWeights;
    }

    /** Starts building one that watches {@code monitor} (Keras's default: {@code val_loss}). */
    public static Builder on(String monitor) {
        return new Builder(monitor);
    }

    @Override
    public void checkLogs(java.util.Set<String> logs) {
        monitor.check(logs, "EarlyStopping");
    }

    @Override
    public void onTrainBegin(FitLoop fit) {
        loop = fit;
        wait = 0;
        best = monitor.worst();
        bestEpoch = 0;
        stoppedEpoch = 0;
        bestWeights = null;
    }

    @Override
    public void onEpochEnd(EpochLogs logs) {
        Double current = monitor.in(logs.values(), "EarlyStopping");
        if (current == null) {
            return;
        }
        if (monitor.improves(current, best)) {
            best = current;
            bestEpoch = logs.epoch();
            wait = 0;
            if (restoreBestWeights) {
                bestWeights = loop.model().weights();
            }
            return;
        }
        wait++;
        if (wait >= patience) {
            stoppedEpoch = logs.epoch();
            loop.stopTraining();
            if (restoreBestWeights && bestWeights != null) {
                loop.model().setWeights(bestWeights);
            }
        }
    }

    /** The epoch after which training stopped, or 0. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The epoch with the best monitored value so far (0 before the first). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The best monitored value so far. */
    public double best() {
        return best;
    }

    @Override
    public JsonNode checkpointState() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("wait", wait);
        s.put("best", best);
        s.put("bestEpoch", bestEpoch);
        s.put("stoppedEpoch", stoppedEpoch);
        if (bestWeights != null) {
            s.set("bestWeights", States.tensor(bestWeights));
        }
        return s;
    }

    @Override
    public void restoreCheckpointState(JsonNode state) {
        wait = state.path("wait").asInt();
        best = state.path("best").asDouble();
        bestEpoch = state.path("bestEpoch").asInt();
        stoppedEpoch = state.path("stoppedEpoch").asInt();
        bestWeights = state.has("bestWeights") ? States.tensor(state.get("bestWeights")) : null;
    }

    /** Keras's defaults: min_delta 0, patience 0, mode auto, no restoring. */
    public static final class Builder {
        private final String monitor;
        private Mode mode = Mode.AUTO;
        private double minDelta = 0;
        private int patience = 0;
        private boolean restoreBestWeights = false;

        private Builder(String monitor) {
            this.monitor = monitor;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** An improvement must be larger than this. */
        public Builder minDelta(double minDelta) {
            this.minDelta = minDelta;
            return this;
        }

        /** Epochs without improvement before stopping. */
        public Builder patience(int patience) {
            this.patience = patience;
            return this;
        }

        /** Puts back the best epoch's weights when it stops. */
        public Builder restoreBestWeights(boolean restore) {
            this.restoreBestWeights = restore;
            return this;
        }

        public EarlyStopping build() {
            return new EarlyStopping(new Monitor(monitor, mode, minDelta), patience, restoreBestWeights);
        }
    }

    /** The job file's {@code {type = early_stopping, ...}}: unset parameters take the builder's defaults. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Config(String monitor, Mode mode, Double minDelta, Integer patience, Boolean restoreBestWeights)
            implements CallbackConfig {
        @Override
        public EarlyStopping build(Function<String, FileStore> storeAt) {
            Builder b = on(monitor == null ? Monitor.KERAS_DEFAULT : monitor);
            if (mode != null) {
                b.mode(mode);
            }
            if (minDelta != null) {
                b.minDelta(minDelta);
            }
            if (patience != null) {
                b.patience(patience);
            }
            if (restoreBestWeights != null) {
                b.restoreBestWeights(restoreBestWeights);
            }
            return b.build();
        }
    }
}
