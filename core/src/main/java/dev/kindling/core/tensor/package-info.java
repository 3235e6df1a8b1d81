/**
 * N-dimensional float32/float64 arrays: {@link dev.kindling.core.tensor.Tensor}, its {@link
 * dev.kindling.core.tensor.Shape} and {@link dev.kindling.core.tensor.DType}.
 */
package dev.kindling.core.tensor;
