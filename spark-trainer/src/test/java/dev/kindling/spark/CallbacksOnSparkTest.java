// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.callbacks.EarlyStopping;
import dev.kindling.core.callbacks.LearningRateScheduler;
import dev.kindling.core.callbacks.ReduceLROnPlateau;
import dev.kindling.core.callbacks.Schedules;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keras's callbacks on the shipped digits, in one JVM and on Spark local[2]: they run on the driver, on the same
 * loop, so the two stop at the same epoch with the same histories. The seed network runs in float64 here: in
 * float32 the one-ulp differences of the gradient sums' order grow over epochs of RMSprop (0.3% in the loss by
 * epoch 7), in float64 they stay far below what the histories show.
 */
class CallbacksOnSparkTest {
    private static final double SAME = 1e-9;
    private static final int ROWS = 4000;
    private static Mnist mnist;
    private static Tensor x;
    private static Tensor y;
    private static Dataset<Row> frame;

    @BeforeAll
    static void load() throws IOException {
        mnist = Mnist.load(Path.of(System.getProperty("kindling.data.dir", "../data"), "mnist-digits"));
        // The first 4,000 training digits, the last 800 of them for validation: a quicker fit that still overfits.
        Tensor images = mnist.trainImages().slice(0, 0, ROWS);
        Tensor labels = mnist.trainLabels().slice(0, 0, ROWS);
        x = Mnist.flattenAndScale(images).astype(dev.kindling.core.tensor.DType.FLOAT64);
        y = Labels.toCategorical(labels, 10).astype(dev.kindling.core.tensor.DType.FLOAT64);
        frame = TensorFrames.of(TestSpark.local(), images, labels, 2, 255);
    }

    /** Chapter 2's network with 128 hidden units (a quarter of the arithmetic, for the suite's time). */
    private static Sequential seedNetwork() {
        Sequential model = new Sequential(new Dense(128, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX))
                .dtype(dev.kindling.core.tensor.DType.FLOAT64).seed(1);
        model.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private record Run(History history, Sequential model) {
    }

    private static Run[] both(int epochs, Supplier<TrainingListener> callback) {
        Sequential local = seedNetwork();
        History localHistory = local.fit(x, y, FitOptions.builder().epochs(epochs).batchSize(128).validationSplit(0.2)
                .seed(1).listeners(callback.get()).build());
        Sequential distributed = seedNetwork();
        History sparkHistory = SparkTrainer.create().fit(distributed, frame, Columns.defaults(), FitOptions.builder()
                .epochs(epochs).batchSize(128).validationSplit(0.2).seed(1).listeners(callback.get()).build());
        return new Run[] {new Run(localHistory, local), new Run(sparkHistory, distributed)};
    }

    private static void assertSameHistories(History a, History b) {
        assertEquals(a.epochs(), b.epochs(), "epochs run");
        for (String key : a.asMap().keySet()) {
            for (int e = 0; e < a.epochs(); e++) {
                assertEquals(a.get(key).get(e), b.get(key).get(e), SAME, key + " at epoch " + (e + 1));
            }
        }
    }

    /** The run: validation_split 0.2, patience 2, up to 30 epochs, the best epoch's weights restored. */
    @Test
    void earlyStoppingStopsAtTheSameEpochInOneJvmAndOnSpark() {
        EarlyStopping[] stops = new EarlyStopping[2];
        int[] made = {0};
        Run[] runs = both(30, () -> stops[made[0]++] = EarlyStopping.on("val_loss").patience(2)
                .restoreBestWeights(true).build());
        assertSameHistories(runs[0].history(), runs[1].history());
        assertEquals(stops[0].stoppedEpoch(), stops[1].stoppedEpoch());
        assertTrue(stops[0].stoppedEpoch() > 0 && stops[0].stoppedEpoch() < 30, "stopped at " + stops[0].stoppedEpoch());
        // The restored weights are the best epoch's: their validation loss is that epoch's val_loss.
        Tensor valX = x.slice(0, 3200, ROWS);
        Tensor valY = y.slice(0, 3200, ROWS);
        List<Double> valLoss = runs[0].history().get("val_loss");
        double best = valLoss.get(stops[0].bestEpoch() - 1);
        assertEquals(best, runs[0].model().evaluate(valX, valY).loss(), 0.0, "one JVM");
        assertEquals(best, runs[1].model().evaluate(valX, valY).loss(), SAME, "Spark");
        System.out.printf(Locale.ROOT, "early stopping (val_loss, patience 2): stopped after epoch %d of 30 in one JVM and"
                + " on Spark; best epoch %d, val_loss %.4f, restored weights' val_loss %.4f (one JVM) and %.4f (Spark);"
                + " val_loss by epoch %s%n", stops[0].stoppedEpoch(), stops[0].bestEpoch(), best,
                runs[0].model().evaluate(valX, valY).loss(), runs[1].model().evaluate(valX, valY).loss(),
                valLoss.stream().map(v -> String.format(Locale.ROOT, "%.4f", v)).toList());
    }

    @Test
    void aPlateauAndACosineScheduleShowInTheLrColumn() {
        Run[] plateau = both(8, () -> ReduceLROnPlateau.on("val_loss").factor(0.5).patience(1).minDelta(0.02).build());
        assertSameHistories(plateau[0].history(), plateau[1].history());
        assertTrue(plateau[0].history().get("lr").get(7) < 0.001, "the plateau lowered the rate: "
                + plateau[0].history().get("lr"));
        Run[] cosine = both(3, () -> new LearningRateScheduler(Schedules.cosine(0.001, 3, 0.1)));
        assertSameHistories(cosine[0].history(), cosine[1].history());
        List<Double> lr = cosine[0].history().get("lr");
        for (int e = 0; e < 3; e++) {
            assertEquals(0.001 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * e / 3)) + 0.1), lr.get(e), 1e-15);
        }
        System.out.printf(Locale.ROOT, "ReduceLROnPlateau(val_loss, factor 0.5, patience 1, min_delta 0.02): lr %s, val_loss %s;"
                + " cosine schedule (0.001 over 3 epochs, alpha 0.1): lr %s%n", plateau[0].history().get("lr"),
                plateau[0].history().get("val_loss").stream().map(v -> String.format(Locale.ROOT, "%.4f", v))
                        .toList(), lr);
    }
}
