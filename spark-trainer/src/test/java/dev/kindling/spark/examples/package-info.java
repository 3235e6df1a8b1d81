// SPDX-License-Identifier: Apache-2.0
/**
 * Programs the README and the docs show whole, compiled and run by the test suite so that they keep working: the
 * README's table job, and chapter 3's Spark workflows (Boston housing's k-fold validation with CrossValidator, the
 * binary text pipeline), which {@code scripts/bench chapter3} runs on the real data.
 */
package dev.kindling.spark.examples;
