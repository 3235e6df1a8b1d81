// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each metric against numbers worked out by hand, and the property that makes them distributable: sums merge. */
class MetricsTest {
    private static final double EXACT = 0.0;

    private static double value(Metric m, Tensor outputs, Tensor targets) {
        double[] state = new double[m.stateSize()];
        m.accumulate(outputs, targets, state, 0);
        return m.result(state, 0, outputs.dim(0));
    }

    @Test
    void meanAbsoluteAndSquaredErrors() {
        Tensor p = Tensor.of(new float[] {1, 2, 0, 4}, 2, 2);
        Tensor y = Tensor.of(new float[] {0, 2, 1, 1}, 2, 2);
        // per sample: |1|,|0| -> 0.5 and |1|,|3| -> 2: mean 1.25; squares: 0.5 and 5: mean 2.75
        assertEquals(1.25, value(Metric.MAE, p, y), EXACT);
        assertEquals(2.75, value(Metric.MSE, p, y), EXACT);
    }

    @Test
    void topKAccuracyWithOneHotAndIndexTargets() {
        Tensor p = Tensor.of(new float[] {0.1f, 0.5f, 0.3f, 0.1f, 0.4f, 0.3f, 0.2f, 0.1f, 0.25f, 0.25f, 0.25f, 0.25f},
                3, 4);
        Tensor oneHot = Tensor.of(new float[] {0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 3, 4);
        // row 0: class 2 is second largest (hit for k=2); row 1: class 2 is third (miss); row 2: ties count as hits
        assertEquals(2.0 / 3, value(Metric.topK(2), p, oneHot), 1e-15);
        assertEquals(1.0 / 3, value(Metric.topK(1), p, oneHot), 1e-15);
        assertEquals(2.0 / 3, value(Metric.topK(2), p, Tensor.of(new float[] {2, 2, 3}, 3)), 1e-15);
        assertEquals(1.0, value(Metric.TOP_K_CATEGORICAL_ACCURACY, p, oneHot), EXACT, "k = 5 >= classes");
    }

    @Test
    void precisionAndRecallAreRatiosOfCounts() {
        Tensor p = Tensor.of(new float[] {0.9f, 0.8f, 0.7f, 0.2f, 0.1f, 0.6f}, 6, 1);
        Tensor y = Tensor.of(new float[] {1, 0, 1, 1, 0, 0}, 6, 1);
        // predicted positive: rows 0,1,2,5 (4), of which actual: 0,2 (2); actual positives: 0,2,3 (3)
        assertEquals(0.5, value(Metric.PRECISION, p, y), EXACT);
        assertEquals(2.0 / 3, value(Metric.RECALL, p, y), 1e-15);
        assertEquals(0.0, value(Metric.PRECISION, Tensor.of(new float[] {0.1f}, 1, 1), Tensor.of(new float[] {1}, 1, 1)),
                EXACT, "no predicted positive");
    }

    /** With many thresholds the trapezoidal AUC approaches the exact one (the Mann-Whitney statistic). */
    @Test
    void aucApproachesTheExactAreaAndItsSumsMerge() {
        Random rng = new Random(4);
        int n = 2000;
        float[] p = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextDouble() < 0.3 ? 1 : 0;
            p[i] = (float) Math.min(1, Math.max(0, 0.35 + 0.25 * y[i] + 0.2 * rng.nextGaussian()));
        }
        double exact = mannWhitney(p, y);
        Tensor outputs = Tensor.of(p, n, 1);
        Tensor targets = Tensor.of(y, n, 1);
        assertEquals(exact, value(Metric.auc(20001), outputs, targets), 2e-4);
        assertEquals(exact, value(Metric.AUC, outputs, targets), 5e-3, "Keras's 200 thresholds");

        // Two halves accumulated apart and their sums added: the same state, the same value.
        double[] whole = new double[Metric.AUC.stateSize()];
        Metric.AUC.accumulate(outputs, targets, whole, 0);
        double[] halves = new double[Metric.AUC.stateSize()];
        Metric.AUC.accumulate(outputs.slice(0, 0, 700), targets.slice(0, 0, 700), halves, 0);
        Metric.AUC.accumulate(outputs.slice(0, 700, n), targets.slice(0, 700, n), halves, 0);
        assertArrayEquals(whole, halves, EXACT);
    }

    @Test
    void aPerfectAndAHopelessRanking() {
        Tensor y = Tensor.of(new float[] {0, 0, 1, 1}, 4, 1);
        assertEquals(1.0, value(Metric.AUC, Tensor.of(new float[] {0.1f, 0.2f, 0.8f, 0.9f}, 4, 1), y), Tolerances.FLOAT64);
        assertEquals(0.0, value(Metric.AUC, Tensor.of(new float[] {0.9f, 0.8f, 0.2f, 0.1f}, 4, 1), y), Tolerances.FLOAT64);
        assertEquals(0.5, value(Metric.AUC, Tensor.of(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 4, 1), y), Tolerances.FLOAT64);
    }

    @Test
    void keywordsFindTheMetricsAndUnknownOnesAreNamed() {
        assertSame(Metric.ACCURACY, Registry.metric("acc"));
        assertSame(Metric.AUC, Registry.metric("AUC"));
        assertEquals(Metric.topK(3), Registry.metric("top_3_categorical_accuracy"));
        for (String k : Registry.metricNames()) {
            Metric m = Registry.metric(k);
            assertEquals(m, Registry.metric(m.keyword()), k);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registry.metric("f1"));
        assertTrue(e.getMessage().startsWith("unknown metric 'f1', expected one of accuracy, acc,"), e.getMessage());
    }

    private static double mannWhitney(float[] p, float[] y) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < p.length; i++) {
            if (y[i] != 1) {
                continue;
            }
            for (int j = 0; j < p.length; j++) {
                if (y[j] == 0) {
                    wins += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
                    pairs++;
                }
            }
        }
        return wins / pairs;
    }
}
