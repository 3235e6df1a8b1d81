// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * Work split across threads covers every item exactly once, and kernels that split a large batch compute what
 * they compute on its samples one at a time (which never splits).
 */
class ParallelTest {

    @Test
    void rangesCoverEveryItemOnce() {
        for (int n : new int[] {0, 1, 2, 3, 64, 1_000_003}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            Parallel.forRanges(n, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    seen.incrementAndGet(i);
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals(1, seen.get(i), "item " + i + " of " + n);
            }
        }
    }

    @Test
    void allRunsEveryTaskAndRethrowsAFailure() {
        int[] ran = new int[3];
        Parallel.all(() -> ran[0]++, () -> ran[1]++, () -> ran[2]++);
        assertArrayEquals(new int[] {1, 1, 1}, ran);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.all(() -> ran[0]++,
                () -> {
                    throw new IllegalStateException("second task");
                }));
        assertEquals("second task", e.getMessage());
    }

    /** 16 samples of 20x20x8: enough work per kernel to be split across threads (when there are two). */
    @Test
    void splitKernelsMatchSampleBySample() {
        Tensor batch = Tensor.uniform(Shape.of(16, 20, 20, 8), DType.FLOAT32, -1, 1, new Random(1));
        Tensor kernel = Tensor.uniform(Shape.of(3, 3, 8, 16), DType.FLOAT32, -0.3, 0.3, new Random(2));
        Tensor bias = Tensor.uniform(Shape.of(16), DType.FLOAT32, -0.1, 0.1, new Random(3));
        Window2D conv = new Window2D(3, 3, 1, 1, Padding.SAME);
        Window2D pool = new Window2D(2, 2, 2, 2, Padding.VALID);
        Tensor convolved = Ops.conv2dRelu(Variable.constant(batch), Variable.constant(kernel),
                Variable.constant(bias), conv).value();
        Tensor pooled = Ops.maxPool2d(Variable.constant(batch), pool).value();
        for (int s = 0; s < 16; s++) {
            Variable one = Variable.constant(batch.slice(0, s, s + 1));
            Tensor alone = Ops.conv2dRelu(one, Variable.constant(kernel), Variable.constant(bias), conv).value();
            // One GEMM row per output pixel either way; BLAS may block a single sample's rows differently.
            assertTrue(Tensors.allClose(alone, convolved.slice(0, s, s + 1), Tolerances.FLOAT32_SUMS, Tolerances.FLOAT32), "sample " + s);
            assertEquals(Ops.maxPool2d(one, pool).value(), pooled.slice(0, s, s + 1), "sample " + s);
        }
    }
}
