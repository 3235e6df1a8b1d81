// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static dev.kindling.core.Tolerances.FLOAT32_TRAINED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.data.Labels;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.regularizers.Regularizer;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A regularized model learns on Spark what it learns in one JVM, at any partitioning, on both step paths: the
 * driver adds the penalty and its gradient once per step to the summed task gradients. Were each partition to add
 * it, 8 partitions would count it 8 times and the weights would part by far more than float rounding.
 */
class RegularizedOnSparkTest {
    private static final int ROWS = 203;
    private static Sequential local;
    private static History localHistory;
    private static Sequential unregularized;

    private static Sequential model(boolean regularized) {
        Dense hidden = new Dense(16, Activation.TANH, 4);
        Dense output = new Dense(3, Activation.SOFTMAX);
        if (regularized) {
            hidden = hidden.withKernelRegularizer(Regularizer.l2(0.01)).withBiasRegularizer(Regularizer.l1(0.01));
            output = output.withKernelRegularizer(Regularizer.l1L2(0.005, 0.02));
        }
        Sequential model = new Sequential(hidden, output).seed(5);
        model.compile(Optimizer.rmsprop(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions options() {
        return FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(11).listeners().build();
    }

    @ParameterizedTest(name = "{0} partitions, steps per job {1}")
    @CsvSource({"1, 1", "2, 1", "8, 1", "1, 7", "2, 7", "8, 7"})
    void sparkLearnsWhatOneJvmLearns(int partitions, int stepsPerJob) {
        Object[] data = TestSpark.blobs(ROWS, 1);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        float[] asFloats = new float[ROWS];
        for (int i = 0; i < ROWS; i++) {
            asFloats[i] = labels[i];
        }
        Tensor y = Labels.toCategorical(Tensor.of(asFloats, ROWS), 3);

        if (local == null) {   // the one-JVM references, fitted once for all cases
            local = model(true);
            localHistory = local.fit(x, y, options());
            unregularized = model(false);
            unregularized.fit(x, y, options());
        }

        SparkSession spark = TestSpark.local();
        Sequential distributed = model(true);
        History sparkHistory = SparkTrainer.create().withStepsPerJob(stepsPerJob)
                .fit(distributed, TestSpark.frame(spark, x, labels, partitions), Columns.defaults(), options());

        double maxDiff = distributed.weights().sub(local.weights()).map(Math::abs).max().item();
        double regularizerEffect = unregularized.weights().sub(local.weights()).map(Math::abs).max().item();
        System.out.printf(java.util.Locale.ROOT, "regularized model, %d partitions, %s: local vs Spark max |weight"
                        + " difference| %.3g (the regularizers move the weights by up to %.3g)%n", partitions,
                stepsPerJob == 1 ? "job per step" : "training stage (7 steps per job)", maxDiff, regularizerEffect);
        assertTrue(maxDiff <= FLOAT32_TRAINED, "max |diff| " + maxDiff);
        assertTrue(regularizerEffect > 100 * FLOAT32_TRAINED, "the regularizers changed little: " + regularizerEffect);
        for (String key : List.of("loss", "accuracy", "val_loss", "val_accuracy")) {
            List<Double> l = localHistory.get(key);
            List<Double> s = sparkHistory.get(key);
            for (int e = 0; e < l.size(); e++) {
                assertEquals(l.get(e), s.get(e), 10 * FLOAT32_TRAINED, key + " at epoch " + (e + 1));
            }
        }
        // evaluate on Spark adds the penalty once too, as evaluate in one JVM does.
        assertEquals(local.evaluate(x, y).loss(), SparkTrainer.create().evaluate(distributed,
                TestSpark.frame(spark, x, labels, partitions), Columns.defaults()).loss(), 10 * FLOAT32_TRAINED);
    }
}
