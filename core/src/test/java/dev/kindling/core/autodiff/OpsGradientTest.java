// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

import static dev.kindling.core.autodiff.GradientCheck.awayFromZero;
import static dev.kindling.core.autodiff.GradientCheck.check;
import static dev.kindling.core.autodiff.GradientCheck.input;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Window2D;
import dev.kindling.core.tensor.Tensors;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A finite-difference gradient check for every differentiable op, including broadcast operands. */
class OpsGradientTest {

    @Test
    void add() {
        check(v -> Ops.add(v.get(0), v.get(1)), input(1, -1, 1, 3, 4), input(2, -1, 1, 3, 4));
    }

    @Test
    void addBroadcastsRowVectorAndScalar() {
        check(v -> Ops.add(v.get(0), v.get(1)), input(1, -1, 1, 3, 4), input(2, -1, 1, 4));
        check(v -> Ops.add(v.get(0), v.get(1)), input(1, -1, 1, 3, 4), input(2, -1, 1));
        check(v -> Ops.add(v.get(0), v.get(1)), input(1, -1, 1, 2, 1, 3), input(2, -1, 1, 4, 1));
    }

    @Test
    void sub() {
        check(v -> Ops.sub(v.get(0), v.get(1)), input(1, -1, 1, 3, 4), input(2, -1, 1, 3, 1));
    }

    @Test
    void mul() {
        check(v -> Ops.mul(v.get(0), v.get(1)), input(1, -1, 1, 3, 4), input(2, -1, 1, 3, 4));
        check(v -> Ops.mul(v.get(0), v.get(1)), input(1, -1, 1, 3, 4), input(2, -1, 1, 1, 4));
    }

    @Test
    void div() {
        check(v -> Ops.div(v.get(0), v.get(1)), input(1, -1, 1, 3, 4), input(2, 0.5, 2, 3, 4));
        check(v -> Ops.div(v.get(0), v.get(1)), input(1, -1, 1, 3, 4), input(2, 0.5, 2, 3, 1));
    }

    @Test
    void matmul() {
        check(v -> Ops.matmul(v.get(0), v.get(1)), input(1, -1, 1, 5, 3), input(2, -1, 1, 3, 4));
    }

    @Test
    void affine() {
        check(v -> Ops.affine(v.get(0), v.get(1), v.get(2)), input(1, -1, 1, 5, 3), input(2, -1, 1, 3, 4),
                input(3, -1, 1, 4));
    }

    @Test
    void affineAccumulatesIntoBoundSinksAndSkipsAConstantInput() {
        double[] grads = {1, 1, 1, 1, 1, 1};
        double[] values = {1, 2, 3, 4, 10, 20};
        Tensor flatGrad = Tensor.wrap(grads, 0, Shape.of(6));
        Variable kernel = Variable.parameter(Tensor.wrap(values, 0, Shape.of(2, 2)),
                Tensor.wrap(grads, 0, Shape.of(2, 2)));
        Variable bias = Variable.parameter(Tensor.wrap(values, 4, Shape.of(2)), Tensor.wrap(grads, 4, Shape.of(2)));
        Variable x = Variable.constant(Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2));
        Ops.sum(Ops.affine(x, kernel, bias)).backward();
        // dKernel[i][j] = sum of column i of x; dBias = rows; both added onto the sink's ones
        assertTrue(Tensors.allClose(flatGrad, Tensor.of(new double[] {10, 10, 13, 13, 4, 4}, 6), 0, 0), flatGrad.toString());
        assertNull(x.grad());
    }

    @Test
    void conv2dWithStridesPaddingAndChannels() {
        for (Window2D w : List.of(new Window2D(3, 3, 1, 1, Padding.VALID), new Window2D(3, 3, 2, 2, Padding.SAME),
                new Window2D(2, 3, 2, 1, Padding.VALID), new Window2D(4, 2, 1, 3, Padding.SAME))) {
            check(v -> Ops.conv2d(v.get(0), v.get(1), v.get(2), w), input(1, -1, 1, 2, 5, 6, 3),
                    input(2, -1, 1, w.height(), w.width(), 3, 4), input(3, -1, 1, 4));
        }
    }

    @Test
    void maxPool2dWithStridesAndPadding() {
        // Uniform samples in float64 are far apart compared with the finite-difference step: no near-ties.
        for (Window2D w : List.of(new Window2D(2, 2, 2, 2, Padding.VALID), new Window2D(3, 3, 2, 2, Padding.SAME),
                new Window2D(2, 3, 1, 2, Padding.VALID))) {
            check(v -> Ops.maxPool2d(v.get(0), w), input(1, -1, 1, 2, 5, 6, 3));
        }
    }

    @Test
    void averagePool2dWithStridesAndPadding() {
        for (Window2D w : List.of(new Window2D(2, 2, 2, 2, Padding.VALID), new Window2D(3, 2, 2, 1, Padding.SAME),
                new Window2D(3, 3, 1, 1, Padding.SAME))) {
            check(v -> Ops.averagePool2d(v.get(0), w), input(1, -1, 1, 2, 5, 6, 3));
        }
    }

    @Test
    void reshape() {
        check(v -> Ops.reshape(v.get(0), Shape.of(2, 12)), input(1, -1, 1, 2, 3, 2, 2));
        check(v -> Ops.mul(Ops.reshape(v.get(0), Shape.of(3, 4)), Ops.reshape(v.get(0), Shape.of(3, 4))),
                input(1, -1, 1, 2, 6));
    }

    @Test
    void unaryOps() {
        check(v -> Ops.neg(v.get(0)), input(1, -1, 1, 3, 4));
        check(v -> Ops.exp(v.get(0)), input(1, -2, 2, 3, 4));
        check(v -> Ops.log(v.get(0)), input(1, 0.2, 3, 3, 4));
        check(v -> Ops.relu(v.get(0)), awayFromZero(1, 3, 4));
        check(v -> Ops.sigmoid(v.get(0)), input(1, -4, 4, 3, 4));
        check(v -> Ops.tanh(v.get(0)), input(1, -3, 3, 3, 4));
        check(v -> Ops.scale(v.get(0), -2.5), input(1, -1, 1, 3, 4));
        check(v -> Ops.square(v.get(0)), input(1, -1, 1, 3, 4));
    }

    @Test
    void clipPassesGradientOnlyInsideTheRange() {
        check(v -> Ops.clip(v.get(0), -0.05, 0.05), awayFromZero(1, 3, 4)); // all outside: zero gradient
        check(v -> Ops.clip(v.get(0), -2, 2), awayFromZero(1, 3, 4));       // all inside: identity
    }

    @Test
    void reductions() {
        check(v -> Ops.sum(v.get(0)), input(1, -1, 1, 3, 4));
        check(v -> Ops.mean(v.get(0)), input(1, -1, 1, 3, 4));
        check(v -> Ops.sum(v.get(0), 0, false), input(1, -1, 1, 3, 4));
        check(v -> Ops.sum(v.get(0), 1, true), input(1, -1, 1, 3, 4));
        check(v -> Ops.sum(v.get(0), -1, false), input(1, -1, 1, 2, 3, 4));
    }

    @Test
    void softmaxAndLogSoftmax() {
        check(v -> Ops.logSoftmax(v.get(0), -1), input(1, -3, 3, 4, 5));
        check(v -> Ops.softmax(v.get(0), -1), input(1, -3, 3, 4, 5));
        check(v -> Ops.logSoftmax(v.get(0), 0), input(1, -3, 3, 4, 5));
    }

    @Test
    void logSoftmaxIsStableForHugeLogits() {
        Tensor logits = Tensor.of(new double[] {1000, 0, -1000}, 1, 3);
        Tensor out = Ops.logSoftmax(Variable.constant(logits), -1).value();
        assertEquals(0.0, out.getFlat(0), Tolerances.FLOAT64);
        assertEquals(-1000.0, out.getFlat(1), 1e-9);
        assertFalse(out.hasNonFinite());
    }

    @Test
    void aVariableUsedTwiceAccumulatesBothContributions() {
        Variable x = Variable.leaf(Tensor.of(new double[] {3.0}, 1));
        Ops.sum(Ops.add(Ops.mul(x, x), x)).backward(); // d/dx (x^2 + x) = 2x + 1 = 7
        assertEquals(7.0, x.grad().getFlat(0), 0.0);
    }

    @Test
    void parametersAccumulateIntoTheirSinkAcrossBackwardPasses() {
        Tensor flatGrad = Tensor.zeros(DType.FLOAT64, 4);
        Tensor flatValue = Tensor.of(new double[] {1, 2, 3, 4}, 4);
        Variable w = Variable.parameter(flatValue.reshape(2, 2), flatGrad.reshape(2, 2));
        Variable x = Variable.constant(Tensor.of(new double[] {1, 1}, 1, 2));
        Ops.sum(Ops.matmul(x, w)).backward();
        Ops.sum(Ops.matmul(x, w)).backward();
        assertTrue(Tensors.allClose(flatGrad, Tensor.of(new double[] {2, 2, 2, 2}, 4), 0, 0), flatGrad.toString());
    }

    @Test
    void noGradRecordsNothing() {
        Variable x = Variable.leaf(Tensor.of(new double[] {1, 2}, 2));
        try (NoGrad ignored = NoGrad.enter()) {
            Variable y = Ops.sum(Ops.mul(x, x));
            assertFalse(y.requiresGrad());
            assertThrows(IllegalStateException.class, y::backward);
        }
        assertFalse(NoGrad.isActive());
        assertNull(x.grad());
    }

    @Test
    void backwardNeedsAScalar() {
        Variable x = Variable.leaf(Tensor.of(new double[] {1, 2}, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Ops.mul(x, x).backward());
        assertTrue(e.getMessage().contains("(2,)"), e.getMessage());
    }
}
