// SPDX-License-Identifier: Apache-2.0
/** Small command-line tools for scripts and benchmarks, run with {@code java -cp kindling-app.jar}. */
package dev.kindling.app.tools;
