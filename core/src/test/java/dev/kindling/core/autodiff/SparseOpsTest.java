// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

import static dev.kindling.core.Tolerances.FLOAT32_SUMS;
import static dev.kindling.core.autodiff.GradientCheck.check;
import static dev.kindling.core.autodiff.GradientCheck.input;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import org.junit.jupiter.api.Test;

/** The sparse-times-dense op of a Dense layer on sparse rows: gradient check, and agreement with the dense op. */
class SparseOpsTest {

    /** 5 rows of width 7, one of them empty, values away from zero. */
    private static SparseRows rows(DType dtype) {
        Tensor dense = Tensor.zeros(DType.FLOAT64, 5, 7);
        double[][] entries = {{0, 1, 0.5}, {0, 4, -1.5}, {1, 0, 2}, {1, 6, 0.25}, {3, 2, -0.75}, {3, 3, 1},
            {3, 4, 3}, {4, 6, -2}};
        for (double[] e : entries) {
            dense.set(e[2], (int) e[0], (int) e[1]);
        }
        return SparseRows.fromDense(dense.astype(dtype));
    }

    @Test
    void sparseAffineGradientCheck() {
        SparseRows x = rows(DType.FLOAT64);
        check(v -> Ops.sparseAffine(x, v.get(0), v.get(1)), input(2, -1, 1, 7, 3), input(3, -1, 1, 3));
    }

    @Test
    void sparseAffineEqualsTheDenseAffineForwardAndBackward() {
        for (DType dtype : DType.values()) {
            SparseRows x = rows(dtype);
            Tensor kernel = input(2, -1, 1, 7, 3).astype(dtype);
            Tensor bias = input(3, -1, 1, 3).astype(dtype);
            Tensor weighting = input(4, -1, 1, 5, 3).astype(dtype);

            Variable ks = Variable.leaf(kernel.copy());
            Variable bs = Variable.leaf(bias.copy());
            Variable sparse = Ops.sparseAffine(x, ks, bs);
            Ops.sum(Ops.mul(sparse, Variable.constant(weighting))).backward();

            Variable kd = Variable.leaf(kernel.copy());
            Variable bd = Variable.leaf(bias.copy());
            Variable dense = Ops.affine(Variable.constant(x.toDense()), kd, bd);
            Ops.sum(Ops.mul(dense, Variable.constant(weighting))).backward();

            assertTrue(Tensors.allClose(sparse.value(), dense.value(), 0, FLOAT32_SUMS), dtype + " forward");
            assertTrue(Tensors.allClose(ks.grad(), kd.grad(), 0, FLOAT32_SUMS), dtype + " kernel gradient");
            assertTrue(Tensors.allClose(bs.grad(), bd.grad(), 0, FLOAT32_SUMS), dtype + " bias gradient");
        }
    }

    @Test
    void sparseAffineAddsIntoABoundSinkOnlyTheRowsOfPresentColumns() {
        // kernel (3, 1) and bias (1) as views of one flat vector; the gradient sink starts at ones
        double[] values = {1, 2, 3, 10};
        double[] grads = {1, 1, 1, 1};
        Variable kernel = Variable.parameter(Tensor.wrap(values, 0, Shape.of(3, 1)), Tensor.wrap(grads, 0, Shape.of(3, 1)));
        Variable bias = Variable.parameter(Tensor.wrap(values, 3, Shape.of(1)), Tensor.wrap(grads, 3, Shape.of(1)));
        // rows: {col 0: 2}, {col 2: 5}; column 1 absent
        SparseRows x = SparseRows.of(3, new int[] {0, 1, 2}, new int[] {0, 2}, Tensor.of(new double[] {2, 5}, 2));
        Variable out = Ops.sparseAffine(x, kernel, bias);
        assertTrue(Tensors.allClose(out.value(), Tensor.of(new double[] {12, 25}, 2, 1), 0, 0), out.value().toString());
        Ops.sum(out).backward();
        // dKernel = xᵀ·1 = (2, 0, 5), dBias = 2 rows, each added onto the ones
        assertTrue(Tensors.allClose(Tensor.wrap(grads, 0, Shape.of(4)), Tensor.of(new double[] {3, 1, 6, 3}, 4), 0, 0));
    }
}
