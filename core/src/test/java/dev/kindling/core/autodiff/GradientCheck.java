// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Central-difference gradient check in float64: the analytic gradient from {@link Variable#backward()} must
 * match {@code (f(x + h) - f(x - h)) / 2h} for every element of every input. A non-scalar output is reduced by
 * a fixed random weighting {@code sum(out * R)}, so every output element's gradient is exercised.
 */
public final class GradientCheck {
    /** Finite-difference step: balances truncation error (h^2) against rounding (eps / h) in float64. */
    public static final double STEP = 1e-6;
    public static final double ABS_TOLERANCE = 1e-6;
    public static final double REL_TOLERANCE = 1e-5;

    private GradientCheck() {
    }

    /** Inputs with entries uniform in [low, high), float64, reproducible. */
    public static Tensor input(long seed, double low, double high, int... shape) {
        return Tensor.uniform(dev.kindling.core.tensor.Shape.of(shape), DType.FLOAT64, low, high, new Random(seed));
    }

    /** Inputs with |entries| in [0.1, 1) and random signs: away from the kinks of relu, abs and clip. */
    public static Tensor awayFromZero(long seed, int... shape) {
        Tensor t = input(seed, 0.1, 1.0, shape);
        Random signs = new Random(seed + 1);
        for (int i = 0; i < t.size(); i++) {
            if (signs.nextBoolean()) {
                t.setFlat(i, -t.getFlat(i));
            }
        }
        return t;
    }

    public static void check(Function<List<Variable>, Variable> f, Tensor... inputs) {
        List<Variable> leaves = new ArrayList<>();
        for (Tensor t : inputs) {
            leaves.add(Variable.leaf(t.copy()));
        }
        Variable out = f.apply(leaves);
        Tensor weighting = input(99, -1, 1, out.value().shape().dims());
        Variable scalar = reduce(out, weighting);
        scalar.backward();

        for (int k = 0; k < inputs.length; k++) {
            Tensor analytic = leaves.get(k).grad();
            assertNotNull(analytic, "no gradient reached input " + k);
            for (int i = 0; i < inputs[k].size(); i++) {
                double numeric = (value(f, inputs, weighting, k, i, STEP) - value(f, inputs, weighting, k, i, -STEP))
                        / (2 * STEP);
                double a = analytic.getFlat(i);
                if (Math.abs(a - numeric) > ABS_TOLERANCE + REL_TOLERANCE * Math.abs(numeric)) {
                    fail("gradient of input " + k + " " + inputs[k].shape() + " at flat index " + i + ": analytic " + a
                            + ", numeric " + numeric);
                }
            }
        }
    }

    private static Variable reduce(Variable out, Tensor weighting) {
        return out.value().size() == 1 && out.value().rank() == 0 ? out : Ops.sum(Ops.mul(out, Variable.constant(weighting)));
    }

    private static double value(Function<List<Variable>, Variable> f, Tensor[] inputs, Tensor weighting, int k, int i,
                                double delta) {
        List<Variable> vars = new ArrayList<>();
        for (int j = 0; j < inputs.length; j++) {
            Tensor t = inputs[j].copy();
            if (j == k) {
                t.setFlat(i, t.getFlat(i) + delta);
            }
            vars.add(Variable.constant(t));
        }
        return reduce(f.apply(vars), weighting).value().item();
    }
}
