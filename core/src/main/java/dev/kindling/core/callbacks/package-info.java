// SPDX-License-Identifier: Apache-2.0
/**
 * Keras's training callbacks, as {@link dev.kindling.core.model.TrainingListener}s on the fit loop's handle, so they
 * work the same in one JVM and on Spark (they run where the loop runs, the driver) and their state rides in
 * checkpoints: {@link dev.kindling.core.callbacks.EarlyStopping}, {@link dev.kindling.core.callbacks.ModelCheckpoint},
 * {@link dev.kindling.core.callbacks.ReduceLROnPlateau}, {@link dev.kindling.core.callbacks.LearningRateScheduler}
 * with {@link dev.kindling.core.callbacks.Schedules}, {@link dev.kindling.core.callbacks.CSVLogger} and
 * {@link dev.kindling.core.callbacks.TerminateOnNaN} (the loop itself refuses a step whose training loss is not
 * finite; this one stops on any other log that is not). Each has a {@code Config} record, its job-file form, registered
 * by name in the core's {@code Registry}.
 */
package dev.kindling.core.callbacks;
