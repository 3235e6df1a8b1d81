package dev.kindling.app.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.kindling.core.callbacks.CSVLogger;
import dev.kindling.core.callbacks.EarlyStopping;
import dev.kindling.core.callbacks.LearningRateScheduler;
import dev.kindling.core.callbacks.Mode;
import dev.kindling.core.callbacks.ModelCheckpoint;
import dev.kindling.core.callbacks.ReduceLROnPlateau;
import dev.kindling.core.callbacks.Schedules;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.spark.io.HadoopFileStore;
import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * One entry of {@code fit.callbacks}: Keras's callbacks with Keras's parameter names (in the job file's kebab case),
 * bound by Jackson from the HOCON object. Unset parameters take Keras's defaults, as the core's builders do.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = CallbackSpec.EarlyStoppingSpec.class, name = "early-stopping"),
    @JsonSubTypes.Type(value = CallbackSpec.ReduceLrOnPlateauSpec.class, name = "reduce-lr-on-plateau"),
    @JsonSubTypes.Type(value = CallbackSpec.SchedulerSpec.class, name = "learning-rate-scheduler"),
    @JsonSubTypes.Type(value = CallbackSpec.ModelCheckpointSpec.class, name = "model-checkpoint"),
    @JsonSubTypes.Type(value = CallbackSpec.CsvLoggerSpec.class, name = "csv-logger")
})
public sealed interface CallbackSpec {

    /** The callback, writing (for those that write) through Hadoop's file systems. */
    TrainingListener build(Configuration hadoop) throws IOException;

    private static Mode modeOf(String mode) {
        return mode == null ? Mode.AUTO : Mode.valueOf(mode.toUpperCase(Locale.ROOT));
    }

    record EarlyStoppingSpec(String monitor, String mode, Double minDelta, Integer patience,
                             Boolean restoreBestWeights) implements CallbackSpec {
        @Override
        public TrainingListener build(Configuration hadoop) {
            return EarlyStopping.on(monitor == null ? "val_loss" : monitor).mode(modeOf(mode))
                    .minDelta(minDelta == null ? 0 : minDelta).patience(patience == null ? 0 : patience)
                    .restoreBestWeights(restoreBestWeights != null && restoreBestWeights).build();
        }
    }

    record ReduceLrOnPlateauSpec(String monitor, String mode, Double factor, Integer patience, Double minDelta,
                                 Integer cooldown, Double minLr) implements CallbackSpec {
        @Override
        public TrainingListener build(Configuration hadoop) {
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
    record SchedulerSpec(String schedule, Double initial, Integer every, Double factor, Double decayEpochs,
                         Double rate, Integer epochs, Double alpha) implements CallbackSpec {
        @Override
        public TrainingListener build(Configuration hadoop) {
            if (schedule == null || initial == null) {
                throw new IllegalArgumentException("a learning-rate-scheduler needs schedule (step, exponential or"
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
    record ModelCheckpointSpec(String path, String monitor, String mode, Boolean saveBestOnly) implements CallbackSpec {
        @Override
        public TrainingListener build(Configuration hadoop) throws IOException {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("a model-checkpoint needs path, e.g. \"out/models/m-{epoch:02d}"
                        + ".kindling\"");
            }
            Path p = new Path(path);
            return ModelCheckpoint.to(HadoopFileStore.at(hadoop, p.getParent() == null ? "." : p.getParent().toString()),
                    p.getName()).monitor(monitor == null ? "val_loss" : monitor).mode(modeOf(mode))
                    .saveBestOnly(saveBestOnly != null && saveBestOnly).build();
        }
    }

    record CsvLoggerSpec(String path, String separator) implements CallbackSpec {
        @Override
        public TrainingListener build(Configuration hadoop) throws IOException {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("a csv-logger needs path, e.g. \"out/training.csv\"");
            }
            Path p = new Path(path);
            return new CSVLogger(HadoopFileStore.at(hadoop, p.getParent() == null ? "." : p.getParent().toString()),
                    p.getName(), separator == null ? "," : separator);
        }
    }
}
