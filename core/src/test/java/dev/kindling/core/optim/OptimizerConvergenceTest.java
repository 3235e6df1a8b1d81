// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every optimizer, in the style of optax's tests, minimises the same convex problem
 * {@code f(w) = sum((w - target)^2)}, whose gradient is {@code 2 (w - target)}, from {@code w = 0}.
 */
class OptimizerConvergenceTest {

    private static final double[] TARGET = {3.0, -1.0, 0.5, 2.0};
    private static final int STEPS = 400;

    static Stream<Arguments> cases() {
        Stream<Optimizer> optimizers = Stream.of(
                Optimizer.sgd(0.1),
                Optimizer.sgd(0.01, 0.9, false),
                Optimizer.sgd(0.01, 0.9, true),
                Optimizer.rmsprop(0.01),
                Optimizer.adam(0.05),
                Optimizer.adagrad(0.5));
        return optimizers.flatMap(o -> Stream.of(
                Arguments.of(o, DType.FLOAT64), Arguments.of(o, DType.FLOAT32)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void minimisesAQuadratic(Optimizer opt, DType dtype) {
        int n = TARGET.length;
        Tensor w = Tensor.zeros(dtype, n);
        Tensor g = Tensor.zeros(dtype, n);
        OptimizerState state = opt.init(n, dtype);
        double initialLoss = loss(w);
        for (int step = 0; step < STEPS; step++) {
            for (int i = 0; i < n; i++) {
                g.setFlat(i, 2 * (w.getFlat(i) - TARGET[i]));
            }
            state = opt.applyInPlace(state, w, g);
        }
        assertEquals(STEPS, state.iterations());
        for (int i = 0; i < n; i++) {
            assertEquals(TARGET[i], w.getFlat(i), 1e-3, opt + " " + dtype + " w[" + i + "]");
        }
        assertTrue(loss(w) < 1e-6 * initialLoss, opt + " " + dtype + ": loss " + loss(w));
    }

    private static double loss(Tensor w) {
        double s = 0;
        for (int i = 0; i < TARGET.length; i++) {
            double d = w.getFlat(i) - TARGET[i];
            s += d * d;
        }
        return s;
    }
}
