// SPDX-License-Identifier: Apache-2.0
/**
 * Files on the local disk: {@link dev.kindling.core.io.LocalFiles#writeAtomically}, the one way the core writes a
 * file (saved models, checkpoints), so that no reader ever sees a half-written one; and
 * {@link dev.kindling.core.io.FileStore}, a folder that checkpoints, model checkpoints and logs are written to (a
 * local one here, any Hadoop file system in the Spark module).
 */
package dev.kindling.core.io;
