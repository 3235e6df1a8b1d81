// SPDX-License-Identifier: Apache-2.0
/**
 * The data-parallel trainer on Apache Spark. {@link dev.kindling.spark.SparkTrainer} fits, evaluates and
 * predicts with a core {@code Sequential} on a DataFrame or an RDD of {@link dev.kindling.spark.Sample}s. Each
 * partition is packed once into contiguous blocks and cached; each step the driver broadcasts the weights, the
 * partitions sum the gradients of their share of the global mini-batch, {@code treeAggregate} brings the sums to
 * the driver, and the core's training loop applies the optimizer. Batches are drawn by sample number, so the
 * partitioning never changes what is learned. Predictions follow what the output means
 * ({@link dev.kindling.spark.OutputKind}), in the columns {@link dev.kindling.spark.PredictionColumns} names; the
 * Spark ML stages built on all this live in {@code dev.kindling.spark.ml}.
 */
package dev.kindling.spark;
