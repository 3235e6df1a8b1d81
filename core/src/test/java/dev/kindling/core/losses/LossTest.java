// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.losses;

import static dev.kindling.core.autodiff.GradientCheck.check;
import static dev.kindling.core.autodiff.GradientCheck.input;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Losses: hand-computed values, gradient checks for every loss and output activation, and target checks. */
class LossTest {

    private static final Tensor ONE_HOT = Tensor.of(new double[] {0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0}, 4, 3);
    private static final Tensor CLASSES = Tensor.of(new double[] {1, 0, 2, 1}, 4);
    private static final Tensor BINARY = Tensor.of(new double[] {1, 0, 0, 1, 1, 0, 0, 1}, 4, 2);

    private static double value(Loss loss, Tensor logits, Activation activation, Tensor targets) {
        return loss.batchSum(Variable.constant(logits), activation, targets).value().item();
    }

    @Test
    void categoricalCrossEntropyFromLogitsByHand() {
        // softmax([0, ln 3]) = [1/4, 3/4]; target class 1: -ln(3/4); target class 0: -ln(1/4).
        Tensor logits = Tensor.of(new double[] {0, Math.log(3), 0, Math.log(3)}, 2, 2);
        Tensor targets = Tensor.of(new double[] {0, 1, 1, 0}, 2, 2);
        double expected = -Math.log(0.75) - Math.log(0.25);
        assertEquals(expected, value(Loss.CATEGORICAL_CROSSENTROPY, logits, Activation.SOFTMAX, targets), Tolerances.FLOAT64);
        assertEquals(expected, value(Loss.SPARSE_CATEGORICAL_CROSSENTROPY, logits, Activation.SOFTMAX,
                Tensor.of(new double[] {1, 0}, 2)), Tolerances.FLOAT64);
    }

    @Test
    void crossEntropyFromLogitsStaysFiniteWhereProbabilitiesWouldRoundToZero() {
        Tensor logits = Tensor.of(new float[] {200f, -200f}, 1, 2);
        Tensor targets = Tensor.of(new float[] {0f, 1f}, 1, 2);
        assertEquals(400.0, value(Loss.CATEGORICAL_CROSSENTROPY, logits, Activation.SOFTMAX, targets), 1e-3);
        assertEquals(200.0, value(Loss.BINARY_CROSSENTROPY, Tensor.of(new float[] {200f}, 1, 1), Activation.SIGMOID,
                Tensor.of(new float[] {0f}, 1, 1)), 1e-3);
    }

    @Test
    void binaryCrossEntropyAndMseByHand() {
        // sigmoid(0) = 0.5: each element costs ln 2; mean over 2 outputs, 1 sample.
        Tensor zeros = Tensor.of(new double[] {0, 0}, 1, 2);
        assertEquals(Math.log(2), value(Loss.BINARY_CROSSENTROPY, zeros, Activation.SIGMOID,
                Tensor.of(new double[] {1, 0}, 1, 2)), Tolerances.FLOAT64);
        assertEquals(Math.log(2), value(Loss.BINARY_CROSSENTROPY, Tensor.of(new double[] {0.5, 0.5}, 1, 2),
                Activation.LINEAR, Tensor.of(new double[] {1, 0}, 1, 2)), Tolerances.FLOAT64);
        // ((1-3)^2 + (2-2)^2)/2 = 2, plus ((0-1)^2 + (0-0)^2)/2 = 0.5
        assertEquals(2.5, value(Loss.MEAN_SQUARED_ERROR, Tensor.of(new double[] {1, 2, 0, 0}, 2, 2), Activation.LINEAR,
                Tensor.of(new double[] {3, 2, 1, 0}, 2, 2)), Tolerances.FLOAT64);
    }

    @Test
    void gradientsOfEveryLossAndOutputActivation() {
        Tensor logits = input(3, -2, 2, 4, 3);
        // Cross-entropy needs probabilities: softmax takes the fused log-softmax path, sigmoid the clipped one.
        for (Activation a : new Activation[] {Activation.SOFTMAX, Activation.SIGMOID}) {
            check(v -> Loss.CATEGORICAL_CROSSENTROPY.batchSum(v.get(0), a, ONE_HOT), logits);
            check(v -> Loss.SPARSE_CATEGORICAL_CROSSENTROPY.batchSum(v.get(0), a, CLASSES), logits);
        }
        Tensor binaryLogits = input(4, -2, 2, 4, 2);
        check(v -> Loss.BINARY_CROSSENTROPY.batchSum(v.get(0), Activation.SIGMOID, BINARY), binaryLogits);
        check(v -> Loss.BINARY_CROSSENTROPY.batchSum(v.get(0), Activation.SOFTMAX, BINARY), binaryLogits);
        for (Activation a : List.of(Activation.LINEAR, Activation.RELU, Activation.SIGMOID, Activation.TANH, Activation.SOFTMAX)) {
            check(v -> Loss.MEAN_SQUARED_ERROR.batchSum(v.get(0), a, ONE_HOT), input(5, 0.1, 2, 4, 3));
        }
    }

    @Test
    void targetsAreCheckedWithRowAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Loss.SPARSE_CATEGORICAL_CROSSENTROPY.checkTargets(Tensor.of(new double[] {1, 10}, 2), 2, 10));
        assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("10.0")
                && e.getMessage().contains("[0, 10)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Loss.CATEGORICAL_CROSSENTROPY.checkTargets(Tensor.of(new double[] {1, 3}, 2), 2, 10));
        assertTrue(e.getMessage().contains("(2, 10)") && e.getMessage().contains("toCategorical"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Loss.MEAN_SQUARED_ERROR.checkTargets(Tensor.of(new double[] {1, Double.NaN}, 1, 2), 1, 2));
        assertTrue(e.getMessage().contains("row 0, column 1") && e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Loss.CATEGORICAL_CROSSENTROPY.checkTargets(ONE_HOT, 5, 3));
        assertTrue(e.getMessage().contains("5 input rows"), e.getMessage());
    }

    @Test
    void accuracyResolvesLikeKerasAndCountsHits() {
        assertEquals(Metric.CATEGORICAL_ACCURACY, Metric.ACCURACY.resolve(Loss.CATEGORICAL_CROSSENTROPY, 3));
        assertEquals(Metric.SPARSE_CATEGORICAL_ACCURACY, Metric.ACCURACY.resolve(Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 3));
        assertEquals(Metric.BINARY_ACCURACY, Metric.ACCURACY.resolve(Loss.BINARY_CROSSENTROPY, 2));
        Tensor probs = Tensor.of(new double[] {0.1, 0.8, 0.1, 0.2, 0.3, 0.5, 0.3, 0.3, 0.4, 0.1, 0.1, 0.8}, 4, 3);
        // argmax: 1, 2, 2, 2 vs one-hot targets 1, 0, 2, 1 -> 2 hits
        assertEquals(2.0, Metric.CATEGORICAL_ACCURACY.batchSum(probs, ONE_HOT), Tolerances.FLOAT64);
        assertEquals(2.0, Metric.SPARSE_CATEGORICAL_ACCURACY.batchSum(probs, CLASSES), Tolerances.FLOAT64);
        Tensor p = Tensor.of(new double[] {0.9, 0.2, 0.6, 0.4, 0.3, 0.1, 0.7, 0.8}, 4, 2);
        // predictions > 0.5 per row: [1,0] [1,0] [0,0] [1,1] vs targets [1,0] [0,1] [1,0] [0,1]: hits 2, 0, 1, 1
        double expected = (2 + 0 + 1 + 1) / 2.0;
        assertEquals(expected, Metric.BINARY_ACCURACY.batchSum(p, BINARY), Tolerances.FLOAT64);
    }
}
