// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

/**
 * Bad input data, found while reading it (on an executor, or on the driver). The message names the column, the
 * row (0-based position in the data's order) and what was expected against what was found.
 */
public final class DataException extends IllegalArgumentException {
    public DataException(String message) {
        super(message);
    }

    /**
     * The data problem behind a failed Spark job, if there is one ({@link JobFailures#messageOf}), else the failure
     * itself.
     */
    static RuntimeException unwrap(Exception jobFailure) {
        String problem = JobFailures.messageOf(jobFailure, DataException.class);
        if (problem != null) {
            return new DataException(problem);
        }
        return jobFailure instanceof RuntimeException r ? r : new IllegalStateException(jobFailure.getMessage(), jobFailure);
    }
}
