// SPDX-License-Identifier: Apache-2.0
/**
 * Checkpoints during a fit and exact resumption: {@link dev.kindling.core.checkpoint.BackupAndRestore} (Keras's
 * callback of that name) writes {@link dev.kindling.core.model.Checkpoint}s to a
 * {@link dev.kindling.core.io.FileStore} every N steps and/or epochs and when training is interrupted,
 * keeps the newest few, and restores the newest good one when a fit begins. A local folder is
 * {@link dev.kindling.core.io.FileStore#local}; the Spark module adds any Hadoop file system.
 */
package dev.kindling.core.checkpoint;
