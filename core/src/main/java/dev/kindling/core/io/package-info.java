/**
 * Files on the local disk: {@link dev.kindling.core.io.LocalFiles#writeAtomically}, the one way the core writes a
 * file (saved models, checkpoints), so that no reader ever sees a half-written one.
 */
package dev.kindling.core.io;
