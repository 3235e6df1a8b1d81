// SPDX-License-Identifier: Apache-2.0
/**
 * Reverse-mode automatic differentiation over {@link dev.kindling.core.tensor.Tensor}s: a {@link
 * dev.kindling.core.autodiff.Variable} records the graph as ops run, {@link dev.kindling.core.autodiff.Ops} holds
 * every op with its backward rule beside its forward ({@link dev.kindling.core.autodiff.SequenceOps} those on
 * sequences: the embedding lookup and the recurrences), and {@link dev.kindling.core.autodiff.NoGrad} turns
 * recording off for inference. Gradients accumulate, and model parameters accumulate straight into views of one
 * flat gradient vector.
 */
package dev.kindling.core.autodiff;
