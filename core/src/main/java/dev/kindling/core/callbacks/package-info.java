// SPDX-License-Identifier: Apache-2.0
/**
 * Keras's training callbacks, as {@link dev.kindling.core.model.TrainingListener}s on the fit loop's handle, so they
 * work the same in one JVM and on Spark (they run where the loop runs, the driver) and their state rides in
 * checkpoints: {@link dev.kindling.core.callbacks.EarlyStopping}, {@link dev.kindling.core.callbacks.ModelCheckpoint},
 * {@link dev.kindling.core.callbacks.ReduceLROnPlateau}, {@link dev.kindling.core.callbacks.LearningRateScheduler}
 * with {@link dev.kindling.core.callbacks.Schedules}, and {@link dev.kindling.core.callbacks.CSVLogger}. The NaN stop
 * (Keras's {@code TerminateOnNaN}) is built into the loop, which must refuse a step before applying it.
 */
package dev.kindling.core.callbacks;
