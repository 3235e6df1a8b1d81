// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import java.util.List;

/** The job configuration has problems; each one names the key, and the file and line when known. */
public final class BadConfigurationException extends Exception {
    private final List<String> problems;

    public BadConfigurationException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, e.g. {@code conf/job.conf:12: fit.batch-size: must be >= 1, got 0}. */
    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        StringBuilder s = new StringBuilder("bad configuration (" + problems.size()
                + (problems.size() == 1 ? " problem):" : " problems):"));
        for (String p : problems) {
            s.append("\n  ").append(p);
        }
        return s.toString();
    }
}
