// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.stage;

import dev.kindling.core.tensor.Tensor;

/** What a task of the training stage does with each step it receives: its share of the batch's gradient. */
@FunctionalInterface
public interface StepWork {
    /**
     * @param sortedRows the batch's sample numbers, ascending
     * @param seed       the step's randomness (dropout)
     * @param weights    the weights to compute with; read only, and only until this call returns
     */
    Partial compute(int[] sortedRows, long seed, Tensor weights);
}
