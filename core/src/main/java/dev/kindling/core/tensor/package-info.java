// SPDX-License-Identifier: Apache-2.0
/**
 * N-dimensional float32/float64 arrays ({@link dev.kindling.core.tensor.Tensor}, {@link
 * dev.kindling.core.tensor.Shape}), the rarer operations as static helpers ({@link dev.kindling.core.tensor.Tensors}:
 * arange, transpose, permute, maximum, allClose) and the kernels that are too specialised for {@code Tensor} itself:
 * {@link dev.kindling.core.tensor.Window2D} slides a 2-d window over batches of images in
 * {@code (samples, height, width, channels)} layout (im2col for convolution as GEMM, max and average pooling);
 * {@link dev.kindling.core.tensor.SparseRows} holds batches of sparse feature rows in compressed sparse row form, with
 * the sparse-times-dense kernels of a first {@code Dense} layer.
 */
package dev.kindling.core.tensor;
