// SPDX-License-Identifier: Apache-2.0
/** Benchmarks of the Spark trainer (run by scripts, never by the test suite). */
package dev.kindling.spark.bench;
