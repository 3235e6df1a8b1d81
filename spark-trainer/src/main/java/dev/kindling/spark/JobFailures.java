// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

/**
 * The one place that reads a failed Spark job for the exception behind it. In one JVM (local mode) that exception is
 * a cause of the failure; from a remote executor only its text survives, as the line
 * {@code fully.qualified.ClassName: message} inside a message along the cause chain. Both are looked for here, so
 * that the data errors, the lost-block retry and the command line's messages agree on what a failure was.
 */
public final class JobFailures {
    private JobFailures() {
    }

    /**
     * The message of the first {@code kind} behind {@code failure} (an empty string when it has none), or null when
     * there is no such exception, neither as a cause nor as text.
     */
    public static String messageOf(Throwable failure, Class<? extends Throwable> kind) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (kind.isInstance(t)) {
                return t.getMessage() == null ? "" : t.getMessage();
            }
        }
        String name = kind.getName();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String text = String.valueOf(t.getMessage());
            int at = text.indexOf(name);
            if (at >= 0) {
                int from = at + name.length();
                if (!text.startsWith(": ", from)) {
                    return "";
                }
                int end = text.indexOf('\n', from);
                return text.substring(from + 2, end < 0 ? text.length() : end);
            }
        }
        return null;
    }
}
