// SPDX-License-Identifier: Apache-2.0
/**
 * The spark-submit application: {@link dev.kindling.app.Main} parses the command line (picocli) and runs
 * {@code train}, {@code evaluate} or {@code predict} from a job configuration ({@link dev.kindling.app.config}).
 * Exit codes: 0 done, 1 failed, 2 bad configuration or command line, 3 bad data.
 */
package dev.kindling.app;
