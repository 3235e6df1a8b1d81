// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

/**
 * The mean of each channel over all timesteps, Keras's {@code layer_global_average_pooling_1d}:
 * {@code (timesteps, c) -> (c)}. No weights; the shapes and the forward are {@link GlobalPooling}'s (a sum over the
 * timesteps, scaled).
 */
public record GlobalAveragePooling1D() implements GlobalPooling {

    @Override
    public String typeName() {
        return "GlobalAveragePooling1D";
    }

    @Override
    public Pooling2D.Op op() {
        return Pooling2D.Op.AVERAGE;
    }

    @Override
    public int pooledAxes() {
        return 1;
    }
}
