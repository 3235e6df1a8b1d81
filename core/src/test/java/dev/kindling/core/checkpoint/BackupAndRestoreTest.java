// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.CheckpointException;
import dev.kindling.core.model.CheckpointMismatchException;
import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.model.TrainingInterruptedException;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Killed-and-resumed equals uninterrupted, in one JVM: a fit stopped at any step (by a crash, which leaves only the
 * periodic checkpoints, or by an interrupt, which checkpoints where it stops) and resumed from its checkpoints ends
 * with bit-identical weights, optimizer state and history.
 */
class BackupAndRestoreTest {
    private static final int ROWS = 203;
    private static final int BATCH = 16;   // 11 steps per epoch (162 training rows), the last one smaller
    private static final int STEPS = 11;
    private static final int EPOCHS = 4;

    @TempDir
    Path dir;

    /** Dropout (randomness per step and sample), Adam (two slots and a step count), validation: all must resume. */
    private static Sequential model() {
        Sequential model = new Sequential(new Dense(12, Activation.RELU, 4), new Dropout(0.3),
                new Dense(3, Activation.SOFTMAX)).seed(3);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static Tensor[] data() {
        Random rng = new Random(5);
        float[] x = new float[ROWS * 4];
        float[] y = new float[ROWS * 3];
        for (int i = 0; i < ROWS; i++) {
            int c = rng.nextInt(3);
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) ((j == c ? 1.5 : 0.0) + 0.8 * rng.nextGaussian());
            }
            y[i * 3 + c] = 1f;
        }
        return new Tensor[] {Tensor.of(x, ROWS, 4), Tensor.of(y, ROWS, 3)};
    }

    private static FitOptions options(TrainingListener... listeners) {
        return FitOptions.builder().epochs(EPOCHS).batchSize(BATCH).validationSplit(0.2).seed(9).listeners(listeners)
                .build();
    }

    private BackupAndRestore.Builder backup() {
        return BackupAndRestore.to(FileStore.local(dir)).everySteps(5).everyEpochs(1).keep(2);
    }

    /** Throws at the end of global step {@code at} (1-based), as if the JVM died there. */
    private static final class CrashAt implements TrainingListener {
        private final int at;
        private int steps;

        CrashAt(int at) {
            this.at = at;
        }

        @Override
        public void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
            if (++steps == at) {
                throw new IllegalStateException("crash at step " + at);
            }
        }
    }

    /** Interrupts training at the end of global step {@code at}, as SIGTERM would. */
    private static final class InterruptAt implements TrainingListener {
        private final int at;
        private FitLoop loop;
        private int steps;

        InterruptAt(int at) {
            this.at = at;
        }

        @Override
        public void onTrainBegin(FitLoop fit) {
            loop = fit;
        }

        @Override
        public void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
            if (++steps == at) {
                loop.interrupt("test");
            }
        }
    }

    private record Run(Tensor weights, Tensor[] slots, long iterations, History history) {
        static Run of(Sequential model, History history) {
            return new Run(model.weights(), model.optimizerState().slots().toArray(new Tensor[0]),
                    model.optimizerState().iterations(), history);
        }

        void assertSameAs(Run other) {
            assertArrayEquals(other.weights.toFloatArray(), weights.toFloatArray(), "weights bit for bit");
            for (int i = 0; i < slots.length; i++) {
                assertArrayEquals(other.slots[i].toFloatArray(), slots[i].toFloatArray(), "optimizer slot " + i);
            }
            assertEquals(other.iterations, iterations);
            assertEquals(other.history.asMap(), history.asMap(), "history");
        }
    }

    private static Run uninterrupted() {
        Tensor[] d = data();
        Sequential model = model();
        History history = model.fit(d[0], d[1], options());
        return Run.of(model, history);
    }

    /** Steps 1..44 in all; crashes inside an epoch, at its last step, and right after a periodic checkpoint. */
    @ParameterizedTest
    @ValueSource(ints = {1, 4, 5, 11, 12, 23, 35, 44})
    void crashedAnywhereAndResumedEqualsUninterrupted(int crashAt) {
        Run expected = uninterrupted();
        Tensor[] d = data();
        assertThrows(IllegalStateException.class,
                () -> model().fit(d[0], d[1], options(backup().build(), new CrashAt(crashAt))));
        Sequential resumed = model();
        History history = resumed.fit(d[0], d[1], options(backup().build()));
        Run.of(resumed, history).assertSameAs(expected);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 11, 22, 27})
    void interruptedCheckpointsWhereItStops(int at) throws IOException {
        Run expected = uninterrupted();
        Tensor[] d = data();
        BackupAndRestore backup = backup().everySteps(0).everyEpochs(0).build();   // only the interrupt's own
        TrainingInterruptedException e = assertThrows(TrainingInterruptedException.class,
                () -> model().fit(d[0], d[1], options(backup, new InterruptAt(at))));
        assertEquals(1 + (at - 1) / STEPS, e.epoch());
        assertEquals(List.of(BackupAndRestore.name(e.epoch(), e.stepsDone())), names());
        Sequential resumed = model();
        History history = resumed.fit(d[0], d[1], options(backup().build()));
        Run.of(resumed, history).assertSameAs(expected);
    }

    @Test
    void keepsTheNewestCheckpointsOnly() throws IOException {
        Tensor[] d = data();
        model().fit(d[0], d[1], options(backup().build()));
        assertEquals(List.of(BackupAndRestore.name(4, 7), BackupAndRestore.name(5, 0)), names());   // step 40, epoch 4's end
    }

    @Test
    void aTornCheckpointIsSkippedForThePreviousOne() throws IOException {
        Run expected = uninterrupted();
        Tensor[] d = data();
        assertThrows(IllegalStateException.class,
                () -> model().fit(d[0], d[1], options(backup().build(), new CrashAt(31))));
        List<String> names = names();
        Path newest = dir.resolve(names.get(names.size() - 1));
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 2));   // a write that stopped half way

        List<String> messages = new ArrayList<>();
        Sequential resumed = model();
        History history = resumed.fit(d[0], d[1], options(backup().messages(messages::add).build()));
        Run.of(resumed, history).assertSameAs(expected);
        assertTrue(messages.get(0).startsWith("warning: skipping checkpoint " + newest), messages.toString());
        assertTrue(messages.get(1).startsWith("resumed from " + dir.resolve(names.get(0))), messages.toString());
    }

    /** The app passes its standard output as the sink, and the log goes to the same terminal: one line, not two. */
    @Test
    void resumedFromIsPrintedOnceWhenASinkIsGiven() throws IOException {
        Tensor[] d = data();
        assertThrows(IllegalStateException.class,
                () -> model().fit(d[0], d[1], options(backup().build(), new CrashAt(31))));
        List<String> messages = new ArrayList<>();
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));   // slf4j-simple's
        try {
            model().fit(d[0], d[1], options(backup().messages(messages::add).build()));
        } finally {
            System.setErr(stderr);
        }
        assertEquals(1, messages.stream().filter(m -> m.startsWith("resumed from ")).count(), messages.toString());
        assertFalse(log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("resumed from"), log::toString);
    }

    /** The resumed epoch's progress starts at the step after the checkpoint and says it was resumed. */
    @Test
    void theResumedEpochsProgressShowsTheRemainingSteps() {
        Tensor[] d = data();
        // Checkpoints every 5 steps: a crash at global step 31 (epoch 3, step 9) resumes after epoch 3's step 8.
        assertThrows(IllegalStateException.class,
                () -> model().fit(d[0], d[1], options(backup().build(), new CrashAt(31))));
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8);
        model().fit(d[0], d[1], options(backup().build(), new dev.kindling.core.model.ProgressPrinter(out, 0)));
        List<String> lines = printed.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals("Epoch 3/4 (resumed after step 8/11)", lines.get(0), lines::toString);
        assertTrue(lines.get(1).startsWith("9/11 - "), lines::toString);
        assertTrue(lines.get(2).startsWith("10/11 - "), lines::toString);
        assertTrue(lines.get(3).startsWith("11/11 - "), lines::toString);
        assertEquals("Epoch 4/4", lines.get(4), lines::toString);
        assertTrue(lines.get(5).startsWith("1/11 - "), lines::toString);
    }

    @Test
    void aCheckpointOfAnotherFitIsRefusedAndNothingChanges() throws IOException {
        Tensor[] d = data();
        assertThrows(IllegalStateException.class,
                () -> model().fit(d[0], d[1], options(backup().build(), new CrashAt(20))));
        Map<String, FileTime> before = times();

        Sequential other = model();
        Tensor initial = other.weights();
        FitOptions otherBatch = FitOptions.builder().epochs(EPOCHS).batchSize(32).validationSplit(0.2).seed(9)
                .listeners(backup().build()).build();
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> other.fit(d[0], d[1], otherBatch));
        assertTrue(e.getMessage().contains("batch size: 16 in the checkpoint, 32 now"), e.getMessage());
        assertArrayEquals(initial.toFloatArray(), other.weights().toFloatArray(), "weights untouched");
        assertEquals(before, times(), "checkpoints untouched");

        Sequential wider = new Sequential(new Dense(13, Activation.RELU, 4), new Dropout(0.3),
                new Dense(3, Activation.SOFTMAX)).seed(3);
        wider.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        e = assertThrows(CheckpointMismatchException.class, () -> wider.fit(d[0], d[1], options(backup().build())));
        assertTrue(e.getMessage().contains("model (layers, input width, dtype)"), e.getMessage());

        Sequential sgd = model();
        sgd.compile(Optimizer.sgd(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        e = assertThrows(CheckpointMismatchException.class, () -> sgd.fit(d[0], d[1], options(backup().build())));
        assertTrue(e.getMessage().contains("optimizer: {name=adam"), e.getMessage());

        Tensor[] fewer = {d[0].slice(0, 0, 180), d[1].slice(0, 0, 180)};
        e = assertThrows(CheckpointMismatchException.class,
                () -> model().fit(fewer[0], fewer[1], options(backup().build())));
        assertTrue(e.getMessage().contains("training rows: 162 in the checkpoint, 144 now"), e.getMessage());
        assertEquals(before, times(), "checkpoints untouched");
    }

    @Test
    void freshRunsRefuseAFolderOfAnotherRunsCheckpoints() throws IOException {
        Tensor[] d = data();
        model().fit(d[0], d[1], options(backup().build()));
        Map<String, FileTime> before = times();
        CheckpointException e = assertThrows(CheckpointException.class, () -> model().fit(d[0], d[1],
                options(backup().resume(BackupAndRestore.Resume.NEVER).build())));
        assertTrue(e.getMessage().contains("already holds 2 checkpoint(s) of an earlier run"), e.getMessage());
        assertEquals(before, times());
    }

    @Test
    void resumeRequiredFailsWithoutCheckpoints() {
        Tensor[] d = data();
        CheckpointException e = assertThrows(CheckpointException.class, () -> model().fit(d[0], d[1],
                options(backup().resume(BackupAndRestore.Resume.REQUIRED).build())));
        assertTrue(e.getMessage().startsWith("no checkpoint to resume from in " + dir), e.getMessage());
    }

    @Test
    void aChangedLearningRateIsCheckpointedToo() {
        Tensor[] d = data();
        TrainingListener halve = new TrainingListener() {
            private FitLoop loop;

            @Override
            public void onTrainBegin(FitLoop fit) {
                loop = fit;
            }

            @Override
            public void onEpochEnd(dev.kindling.core.model.EpochLogs logs) {
                loop.setLearningRate(loop.learningRate() / 2);
            }
        };
        Sequential straight = model();
        straight.fit(d[0], d[1], options(halve));
        assertThrows(IllegalStateException.class,
                () -> model().fit(d[0], d[1], options(halve, backup().build(), new CrashAt(33))));
        Sequential resumed = model();
        resumed.fit(d[0], d[1], options(halve, backup().build()));
        assertArrayEquals(straight.weights().toFloatArray(), resumed.weights().toFloatArray());
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private Map<String, FileTime> times() throws IOException {
        Map<String, FileTime> times = new java.util.TreeMap<>();
        for (String n : names()) {
            times.put(n, Files.getLastModifiedTime(dir.resolve(n)));
        }
        return times;
    }
}
