// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kindling.core.callbacks.CSVLogger;
import dev.kindling.core.callbacks.EarlyStopping;
import dev.kindling.core.callbacks.LearningRateScheduler;
import dev.kindling.core.callbacks.Mode;
import dev.kindling.core.callbacks.ModelCheckpoint;
import dev.kindling.core.callbacks.ReduceLROnPlateau;
import dev.kindling.core.callbacks.Schedules;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.model.TrainingListener;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;

/**
 * One entry of {@code fit.callbacks}: Keras's callbacks under R Keras's names ({@code callback_early_stopping} is
 * {@code {type = early_stopping, ...}}) with Keras's parameter names in the job file's kebab case
 * ({@code restore-best-weights}), bound by Jackson from the HOCON object. Unset parameters take Keras's defaults,
 * as the core's builders do.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = CallbackSpec.EarlyStoppingSpec.class, name = "early_stopping"),
    @JsonSubTypes.Type(value = CallbackSpec.ReduceLrOnPlateauSpec.class, name = "reduce_lr_on_plateau"),
    @JsonSubTypes.Type(value = CallbackSpec.SchedulerSpec.class, name = "learning_rate_scheduler"),
    @JsonSubTypes.Type(value = CallbackSpec.ModelCheckpointSpec.class, name = "model_checkpoint"),
    @JsonSubTypes.Type(value = CallbackSpec.CsvLoggerSpec.class, name = "csv_logger")
})
public sealed interface CallbackSpec {

    /** The {@code type} names, as in R Keras's {@code callback_*} functions. */
    List<String> TYPES = List.of("early_stopping", "reduce_lr_on_plateau", "learning_rate_scheduler",
            "model_checkpoint", "csv_logger");

    /**
     * The callback. Those that write get their folder from {@code storeAt} (a path or URI to a store); building
     * writes nothing, so the loader builds each one once to run the core's checks before Spark starts.
     *
     * @throws IllegalArgumentException for a parameter the core refuses, naming it
     */
    TrainingListener build(Function<String, FileStore> storeAt);

    private static Mode modeOf(String mode) {
        if (mode == null) {
            return Mode.AUTO;
        }
        for (Mode m : Mode.values()) {
            if (m.name().equalsIgnoreCase(mode)) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode must be auto, min or max, got '" + mode + "'");
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record EarlyStoppingSpec(String monitor, String mode, Double minDelta, Integer patience,
                             Boolean restoreBestWeights) implements CallbackSpec {
        @Override
        public TrainingListener build(Function<String, FileStore> storeAt) {
            return EarlyStopping.on(monitor == null ? "val_loss" : monitor).mode(modeOf(mode))
                    .minDelta(minDelta == null ? 0 : minDelta).patience(patience == null ? 0 : patience)
                    .restoreBestWeights(restoreBestWeights != null && restoreBestWeights).build();
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ReduceLrOnPlateauSpec(String monitor, String mode, Double factor, Integer patience, Double minDelta,
                                 Integer cooldown, Double minLr) implements CallbackSpec {
        @Override
        public TrainingListener build(Function<String, FileStore> storeAt) {
            ReduceLROnPlateau.Builder b = ReduceLROnPlateau.on(monitor == null ? "val_loss" : monitor).mode(modeOf(mode));
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

    /**
     * {@code schedule}: {@code step} (initial, every, factor), {@code exponential} (initial, decay-epochs, rate) or
     * {@code cosine} (initial, epochs, alpha).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record SchedulerSpec(String schedule, Double initial, Integer every, Double factor, Double decayEpochs,
                         Double rate, Integer epochs, Double alpha) implements CallbackSpec {
        @Override
        public TrainingListener build(Function<String, FileStore> storeAt) {
            if (schedule == null || initial == null) {
                throw new IllegalArgumentException("a learning_rate_scheduler needs schedule (step, exponential or"
                        + " cosine) and initial (the first epoch's rate)");
            }
            return new LearningRateScheduler(switch (schedule.toLowerCase(Locale.ROOT)) {
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

    /** {@code path}: a path or URI whose file name is the template, e.g. {@code hdfs:///models/m-{epoch:02d}.kindling}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ModelCheckpointSpec(String path, String monitor, String mode, Boolean saveBestOnly) implements CallbackSpec {
        @Override
        public TrainingListener build(Function<String, FileStore> storeAt) {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("a model_checkpoint needs path, e.g. \"out/models/m-{epoch:02d}"
                        + ".kindling\"");
            }
            Path p = new Path(path);
            return ModelCheckpoint.to(storeAt.apply(p.getParent() == null ? "." : p.getParent().toString()), p.getName()).monitor(monitor == null ? "val_loss" : monitor).mode(modeOf(mode))
                    .saveBestOnly(saveBestOnly != null && saveBestOnly).build();
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CsvLoggerSpec(String path, String separator) implements CallbackSpec {
        @Override
        public TrainingListener build(Function<String, FileStore> storeAt) {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("a csv_logger needs path, e.g. \"out/training.csv\"");
            }
            Path p = new Path(path);
            return new CSVLogger(storeAt.apply(p.getParent() == null ? "." : p.getParent().toString()), p.getName(),
                    separator == null ? "," : separator);
        }
    }
}
