// SPDX-License-Identifier: Apache-2.0
/**
 * Weight regularizers (chapter 4's weight regularization), Keras's {@code kernel_regularizer} and
 * {@code bias_regularizer}: {@link dev.kindling.core.regularizers.L1}, {@link dev.kindling.core.regularizers.L2} and
 * {@link dev.kindling.core.regularizers.L1L2} with Keras's formulas and defaults. A regularizer turns a weight tensor
 * into a penalty built from autodiff ops, so the penalty's gradient needs no code of its own; the training loop adds
 * the penalties of the trainable layers to each step's mean loss and their gradient to the mean gradient, once per
 * step, on the JVM that applies the optimizer (the Spark driver on a cluster), never once per partition.
 */
package dev.kindling.core.regularizers;
