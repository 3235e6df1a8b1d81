// SPDX-License-Identifier: Apache-2.0
/**
 * The training stage's data plane: how the driver and the tasks of a many-steps Spark job exchange each step's batch,
 * weights and gradient sums. {@link dev.kindling.spark.stage.Hub} listens on the driver and admits a task only with
 * its segment's secret; a {@link dev.kindling.spark.stage.Segment} is one job's worth of steps, merging the tasks'
 * {@link dev.kindling.spark.stage.Partial} results in partition order; a {@link dev.kindling.spark.stage.TaskLink}
 * travels in the task and runs its side with a {@link dev.kindling.spark.stage.StepWork}; {@code Wire} is the
 * message layout. It knows nothing of blocks or layers: {@code dev.kindling.spark.TrainingStage} gives it the work.
 */
package dev.kindling.spark.stage;
