// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

/**
 * A checkpoint cannot be used as asked: none to resume from, a folder that already holds another run's, or one made
 * by a different fit ({@link CheckpointMismatchException}). Nothing was changed when it is thrown.
 */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }
}
