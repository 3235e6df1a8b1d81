// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.stage;

import dev.kindling.core.model.BatchStats;
import dev.kindling.core.tensor.Tensor;

/**
 * What one task computed for one step, or what the driver made of all of them: the loss and metric sums, the
 * summed gradient (null when the task held no sample of the batch) and how long the computation took (for a merge:
 * the slowest task's).
 */
public record Partial(BatchStats stats, Tensor gradient, long computeNanos) {
}
