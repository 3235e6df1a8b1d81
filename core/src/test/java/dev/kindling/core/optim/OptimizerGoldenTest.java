// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import static java.lang.Math.sqrt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Goldens after one and two steps, worked out by hand from the Keras 3 formulas (see each optimizer's Javadoc).
 * Every case starts from {@code w = [1.0, -2.0]} and applies {@code g1 = [0.5, -1.0]} then
 * {@code g2 = [0.1, 0.2]}. The expected values are written as the arithmetic itself, with the intermediate
 * slot values computed by hand; epsilons are chosen large where their placement (inside or outside the square
 * root) would otherwise be invisible.
 */
class OptimizerGoldenTest {

    private static final double[] W0 = {1.0, -2.0};
    private static final double[] G1 = {0.5, -1.0};
    private static final double[] G2 = {0.1, 0.2};


    /** One golden case: expected params and slots after step 1 and after step 2. */
    record Golden(String label, Supplier<Optimizer> optimizer,
                  double[] w1, List<double[]> slots1, double[] w2, List<double[]> slots2) {
        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Golden> goldens() {
        return Stream.of(
                // SGD, lr 0.1, no momentum: w -= lr * g
                //   w1 = [1 - 0.1*0.5, -2 - 0.1*(-1)] = [0.95, -1.9]
                //   w2 = [0.95 - 0.1*0.1, -1.9 - 0.1*0.2] = [0.94, -1.92]
                new Golden("sgd plain", () -> Optimizer.sgd(0.1, 0.0, false),
                        new double[] {0.95, -1.9}, List.of(),
                        new double[] {0.94, -1.92}, List.of()),

                // SGD, lr 0.1, momentum 0.9: v = 0.9 v - 0.1 g; w += v
                //   v1 = [-0.05, 0.1]                               w1 = [0.95, -1.9]
                //   v2 = [0.9*-0.05 - 0.01, 0.9*0.1 - 0.02] = [-0.055, 0.07]
                //   w2 = [0.95 - 0.055, -1.9 + 0.07] = [0.895, -1.83]
                new Golden("sgd momentum", () -> Optimizer.sgd(0.1, 0.9, false),
                        new double[] {0.95, -1.9}, List.of(new double[] {-0.05, 0.1}),
                        new double[] {0.895, -1.83}, List.of(new double[] {-0.055, 0.07})),

                // SGD, lr 0.1, Nesterov momentum 0.9: v = 0.9 v - 0.1 g; w += 0.9 v - 0.1 g
                //   v1 = [-0.05, 0.1]; w1 = [1 + (0.9*-0.05 - 0.05), -2 + (0.9*0.1 + 0.1)]
                //                         = [1 - 0.095, -2 + 0.19] = [0.905, -1.81]
                //   v2 = [-0.055, 0.07]; w2 = [0.905 + (0.9*-0.055 - 0.01), -1.81 + (0.9*0.07 - 0.02)]
                //                            = [0.905 - 0.0595, -1.81 + 0.043] = [0.8455, -1.767]
                new Golden("sgd nesterov", () -> Optimizer.sgd(0.1, 0.9, true),
                        new double[] {0.905, -1.81}, List.of(new double[] {-0.05, 0.1}),
                        new double[] {0.8455, -1.767}, List.of(new double[] {-0.055, 0.07})),

                // RMSprop, lr 0.01, rho 0.9, eps 0.01: s = 0.9 s + 0.1 g^2; w -= 0.01 g / sqrt(s + eps)
                //   s1 = [0.1*0.25, 0.1*1] = [0.025, 0.1]
                //   w1 = [1 - 0.01*0.5/sqrt(0.035), -2 + 0.01*1/sqrt(0.11)]  ~ [0.973273, -1.969849]
                //   s2 = [0.9*0.025 + 0.1*0.01, 0.9*0.1 + 0.1*0.04] = [0.0235, 0.094]
                //   w2 = w1 - [0.01*0.1/sqrt(0.0335), 0.01*0.2/sqrt(0.104)]    ~ [0.967809, -1.976050]
                new Golden("rmsprop", () -> new RmsProp(0.01, 0.9, 0.01),
                        new double[] {1 - 0.005 / sqrt(0.035), -2 + 0.01 / sqrt(0.11)},
                        List.of(new double[] {0.025, 0.1}),
                        new double[] {1 - 0.005 / sqrt(0.035) - 0.001 / sqrt(0.0335),
                                -2 + 0.01 / sqrt(0.11) - 0.002 / sqrt(0.104)},
                        List.of(new double[] {0.0235, 0.094})),

                // RMSprop with Keras defaults but lr 0.01 (rho 0.9, eps 1e-7)
                //   s1 = [0.025, 0.1];     w1 = [1 - 0.005/sqrt(0.0250001), -2 + 0.01/sqrt(0.1000001)]
                //   s2 = [0.0235, 0.094];  w2 = w1 - [0.001/sqrt(0.0235001), 0.002/sqrt(0.0940001)]
                new Golden("rmsprop defaults", () -> Optimizer.rmsprop(0.01),
                        new double[] {1 - 0.005 / sqrt(0.0250001), -2 + 0.01 / sqrt(0.1000001)},
                        List.of(new double[] {0.025, 0.1}),
                        new double[] {1 - 0.005 / sqrt(0.0250001) - 0.001 / sqrt(0.0235001),
                                -2 + 0.01 / sqrt(0.1000001) - 0.002 / sqrt(0.0940001)},
                        List.of(new double[] {0.0235, 0.094})),

                // Adam, lr 0.1, beta_1 0.9, beta_2 0.999, eps 0.01:
                //   t=1: alpha1 = 0.1*sqrt(1 - 0.999)/(1 - 0.9) = sqrt(0.001)
                //        m1 = [0.05, -0.1]; v1 = [0.001*0.25, 0.001*1] = [0.00025, 0.001]
                //        w1 = [1 - sqrt(0.001)*0.05/(sqrt(0.00025) + 0.01),
                //              -2 + sqrt(0.001)*0.1/(sqrt(0.001) + 0.01)]        ~ [0.938743, -2 + 0.075975]
                //   t=2: alpha2 = 0.1*sqrt(1 - 0.998001)/(1 - 0.81) = 0.1*sqrt(0.001999)/0.19
                //        m2 = [0.9*0.05 + 0.1*0.1, 0.9*-0.1 + 0.1*0.2] = [0.055, -0.07]
                //        v2 = [0.999*0.00025 + 0.001*0.01, 0.999*0.001 + 0.001*0.04] = [0.00025975, 0.001039]
                //        w2 = w1 - alpha2 * m2 / (sqrt(v2) + 0.01)
                new Golden("adam", () -> new Adam(0.1, 0.9, 0.999, 0.01),
                        new double[] {ADAM_W1_0, ADAM_W1_1},
                        List.of(new double[] {0.05, -0.1}, new double[] {0.00025, 0.001}),
                        new double[] {ADAM_W1_0 - ADAM_ALPHA2 * 0.055 / (sqrt(0.00025975) + 0.01),
                                ADAM_W1_1 + ADAM_ALPHA2 * 0.07 / (sqrt(0.001039) + 0.01)},
                        List.of(new double[] {0.055, -0.07}, new double[] {0.00025975, 0.001039})),

                // Adam with Keras defaults (lr 0.001, eps 1e-7): the first step is ~ lr * sign(g)
                //   w1 = [1 - sqrt(0.001)*0.01*0.05/(sqrt(0.00025) + 1e-7), -2 + sqrt(0.001)*0.01*0.1/(sqrt(0.001) + 1e-7)]
                //   t=2: alpha2 = 0.001*sqrt(0.001999)/0.19; m2, v2 as above
                new Golden("adam defaults", Optimizer::adam,
                        new double[] {ADAM_D_W1_0, ADAM_D_W1_1},
                        List.of(new double[] {0.05, -0.1}, new double[] {0.00025, 0.001}),
                        new double[] {ADAM_D_W1_0 - ADAM_D_ALPHA2 * 0.055 / (sqrt(0.00025975) + 1e-7),
                                ADAM_D_W1_1 + ADAM_D_ALPHA2 * 0.07 / (sqrt(0.001039) + 1e-7)},
                        List.of(new double[] {0.055, -0.07}, new double[] {0.00025975, 0.001039})),

                // Adagrad, lr 0.1, initial accumulator 0.1, eps 0.05: acc += g^2; w -= 0.1 g / sqrt(acc + eps)
                //   acc1 = [0.1 + 0.25, 0.1 + 1] = [0.35, 1.1]
                //   w1 = [1 - 0.05/sqrt(0.4), -2 + 0.1/sqrt(1.15)]          ~ [0.920943, -1.906749]
                //   acc2 = [0.35 + 0.01, 1.1 + 0.04] = [0.36, 1.14]
                //   w2 = w1 - [0.01/sqrt(0.41), 0.02/sqrt(1.19)]
                new Golden("adagrad", () -> new Adagrad(0.1, 0.1, 0.05),
                        new double[] {1 - 0.05 / sqrt(0.4), -2 + 0.1 / sqrt(1.15)},
                        List.of(new double[] {0.35, 1.1}),
                        new double[] {1 - 0.05 / sqrt(0.4) - 0.01 / sqrt(0.41),
                                -2 + 0.1 / sqrt(1.15) - 0.02 / sqrt(1.19)},
                        List.of(new double[] {0.36, 1.14})),

                // Adagrad with Keras defaults (lr 0.001, initial accumulator 0.1, eps 1e-7)
                //   acc1 = [0.35, 1.1]; w1 = [1 - 0.0005/sqrt(0.3500001), -2 + 0.001/sqrt(1.1000001)]
                //   acc2 = [0.36, 1.14]; w2 = w1 - [0.0001/sqrt(0.3600001), 0.0002/sqrt(1.1400001)]
                new Golden("adagrad defaults", Optimizer::adagrad,
                        new double[] {1 - 0.0005 / sqrt(0.3500001), -2 + 0.001 / sqrt(1.1000001)},
                        List.of(new double[] {0.35, 1.1}),
                        new double[] {1 - 0.0005 / sqrt(0.3500001) - 0.0001 / sqrt(0.3600001),
                                -2 + 0.001 / sqrt(1.1000001) - 0.0002 / sqrt(1.1400001)},
                        List.of(new double[] {0.36, 1.14})));
    }

    private static final double ADAM_ALPHA1 = sqrt(0.001);
    private static final double ADAM_W1_0 = 1 - ADAM_ALPHA1 * 0.05 / (sqrt(0.00025) + 0.01);
    private static final double ADAM_W1_1 = -2 + ADAM_ALPHA1 * 0.1 / (sqrt(0.001) + 0.01);
    private static final double ADAM_ALPHA2 = 0.1 * sqrt(0.001999) / 0.19;

    private static final double ADAM_D_ALPHA1 = 0.001 * sqrt(0.001) / 0.1;
    private static final double ADAM_D_W1_0 = 1 - ADAM_D_ALPHA1 * 0.05 / (sqrt(0.00025) + 1e-7);
    private static final double ADAM_D_W1_1 = -2 + ADAM_D_ALPHA1 * 0.1 / (sqrt(0.001) + 1e-7);
    private static final double ADAM_D_ALPHA2 = 0.001 * sqrt(0.001999) / 0.19;

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void float64MatchesHandComputedGoldens(Golden golden) {
        Optimizer opt = golden.optimizer().get();
        Tensor w = Tensor.of(W0.clone(), 2);
        OptimizerState state = opt.init(2, DType.FLOAT64);

        state = opt.applyInPlace(state, w, Tensor.of(G1.clone(), 2));
        assertEquals(1, state.iterations());
        assertClose(golden.label() + " params after step 1", golden.w1(), w.toDoubleArray(), Tolerances.FLOAT64);
        assertSlots(golden.label() + " after step 1", golden.slots1(), state, Tolerances.FLOAT64);

        state = opt.applyInPlace(state, w, Tensor.of(G2.clone(), 2));
        assertEquals(2, state.iterations());
        assertClose(golden.label() + " params after step 2", golden.w2(), w.toDoubleArray(), Tolerances.FLOAT64);
        assertSlots(golden.label() + " after step 2", golden.slots2(), state, Tolerances.FLOAT64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void float32MatchesFloat64(Golden golden) {
        Optimizer opt = golden.optimizer().get();
        Tensor w64 = Tensor.of(W0.clone(), 2);
        Tensor w32 = Tensor.of(toFloat(W0), 2);
        OptimizerState s64 = opt.init(2, DType.FLOAT64);
        OptimizerState s32 = opt.init(2, DType.FLOAT32);
        for (double[] g : List.of(G1, G2)) {
            s64 = opt.applyInPlace(s64, w64, Tensor.of(g.clone(), 2));
            s32 = opt.applyInPlace(s32, w32, Tensor.of(toFloat(g), 2));
            assertEquals(DType.FLOAT32, w32.dtype());
            assertRelative(golden.label() + " float32 params", w64.toDoubleArray(), w32.toDoubleArray(), Tolerances.FLOAT32);
            for (int k = 0; k < s64.slots().size(); k++) {
                assertEquals(DType.FLOAT32, s32.slot(k).dtype());
                assertRelative(golden.label() + " float32 slot " + opt.slotNames().get(k),
                        s64.slot(k).toDoubleArray(), s32.slot(k).toDoubleArray(), Tolerances.FLOAT32);
            }
        }
        // and the float32 run also lands on the hand-computed goldens
        assertRelative(golden.label() + " float32 vs golden", golden.w2(), w32.toDoubleArray(), Tolerances.FLOAT32);
    }

    /** The eps placement matters: Keras 3 RMSprop and Adagrad put eps inside the sqrt, Adam outside. */
    @Test
    void epsilonPlacementFollowsKeras3() {
        // one RMSprop step from s = 0 with g = 1, rho 0, eps 1: s = 1, w = -lr * 1/sqrt(1 + 1)
        Tensor w = Tensor.of(new double[] {0.0}, 1);
        new RmsProp(0.1, 0.0, 1.0).applyInPlace(new RmsProp(0.1, 0.0, 1.0).init(1, DType.FLOAT64), w,
                Tensor.of(new double[] {1.0}, 1));
        assertEquals(-0.1 / sqrt(2.0), w.getFlat(0), Tolerances.FLOAT64); // not -0.1 / (1 + 1)

        // Adagrad, accumulator 0 + g^2 = 1, eps 1: w = -lr * 1/sqrt(1 + 1)
        w = Tensor.of(new double[] {0.0}, 1);
        Adagrad adagrad = new Adagrad(0.1, 0.0, 1.0);
        adagrad.applyInPlace(adagrad.init(1, DType.FLOAT64), w, Tensor.of(new double[] {1.0}, 1));
        assertEquals(-0.1 / sqrt(2.0), w.getFlat(0), Tolerances.FLOAT64);

        // Adam, beta_1 = beta_2 = 0 (so alpha = lr, m = g, v = g^2), g = 1, eps 1: w = -lr * 1/(sqrt(1) + 1)
        w = Tensor.of(new double[] {0.0}, 1);
        Adam adam = new Adam(0.1, 0.0, 0.0, 1.0);
        adam.applyInPlace(adam.init(1, DType.FLOAT64), w, Tensor.of(new double[] {1.0}, 1));
        assertEquals(-0.05, w.getFlat(0), Tolerances.FLOAT64); // not -0.1 / sqrt(2)
    }

    /** Adam's bias correction uses t = iterations + 1 taken from the state, not a hidden counter. */
    @Test
    void adamBiasCorrectionUsesStateIterations() {
        Adam adam = new Adam(0.1, 0.9, 0.999, 0.01);
        // from m = v = 0 but iterations = 1 (t = 2): alpha2 * 0.1*g / (sqrt(0.001*g^2) + eps) for g = 0.5
        Tensor w = Tensor.of(new double[] {1.0}, 1);
        OptimizerState fresh = adam.init(1, DType.FLOAT64);
        OptimizerState atOne = new OptimizerState(1, fresh.slots());
        adam.applyInPlace(atOne, w, Tensor.of(new double[] {0.5}, 1));
        assertEquals(1 - ADAM_ALPHA2 * 0.05 / (sqrt(0.00025) + 0.01), w.getFlat(0), Tolerances.FLOAT64);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static void assertSlots(String what, List<double[]> expected, OptimizerState state, double tol) {
        assertEquals(expected.size(), state.slots().size(), what + ": slot count");
        for (int k = 0; k < expected.size(); k++) {
            assertClose(what + " slot " + k, expected.get(k), state.slot(k).toDoubleArray(), tol);
        }
    }

    static void assertClose(String what, double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + " [" + i + "]");
        }
    }

    static void assertRelative(String what, double[] expected, double[] actual, double rtol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            assertTrue(err <= rtol * Math.abs(expected[i]),
                    what + " [" + i + "]: expected " + expected[i] + ", got " + actual[i]
                            + " (relative error " + err / Math.abs(expected[i]) + ")");
        }
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
