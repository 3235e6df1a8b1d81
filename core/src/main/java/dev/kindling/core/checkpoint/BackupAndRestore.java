// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.checkpoint;

import dev.kindling.core.io.FileStore;
import dev.kindling.core.model.Checkpoint;
import dev.kindling.core.model.CheckpointException;
import dev.kindling.core.model.EpochLogs;
import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.History;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.model.TrainingListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras's {@code BackupAndRestore}: checkpoints a fit to a {@link FileStore} and resumes it exactly. In order
 * of use:
 * <pre>{@code
 * BackupAndRestore backup = BackupAndRestore.to(FileStore.local(Path.of("ckpt")))
 *         .everyEpochs(1).everySteps(100).keep(3).build();
 * model.fit(x, y, FitOptions.builder().epochs(5).batchSize(128).listeners(new ProgressPrinter(System.out), backup)
 *         .build());      // killed at epoch 3? The same call again continues from the newest checkpoint
 * }</pre>
 *
 * <p>A checkpoint is written every {@code everySteps} optimizer steps, at the end of every {@code everyEpochs}-th
 * epoch, when training is interrupted ({@code FitLoop.interrupt}, e.g. on SIGTERM) and when it ends. Files are named
 * {@code checkpoint-e<epoch>-s<step>.kindling}, so the newest sorts last; only the newest {@code keep} are kept.
 * When training begins, the newest checkpoint that reads back whole is restored (a torn or corrupt file is skipped
 * with a warning, in favour of the previous one); one made by a different model, optimizer, data set, batch size or
 * seed is refused naming what differs, and nothing is changed.
 */
public final class BackupAndRestore implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(BackupAndRestore.class);
    private static final Pattern NAME = Pattern.compile("checkpoint-e\\d{6}-s\\d{7}\\.kindling");

    /** What to do with checkpoints found when training begins. */
    public enum Resume {
        /** Restore the newest if there is one, else start fresh (Keras's behaviour). */
        IF_PRESENT,
        /** Restore the newest; fail if there is none ({@code train --resume}). */
        REQUIRED,
        /** Start fresh; fail if the store already holds checkpoints, so that none of another run is mixed in. */
        NEVER
    }

    private final FileStore store;
    private final int everySteps;
    private final int everyEpochs;
    private final int keep;
    private final Resume resume;
    private final Consumer<String> messages;
    /** Whether {@link Builder#messages} was called: then info lines go there, not to the log as well. */
    private final boolean messagesGiven;
    private FitLoop loop;
    private String lastSaved;

    private BackupAndRestore(Builder b) {
        this.store = b.store;
        this.everySteps = b.everySteps;
        this.everyEpochs = b.everyEpochs;
        this.keep = b.keep;
        this.resume = b.resume;
        this.messages = b.messages;
        this.messagesGiven = b.messagesGiven;
    }

    /** Starts building a listener that checkpoints to {@code store} (by default every epoch, keeping 3). */
    public static Builder to(FileStore store) {
        return new Builder(store);
    }

    /** The file name of a checkpoint taken at this position. */
    static String name(int epoch, int stepsDone) {
        return String.format(Locale.ROOT, "checkpoint-e%06d-s%07d.kindling", epoch, stepsDone);
    }

    /**
     * Checks, before any work, that the store fits the resume mode: no checkpoints of another run for
     * {@link Resume#NEVER}, at least one file for {@link Resume#REQUIRED}. {@link #onTrainBegin} checks it again.
     *
     * @throws CheckpointException naming the store and what was found; nothing is changed
     */
    public void check() {
        List<String> names = checkpoints();
        if (resume == Resume.NEVER && !names.isEmpty()) {
            throw new CheckpointException(store + " already holds " + names.size() + " checkpoint(s) of an earlier run,"
                    + " the newest " + names.get(names.size() - 1) + ": resume from it, or checkpoint to another"
                    + " folder (nothing was changed)");
        }
        if (resume == Resume.REQUIRED && names.isEmpty()) {
            throw new CheckpointException("no checkpoint to resume from in " + store);
        }
    }

    @Override
    public void onTrainBegin(FitLoop fit) {
        this.loop = fit;
        this.lastSaved = null;
        check();
        if (resume == Resume.NEVER) {
            return;
        }
        List<String> names = checkpoints();
        for (int i = names.size() - 1; i >= 0; i--) {
            String name = names.get(i);
            Checkpoint checkpoint;
            try (InputStream in = store.open(name)) {
                checkpoint = Checkpoint.read(in, store.location(name));
            } catch (IOException e) {
                warn("skipping checkpoint " + store.location(name) + ", which does not read back whole (a torn write?): "
                        + e.getMessage());
                continue;
            }
            fit.restore(checkpoint, store.location(name));
            lastSaved = name;
            info("resumed from " + store.location(name) + ": " + checkpoint);
            return;
        }
        if (resume == Resume.REQUIRED) {
            throw new CheckpointException("no checkpoint to resume from in " + store + ": none of its "
                    + names.size() + " checkpoint file(s) reads back whole");
        }
    }

    @Override
    public void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
        if (everySteps > 0 && loop.model().optimizerState().iterations() % everySteps == 0) {
            save();
        }
    }

    @Override
    public void onEpochEnd(EpochLogs logs) {
        if (everyEpochs > 0 && logs.epoch() % everyEpochs == 0) {
            save();
        }
    }

    @Override
    public void onInterrupt(FitLoop fit) {
        save();
    }

    @Override
    public void onTrainEnd(History history) {
        save();
    }

    /** Writes a checkpoint of the loop's current position (unless that one was just written), then prunes. */
    private void save() {
        String name = name(loop.epoch(), loop.stepsDone());
        if (name.equals(lastSaved)) {
            return;
        }
        Checkpoint checkpoint = loop.checkpoint();
        try {
            store.write(name, checkpoint::write);
            lastSaved = name;
            List<String> names = checkpoints();
            for (int i = 0; i < names.size() - keep; i++) {
                store.delete(names.get(i));
            }
        } catch (IOException e) {
            String where = store.location(name);
            String detail = String.valueOf(e.getMessage());
            // A store's error may already lead with the location (HadoopFiles names it): not twice.
            throw new UncheckedIOException("could not write checkpoint "
                    + (detail.startsWith(where) ? detail : where + ": " + detail), e);
        }
    }

    /** This listener's checkpoint files, oldest first. */
    private List<String> checkpoints() {
        try {
            List<String> names = new ArrayList<>();
            for (String n : store.list()) {
                if (NAME.matcher(n).matches()) {
                    names.add(n);
                }
            }
            names.sort(Comparator.naturalOrder());
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("could not list checkpoints in " + store + ": " + e.getMessage(), e);
        }
    }

    /** To the log, or when a sink was given (the progress output, which the log usually shares) to it alone. */
    private void info(String message) {
        if (messagesGiven) {
            LOG.debug(message);
        } else {
            LOG.info(message);
        }
        messages.accept(message);
    }

    private void warn(String message) {
        LOG.warn(message);
        messages.accept("warning: " + message);
    }

    /** Settings of {@link BackupAndRestore}; defaults: every epoch, no step interval, keep 3, resume if present. */
    public static final class Builder {
        private final FileStore store;
        private int everySteps = 0;
        private int everyEpochs = 1;
        private int keep = 3;
        private Resume resume = Resume.IF_PRESENT;
        private Consumer<String> messages = m -> { };
        private boolean messagesGiven;

        private Builder(FileStore store) {
            if (store == null) {
                throw new IllegalArgumentException("a checkpoint store is needed");
            }
            this.store = store;
        }

        /** A checkpoint every {@code n} optimizer steps (0: none by steps). */
        public Builder everySteps(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("every-steps must be >= 0, got " + n);
            }
            this.everySteps = n;
            return this;
        }

        /** A checkpoint at the end of every {@code n}-th epoch (0: none by epochs). */
        public Builder everyEpochs(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("every-epochs must be >= 0, got " + n);
            }
            this.everyEpochs = n;
            return this;
        }

        /** How many of the newest checkpoints to keep (at least 1). */
        public Builder keep(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("keep must be >= 1, got " + n);
            }
            this.keep = n;
            return this;
        }

        public Builder resume(Resume mode) {
            this.resume = mode;
            return this;
        }

        /** Also sends "resumed from ..." and warnings to {@code sink} (the progress output, say). */
        public Builder messages(Consumer<String> sink) {
            this.messages = sink;
            this.messagesGiven = true;
            return this;
        }

        public BackupAndRestore build() {
            return new BackupAndRestore(this);
        }
    }
}
