// SPDX-License-Identifier: Apache-2.0
/** Benchmarks of the core engine in one JVM (run by scripts, never by the test suite). */
package dev.kindling.core.bench;
