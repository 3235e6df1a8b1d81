// SPDX-License-Identifier: Apache-2.0
/**
 * Outputs on any Hadoop file system ({@code file:}, {@code hdfs:}, {@code s3a:}, or a plain path on the default
 * file system): {@link dev.kindling.spark.io.HadoopFiles} is the one mechanism by which the Spark side writes a file
 * or replaces a directory (a temporary name, then a rename), and {@link dev.kindling.spark.io.HadoopFileStore}
 * keeps a fit's checkpoints there.
 */
package dev.kindling.spark.io;
