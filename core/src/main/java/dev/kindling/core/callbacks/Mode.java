// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

/** Whether a monitored quantity is better lower, higher, or as its name says (Keras's {@code mode='auto'}). */
public enum Mode {
    MIN, MAX, AUTO
}
