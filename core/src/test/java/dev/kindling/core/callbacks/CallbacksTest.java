// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.checkpoint.BackupAndRestore;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keras's callbacks on small fits: what each does, its golden numbers where they follow from a formula. */
class CallbacksTest {
    @TempDir
    Path dir;

    /** Noisy blobs that a wide model overfits: validation loss turns up after a few epochs. */
    private static Tensor[] data(int n, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * 4];
        float[] y = new float[n * 3];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) ((j == c ? 1.0 : 0.0) + 1.2 * rng.nextGaussian());
            }
            y[i * 3 + c] = 1f;
        }
        return new Tensor[] {Tensor.of(x, n, 4), Tensor.of(y, n, 3)};
    }

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(64, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX)).seed(1);
        model.compile(Optimizer.adam(0.03), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions options(int epochs, TrainingListener... listeners) {
        return FitOptions.builder().epochs(epochs).batchSize(16).validationSplit(0.2).seed(3).listeners(listeners)
                .build();
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndPutsBackTheBestEpochsWeights() {
        Tensor[] d = data(300, 1);
        EarlyStopping stop = EarlyStopping.on("val_loss").patience(2).restoreBestWeights(true).build();
        Sequential model = model();
        History history = model.fit(d[0], d[1], options(30, stop));
        List<Double> valLoss = history.get("val_loss");
        int best = 0;
        for (int e = 1; e < valLoss.size(); e++) {
            best = valLoss.get(e) < valLoss.get(best) ? e : best;
        }
        assertTrue(stop.stoppedEpoch() > 0 && stop.stoppedEpoch() < 30, "stopped at " + stop.stoppedEpoch());
        assertEquals(stop.stoppedEpoch(), history.epochs(), "the history ends where training stopped");
        assertEquals(best + 1, stop.bestEpoch());
        assertEquals(stop.bestEpoch() + 2, stop.stoppedEpoch(), "two epochs without improvement: patience 2");
        // The restored weights are the best epoch's: evaluating them on the validation rows gives its val_loss.
        Tensor valX = d[0].slice(0, 240, 300);
        Tensor valY = d[1].slice(0, 240, 300);
        assertEquals(valLoss.get(best), model.evaluate(valX, valY).loss(), 0.0);
    }

    /** A monitor the fit will never log is refused before the first step, naming the logs there will be. */
    @Test
    void aMonitorTheFitWillNotLogIsRefusedBeforeTheFirstStep() {
        Tensor[] d = data(100, 1);
        int[] steps = {0};
        TrainingListener counter = new TrainingListener() {
            @Override
            public void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
                steps[0]++;
            }
        };
        Sequential model = model();
        Tensor before = model.weights().copy();
        IllegalArgumentException oldName = assertThrows(IllegalArgumentException.class, () -> model.fit(d[0], d[1],
                options(3, counter, EarlyStopping.on("val_acc").build())));
        assertEquals("EarlyStopping: monitor 'val_acc' is not a log this fit will have; it will have loss, accuracy,"
                + " val_loss, val_accuracy, lr (did you mean 'val_accuracy'? 'val_acc' is Keras 2's old name)",
                oldName.getMessage());
        IllegalArgumentException noValidation = assertThrows(IllegalArgumentException.class, () -> model.fit(d[0],
                d[1], FitOptions.builder().epochs(3).batchSize(16).listeners(counter,
                        ReduceLROnPlateau.on("val_loss").build()).build()));
        assertEquals("ReduceLROnPlateau: monitor 'val_loss' is not a log this fit will have; it will have loss,"
                + " accuracy, lr (the fit has no validation data: give some, e.g. a validation split, or monitor"
                + " 'loss')", noValidation.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.fit(d[0], d[1], options(3, counter,
                ModelCheckpoint.to(FileStore.local(dir), "m-{val_los:.2f}.kindling").build())));
        assertEquals(0, steps[0], "no step taken");
        assertEquals(before, model.weights());
        assertEquals(0, model.epochsTrained());
    }

    @Test
    void reduceLrOnPlateauLowersTheRateAfterPatienceAndCooldown() {
        Tensor[] d = data(200, 2);
        // Training loss keeps falling, so in MAX mode it never improves after the first epoch: a reduction after
        // each stretch of cooldown + patience epochs, down to min_lr. (Keras counts the cooldown down before it
        // looks, so cooldown 2 skips one epoch.)
        ReduceLROnPlateau plateau = ReduceLROnPlateau.on("loss").mode(Mode.MAX).factor(0.5).patience(1).cooldown(2)
                .minLr(0.004).build();
        History history = model().fit(d[0], d[1], options(8, plateau));
        assertEquals(List.of(0.03, 0.03, 0.015, 0.015, 0.0075, 0.0075, 0.004, 0.004), history.get("lr"));
    }

    @Test
    void aCosineScheduleSetsEachEpochsRate() {
        Tensor[] d = data(200, 2);
        History history = model().fit(d[0], d[1], options(5,
                new LearningRateScheduler(Schedules.cosine(0.02, 4, 0.1))));
        List<Double> lr = history.get("lr");
        for (int e = 0; e < 5; e++) {
            double expected = 0.02 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(e, 4) / 4)) + 0.1);
            assertEquals(expected, lr.get(e), 1e-15, "epoch index " + e);
        }
        assertEquals(0.002, lr.get(4), 1e-15);
        assertEquals(List.of(0.1, 0.1, 0.05, 0.05, 0.025),
                model().fit(d[0], d[1], options(5, new LearningRateScheduler(Schedules.step(0.1, 2, 0.5))))
                        .get("lr"));
        assertThrows(IllegalArgumentException.class, () -> Schedules.cosine(0.1, 0, 0));
    }

    @Test
    void modelCheckpointSavesTheBestModelsUnderTheirEpochsNames() throws IOException {
        Tensor[] d = data(300, 1);
        ModelCheckpoint best = ModelCheckpoint.to(FileStore.local(dir), "best-{epoch:02d}-{val_loss:.3f}.kindling")
                .monitor("val_loss").saveBestOnly(true).build();
        Sequential model = model();
        History history = model.fit(d[0], d[1], options(8, best));
        List<Double> valLoss = history.get("val_loss");
        List<String> expected = new java.util.ArrayList<>();
        double low = Double.POSITIVE_INFINITY;
        for (int e = 0; e < valLoss.size(); e++) {
            if (valLoss.get(e) < low) {
                low = valLoss.get(e);
                expected.add(String.format(java.util.Locale.ROOT, "best-%02d-%.3f.kindling", e + 1, low));
            }
        }
        assertEquals(expected, names());
        Sequential saved = Sequential.load(dir.resolve(expected.get(expected.size() - 1)));
        assertEquals(low, saved.evaluate(d[0].slice(0, 240, 300), d[1].slice(0, 240, 300)).loss(), 0.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelCheckpoint.to(FileStore.local(dir), "m-{epoch:q}.kindling").build());
        assertTrue(e.getMessage().contains("{epoch:q}"), e.getMessage());
    }

    @Test
    void csvLoggerWritesOneRowPerEpoch() throws IOException {
        Tensor[] d = data(200, 2);
        History history = model().fit(d[0], d[1], options(3, new CSVLogger(FileStore.local(dir), "log.csv")));
        List<String> lines = Files.readAllLines(dir.resolve("log.csv"));
        assertEquals("epoch,loss,accuracy,val_loss,val_accuracy,lr", lines.get(0));
        assertEquals(4, lines.size());
        String[] last = lines.get(3).split(",");
        assertEquals("3", last[0]);
        assertEquals(history.get("val_loss").get(2), Double.parseDouble(last[3]), 0.0);
    }

    /** A crash and a resume in the middle: early stopping and the plateau's counters continue as if nothing happened. */
    @Test
    void terminateOnNaNStopsAtTheFirstEpochWithANonFiniteLog() {
        int n = 40;
        double[] x = new double[n * 2];
        double[] y = new double[n];
        Random rng = new Random(5);
        for (int i = 0; i < n; i++) {
            x[i * 2] = rng.nextGaussian();
            x[i * 2 + 1] = rng.nextGaussian();
            // The last fifth are the validation rows (Keras's split): their squared error overflows to infinity.
            y[i] = i < 32 ? x[i * 2] + x[i * 2 + 1] : 1e200;
        }
        java.util.function.Supplier<Sequential> linear = () -> {
            Sequential model = new Sequential(new Dense(1, Activation.LINEAR, 2)).dtype(DType.FLOAT64).seed(1);
            model.compile(Optimizer.sgd(0.01), Loss.MEAN_SQUARED_ERROR);
            return model;
        };
        Tensor xs = Tensor.of(x, n, 2);
        Tensor ys = Tensor.of(y, n, 1);
        assertEquals(5, linear.get().fit(xs, ys, options(5)).epochs());
        TerminateOnNaN stop = new TerminateOnNaN();
        History history = linear.get().fit(xs, ys, options(5, stop));
        assertEquals(1, history.epochs());
        assertEquals("epoch 1: val_loss = Infinity", stop.stoppedOn());
    }

    @Test
    void callbackStateSurvivesAResume() {
        Tensor[] d = data(300, 1);
        Sequential straight = model();
        EarlyStopping stop = EarlyStopping.on("val_loss").patience(2).restoreBestWeights(true).build();
        History expected = straight.fit(d[0], d[1], options(30, stop,
                ReduceLROnPlateau.on("val_loss").factor(0.5).patience(1).build()));

        TrainingListener crash = new TrainingListener() {
            private int steps;

            @Override
            public void onBatchEnd(TrainingData.Step step, double elapsed, Map<String, Double> logs) {
                if (++steps == 15 * (stop.stoppedEpoch() - 1) + 4) {
                    throw new IllegalStateException("crash in the last epoch");
                }
            }
        };
        BackupAndRestore.Builder backup = BackupAndRestore.to(FileStore.local(dir)).everySteps(5);
        assertThrows(IllegalStateException.class, () -> model().fit(d[0], d[1], options(30,
                EarlyStopping.on("val_loss").patience(2).restoreBestWeights(true).build(),
                ReduceLROnPlateau.on("val_loss").factor(0.5).patience(1).build(), backup.build(), crash)));
        EarlyStopping resumedStop = EarlyStopping.on("val_loss").patience(2).restoreBestWeights(true).build();
        Sequential resumed = model();
        History history = resumed.fit(d[0], d[1], options(30, resumedStop,
                ReduceLROnPlateau.on("val_loss").factor(0.5).patience(1).build(), backup.build()));
        assertEquals(stop.stoppedEpoch(), resumedStop.stoppedEpoch());
        assertEquals(expected.asMap(), history.asMap());
        assertArrayEquals(straight.weights().toFloatArray(), resumed.weights().toFloatArray());
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
