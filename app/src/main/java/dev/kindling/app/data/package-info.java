// SPDX-License-Identifier: Apache-2.0
/**
 * Reads the configured inputs into DataFrames the Spark trainer takes (a features column, Spark ML vector or
 * array of numbers, and a numeric label): Spark's own readers for CSV, LibSVM and Parquet, and for MNIST-format IDX
 * files {@link dev.kindling.app.data.IdxFiles}, whose records the executors read from the files themselves (the
 * driver reads only the two headers). Bad values fail with a {@link dev.kindling.spark.DataException} naming the
 * file, row and column.
 */
package dev.kindling.app.data;
