// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

/**
 * The mean of each channel over the whole image, Keras's {@code layer_global_average_pooling_2d}:
 * {@code (h, w, c) -> (c)}. No weights; the shapes and the forward are {@link GlobalPooling}'s (reshape to
 * {@code (n, h*w, c)}, sum over the pixels, scale by {@code 1/(h*w)}), so it needs no backward rule of its own.
 */
public record GlobalAveragePooling2D() implements GlobalPooling {

    @Override
    public String typeName() {
        return "GlobalAveragePooling2D";
    }

    @Override
    public Pooling2D.Op op() {
        return Pooling2D.Op.AVERAGE;
    }

    @Override
    public int pooledAxes() {
        return 2;
    }
}
