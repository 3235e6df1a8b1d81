// SPDX-License-Identifier: Apache-2.0
/** Programs the README shows whole, compiled and run by the test suite so that they keep working. */
package dev.kindling.spark.examples;
