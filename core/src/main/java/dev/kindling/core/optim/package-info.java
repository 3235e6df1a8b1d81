// SPDX-License-Identifier: Apache-2.0
/**
 * Optimizers: Keras 3's SGD, RMSprop, Adam and Adagrad, as pure update functions over explicit state.
 *
 * <p>An {@link dev.kindling.core.optim.Optimizer} is an immutable, serializable record holding only its
 * hyper-parameters (in the style of optax and DJL). Everything that changes during training lives in an
 * {@link dev.kindling.core.optim.OptimizerState}: the number of steps applied so far and the optimizer's slot
 * tensors (velocity, moments, accumulators), each a flat rank-1 tensor the size of the model's flat parameter
 * vector. Whoever owns the parameters owns the state: in the Spark trainer that is the driver, which creates it
 * with {@link dev.kindling.core.optim.Optimizer#init}, checkpoints it, and applies
 * {@link dev.kindling.core.optim.Optimizer#applyInPlace} to the flat parameter and gradient vectors once per
 * iteration. A step updates the parameters and the slot tensors in place and allocates nothing the size of the
 * weights.
 *
 * <p>The update rules are exactly those of {@code keras/src/optimizers/*.py} in Keras 3, with Keras's defaults;
 * each optimizer's Javadoc spells its formulas out. The element-wise rules themselves, with their float32/float64
 * split, are written once in {@code Kernels} (RMSprop and Adagrad share one), which the optimizers call. Optimizers serialize with Java serialization (for Spark)
 * and with Jackson as Keras-style configs, e.g. {@code {"name":"adam","learning_rate":0.001,...}}.
 */
package dev.kindling.core.optim;
