// SPDX-License-Identifier: Apache-2.0
/**
 * N-dimensional float32/float64 arrays ({@link dev.kindling.core.tensor.Tensor}, {@link
 * dev.kindling.core.tensor.Shape}), the rarer operations as static helpers ({@link dev.kindling.core.tensor.Tensors}:
 * arange, transpose, permute, maximum, allClose) and the kernels that are too specialised for {@code Tensor} itself:
 * {@link dev.kindling.core.tensor.Window2D} slides a 2-d window over batches of images in
 * {@code (samples, height, width, channels)} layout (im2col for convolution as GEMM, max and average pooling).
 */
package dev.kindling.core.tensor;
