// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

/**
 * The largest value of each channel over all timesteps, Keras's {@code layer_global_max_pooling_1d}:
 * {@code (timesteps, c) -> (c)}. No weights; the shapes and the forward are {@link GlobalPooling}'s (a max pooling
 * whose window is the whole sequence; the gradient goes to the first timestep holding the maximum).
 */
public record GlobalMaxPooling1D() implements GlobalPooling {

    @Override
    public String typeName() {
        return "GlobalMaxPooling1D";
    }

    @Override
    public Pooling2D.Op op() {
        return Pooling2D.Op.MAX;
    }

    @Override
    public int pooledAxes() {
        return 1;
    }
}
