// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

/**
 * Training finished but its outputs could not be written; the message says where the trained model was saved
 * instead (null if nowhere) and how to finish the job.
 */
final class OutputsNotWrittenException extends Exception {
    private final String savedModel;

    OutputsNotWrittenException(String message, String savedModel, Throwable cause) {
        super(message, cause);
        this.savedModel = savedModel;
    }

    /** Where the trained model is, or null. */
    String savedModel() {
        return savedModel;
    }
}
