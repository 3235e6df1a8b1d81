// SPDX-License-Identifier: Apache-2.0
/**
 * The Keras-like model API: {@link dev.kindling.core.model.Sequential} (compile, fit, evaluate, predict,
 * summary, save, load) and what it is made of: the architecture ({@link dev.kindling.core.model.Network}), the
 * flat weight layout ({@link dev.kindling.core.model.ParameterLayout}), one batch's summed gradient
 * ({@link dev.kindling.core.model.BatchGradient}), the batch order ({@link dev.kindling.core.model.MiniBatches}),
 * and the history and progress of training. A distributed trainer reuses the same pieces per partition.
 */
package dev.kindling.core.model;
