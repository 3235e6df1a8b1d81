// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chapter 5's fine-tuning workflow as a test, on the shipped digits (the full Fashion-MNIST version is
 * {@code scripts/fine-tune}): the chapter's convnet pretrained on the digits 0-4 and saved; its convolutional base,
 * frozen, under a new head, trained on Spark with 200 labels of the digits 5-9, against the same network from
 * scratch on those labels; then conv2d_2 unfrozen and trained again at a lower learning rate.
 *
 * <p>Measured (this machine): fine-tuned 0.8277, from scratch 0.9049, after unfreezing conv2d_2 0.8732 on the 946
 * test digits 5-9; with 50 labels 0.6121, 0.6025 and 0.6607. Features learned on 0-4 in one epoch do not beat
 * learning 5-9 from scratch with this small convnet, so the test asserts what the workflow guarantees (the frozen
 * weights bit for bit, the counts, both models learn, unfreezing the top conv layer helps) and prints the rest.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FineTuneWorkflowTest {
    private static final int LABELS = 200;

    @Test
    void theBooksWorkflowOnSparkWithFewLabels(@TempDir Path dir) throws IOException {
        Mnist mnist = Mnist.load(Path.of(System.getProperty("kindling.data.dir", "../data"), "mnist-digits"));
        Tensor images = Mnist.imagesAndScale(mnist.trainImages());
        int[] labels = mnist.trainLabels().toIntArray();
        int[] low = rows(labels, 0, Integer.MAX_VALUE);
        int[] high = rows(labels, 5, LABELS);
        int[] testLabels = mnist.testLabels().toIntArray();
        int[] testHigh = rows(testLabels, 5, Integer.MAX_VALUE);

        // Pretrained in one JVM on the digits 0-4, saved.
        Sequential pretrained = Convnet.chapter5(1);
        pretrained.fit(images.take(0, low), Labels.toCategorical(classes(labels, low, 0), 10),
                FitOptions.builder().epochs(1).batchSize(64).seed(1).listeners().build());
        pretrained.save(dir.resolve("pretrained.kindling"));

        SparkSession spark = TestSpark.local();
        Dataset<Row> few = TensorFrames.of(spark, mnist.trainImages().take(0, high), classes(labels, high, 5), 2, 255);
        Dataset<Row> test = TensorFrames.of(spark, mnist.testImages().take(0, testHigh),
                classes(testLabels, testHigh, 5), 2, 255);
        FitOptions options = FitOptions.builder().epochs(8).batchSize(32).seed(2).listeners().build();
        SparkTrainer trainer = SparkTrainer.create();

        Sequential base = Sequential.load(dir.resolve("pretrained.kindling"));
        Sequential tuned = Sequential.fromBase(base, 6).freezeBase()
                .add(new Dense(64, Activation.RELU), new Dense(5, Activation.SOFTMAX)).seed(3).build();
        tuned.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        assertTrue(tuned.summary().contains("Trainable params: 37,253\nNon-trainable params: 55,744\n"),
                tuned.summary());
        trainer.fit(tuned, few, Columns.defaults(), options);
        double tunedAccuracy = trainer.evaluate(tuned, test, Columns.defaults()).accuracy();
        for (int layer : new int[] {0, 2, 4}) {
            for (int p = 0; p < 2; p++) {
                assertArrayEquals(base.layerWeights(layer).get(p).toFloatArray(),
                        tuned.layerWeights(layer).get(p).toFloatArray(), "frozen layer " + layer + ", bit for bit");
            }
        }

        Sequential scratch = Sequential.fromBase(Convnet.chapter5(3), 6)
                .add(new Dense(64, Activation.RELU), new Dense(5, Activation.SOFTMAX)).seed(3).build();
        scratch.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        trainer.fit(scratch, few, Columns.defaults(), options);
        double scratchAccuracy = trainer.evaluate(scratch, test, Columns.defaults()).accuracy();

        tuned.unfreezeWeights("conv2d_2", null);
        tuned.compile(Optimizer.rmsprop(1e-4), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        trainer.fit(tuned, few, Columns.defaults(), FitOptions.builder().epochs(3).batchSize(32).seed(4).listeners()
                .build());
        double unfrozenAccuracy = trainer.evaluate(tuned, test, Columns.defaults()).accuracy();
        System.out.printf("digits 5-9 from %d labels: fine-tuned %.4f, from scratch %.4f, conv2d_2 unfrozen %.4f%n",
                LABELS, tunedAccuracy, scratchAccuracy, unfrozenAccuracy);
        assertTrue(tunedAccuracy > 0.7 && scratchAccuracy > 0.7, "fine-tuned " + tunedAccuracy + ", scratch "
                + scratchAccuracy + "; chance is 0.2");
        assertTrue(unfrozenAccuracy > tunedAccuracy + 0.01, "unfreezing conv2d_2: " + tunedAccuracy + " -> "
                + unfrozenAccuracy);
        assertArrayEquals(base.layerWeights(2).get(0).toFloatArray(), tuned.layerWeights(2).get(0).toFloatArray(),
                "conv2d_1 stays frozen");
        assertTrue(maxAbsDiff(base.layerWeights(4).get(0), tuned.layerWeights(4).get(0)) > 0, "conv2d_2 trained");
        assertEquals(74_181, tuned.trainableParameterCount());
    }

    /** The first {@code limit} sample numbers whose label is in {@code from..from+4}. */
    private static int[] rows(int[] labels, int from, int limit) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < labels.length && rows.size() < limit; i++) {
            if (labels[i] >= from && labels[i] < from + 5) {
                rows.add(i);
            }
        }
        return rows.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The labels of {@code rows}, minus {@code offset} (digits 5-9 become classes 0-4). */
    private static Tensor classes(int[] labels, int[] rows, int offset) {
        float[] c = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            c[i] = labels[rows[i]] - offset;
        }
        return Tensor.of(c, rows.length);
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.getFlat(i) - b.getFlat(i)));
        }
        return max;
    }
}
