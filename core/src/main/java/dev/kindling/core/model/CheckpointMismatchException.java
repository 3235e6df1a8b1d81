// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

/**
 * A checkpoint cannot be resumed by this fit: it was made by a different model, optimizer, data set (row count,
 * input width), batch size or seed. The message names each difference, the checkpoint's value and the current one.
 */
public final class CheckpointMismatchException extends CheckpointException {
    public CheckpointMismatchException(String message) {
        super(message);
    }
}
