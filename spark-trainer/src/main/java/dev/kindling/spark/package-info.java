// SPDX-License-Identifier: Apache-2.0
/**
 * The data-parallel trainer on Apache Spark. {@link dev.kindling.spark.SparkTrainer} fits, evaluates and
 * predicts with a core {@code Sequential} on a DataFrame or an RDD of {@link dev.kindling.spark.Sample}s. Each
 * partition is packed once into contiguous blocks and cached; each step the driver sends the weights to the
 * partitions, they sum the gradients of their share of the global mini-batch, the driver adds the sums in partition
 * order and the core's training loop applies the optimizer: many steps in one Spark job
 * ({@code TrainingStage}, data plane in {@code dev.kindling.spark.stage}) or one job per step ({@code JobPerStep}),
 * with the same weights either way. Batches are drawn by sample number, so the
 * partitioning never changes what is learned. Predictions follow what the output means
 * ({@link dev.kindling.spark.OutputKind}), in the columns {@link dev.kindling.spark.PredictionColumns} names; the
 * Spark ML stages built on all this live in {@code dev.kindling.spark.ml}.
 */
package dev.kindling.spark;
