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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keras's {@code ModelCheckpoint}: saves the model ({@code Sequential.save}'s file) at the end of every epoch, or
 * with {@code saveBestOnly} only when the monitored quantity improves. The file name is a template with Keras's
 * fields: {@code {epoch}} or {@code {epoch:02d}}, and any log as {@code {val_loss:.4f}}.
 * <pre>{@code
 * ModelCheckpoint.to(FileStore.local(Path.of("models")), "best-{epoch:02d}-{val_loss:.3f}.kindling")
 *         .monitor("val_loss").saveBestOnly(true).build()
 * }</pre>
 */
public final class ModelCheckpoint implements TrainingListener {
    private static final Pattern FIELD = Pattern.compile("\\{(\\w+)(?::([^}]*))?}");

    private final FileStore store;
    private final String template;
    private final Monitor monitor;
    private final boolean saveBestOnly;
    private FitLoop loop;
    private double best;
    private String lastSaved;

    private ModelCheckpoint(Builder b) {
        this.store = b.store;
        this.template = b.template;
        this.monitor = new Monitor(b.monitor, b.mode, 0);
        this.saveBestOnly = b.saveBestOnly;
        name(1, null);   // a bad format in the template fails here, not after the first epoch
    }

    /** Starts building one that saves to {@code store} under names made from {@code template}. */
    public static Builder to(FileStore store, String template) {
        return new Builder(store, template);
    }

    @Override
    public void checkLogs(java.util.Set<String> logs) {
        if (saveBestOnly) {
            monitor.check(logs, "ModelCheckpoint");
        }
        Matcher m = FIELD.matcher(template);
        while (m.find()) {
            if (!m.group(1).equals("epoch") && !logs.contains(m.group(1))) {
                throw new IllegalArgumentException("ModelCheckpoint: the name template '" + template + "' uses {"
                        + m.group(1) + "}, which is not epoch nor a log this fit will have"
                        + Monitor.willHave(m.group(1), logs));
            }
        }
    }

    @Override
    public void onTrainBegin(FitLoop fit) {
        loop = fit;
        best = monitor.worst();
    }

    @Override
    public void onEpochEnd(EpochLogs logs) {
        if (saveBestOnly) {
            Double current = monitor.in(logs.values(), "ModelCheckpoint");
            if (current == null || !monitor.improves(current, best)) {
                return;
            }
            best = current;
        }
        String name = name(logs.epoch(), logs.values());
        try {
            store.write(name, loop.model()::save);
            lastSaved = store.location(name);
        } catch (IOException e) {
            throw new UncheckedIOException("ModelCheckpoint: could not write " + store.location(name) + ": "
                    + e.getMessage(), e);
        }
    }

    /** Where the last model went, or null. */
    public String lastSaved() {
        return lastSaved;
    }

    /**
     * The template filled for one epoch: {@code {epoch}}, {@code {epoch:03d}}, {@code {val_loss:.4f}}. With
     * {@code logs} null, every log field is taken as 0 (to check the template's formats up front).
     */
    String name(int epoch, Map<String, Double> logs) {
        Matcher m = FIELD.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String field = m.group(1);
            String format = m.group(2);
            String value;
            if (field.equals("epoch")) {
                try {
                    value = format == null ? Integer.toString(epoch) : String.format(Locale.ROOT, "%" + format, epoch);
                } catch (java.util.IllegalFormatException e) {
                    throw new IllegalArgumentException("ModelCheckpoint: {epoch:" + format + "} in '" + template
                            + "' is not an integer format such as {epoch:02d}", e);
                }
            } else if (logs == null || logs.containsKey(field)) {
                double v = logs == null ? 0 : logs.get(field);
                try {
                    value = format == null ? Double.toString(v) : String.format(Locale.ROOT, "%" + format, v);
                } catch (java.util.IllegalFormatException e) {
                    throw new IllegalArgumentException("ModelCheckpoint: {" + field + ":" + format + "} in '" + template
                            + "' is not a number format such as {" + field + ":.4f}", e);
                }
            } else {
                throw new IllegalArgumentException("ModelCheckpoint: the name template '" + template + "' uses {"
                        + field + "}, which is not epoch nor in the epoch's logs " + logs.keySet());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    public JsonNode checkpointState() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("best", best);
        return s;
    }

    @Override
    public void restoreCheckpointState(JsonNode state) {
        best = state.path("best").asDouble();
    }

    /** Keras's defaults: monitor val_loss, mode auto, every epoch. */
    public static final class Builder {
        private final FileStore store;
        private final String template;
        private String monitor = Monitor.KERAS_DEFAULT;
        private Mode mode = Mode.AUTO;
        private boolean saveBestOnly;

        private Builder(FileStore store, String template) {
            if (store == null || template == null || template.isBlank()) {
                throw new IllegalArgumentException("ModelCheckpoint: a folder and a file name template are needed");
            }
            this.store = store;
            this.template = template;
        }

        public Builder monitor(String monitor) {
            this.monitor = monitor;
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Saves only when the monitored quantity improves on the best so far. */
        public Builder saveBestOnly(boolean saveBestOnly) {
            this.saveBestOnly = saveBestOnly;
            return this;
        }

        public ModelCheckpoint build() {
            return new ModelCheckpoint(this);
        }
    }

    /**
     * The job file's {@code {type = model_checkpoint, path = ...}}: {@code path} is a path or URI whose file name is
     * the template, e.g. {@code hdfs:///models/m-{epoch:02d}.kindling}; unset parameters take the builder's defaults.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Config(String path, String monitor, Mode mode, Boolean saveBestOnly) implements CallbackConfig {
        @Override
        public ModelCheckpoint build(Function<String, FileStore> storeAt) {
            String p = CallbackConfig.requirePath(path, "model_checkpoint", "out/models/m-{epoch:02d}.kindling");
            Builder b = to(storeAt.apply(CallbackConfig.folderOf(p)), CallbackConfig.fileOf(p));
            if (monitor != null) {
                b.monitor(monitor);
            }
            if (mode != null) {
                b.mode(mode);
            }
            if (saveBestOnly != null) {
                b.saveBestOnly(saveBestOnly);
            }
            return b.build();
        }
    }
}
