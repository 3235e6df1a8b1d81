// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

/**
 * Bad input data, found while reading it (on an executor, or on the driver). The message names the column, the
 * row (0-based position in the data's order) and what was expected against what was found.
 */
public final class DataException extends IllegalArgumentException {
    private static final String MARKER = DataException.class.getName() + ": ";

    public DataException(String message) {
        super(message);
    }

    /**
     * The data problem behind a failed Spark job, if there is one, else the failure itself. In local mode the
     * problem is a cause; from a remote executor only its text survives, inside the job failure's message.
     */
    static RuntimeException unwrap(Exception jobFailure) {
        for (Throwable t = jobFailure; t != null; t = t.getCause()) {
            if (t instanceof DataException data) {
                return new DataException(data.getMessage());
            }
        }
        String text = String.valueOf(jobFailure.getMessage());
        int at = text.indexOf(MARKER);
        if (at >= 0) {
            int end = text.indexOf('\n', at);
            return new DataException(text.substring(at + MARKER.length(), end < 0 ? text.length() : end));
        }
        return jobFailure instanceof RuntimeException r ? r : new IllegalStateException(jobFailure.getMessage(), jobFailure);
    }
}
