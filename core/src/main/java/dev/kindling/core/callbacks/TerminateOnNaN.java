// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import dev.kindling.core.io.FileStore;
import dev.kindling.core.model.EpochLogs;
import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.TrainingListener;
import java.util.Map;
import java.util.function.Function;

/**
 * Keras's {@code TerminateOnNaN}: stops training at the end of an epoch whose logs hold a NaN or infinite value,
 * keeping the epochs before (the history, the written outputs) instead of training on. The loop itself already
 * refuses a step whose training loss is not finite (a {@code TrainingDivergedException}, before the update); this
 * callback covers the epoch's other logs, a validation loss or metric that overflowed say.
 * <pre>{@code
 * model.fit(x, y, FitOptions.builder().validationSplit(0.2).listeners(new TerminateOnNaN()).build());
 * }</pre>
 */
public final class TerminateOnNaN implements TrainingListener {
    private FitLoop loop;
    private String stoppedOn;

    @Override
    public void onTrainBegin(FitLoop fit) {
        loop = fit;
        stoppedOn = null;
    }

    @Override
    public void onEpochEnd(EpochLogs logs) {
        for (Map.Entry<String, Double> log : logs.values().entrySet()) {
            if (!Double.isFinite(log.getValue())) {
                stoppedOn = "epoch " + logs.epoch() + ": " + log.getKey() + " = " + log.getValue();
                loop.stopTraining();
                return;
            }
        }
    }

    /** The epoch and log that stopped training ({@code "epoch 2: val_loss = NaN"}), or null. */
    public String stoppedOn() {
        return stoppedOn;
    }

    /** The job file's {@code {type = terminate_on_nan}}: it takes no parameters. */
    public record Config() implements CallbackConfig {
        @Override
        public TerminateOnNaN build(Function<String, FileStore> storeAt) {
            return new TerminateOnNaN();
        }
    }
}
