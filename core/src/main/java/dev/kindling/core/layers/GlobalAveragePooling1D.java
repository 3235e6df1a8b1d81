// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import java.util.List;

/**
 * The mean of each channel over all timesteps, Keras's {@code layer_global_average_pooling_1d}:
 * {@code (timesteps, c) -> (c)}. No weights; built from primitives (a sum over the timesteps, scaled).
 */
public record GlobalAveragePooling1D() implements Layer {

    @Override
    public String typeName() {
        return "GlobalAveragePooling1D";
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        if (inputShape.rank() != 2) {
            throw new IllegalArgumentException("GlobalAveragePooling1D expects sequences (timesteps, channels), got "
                    + inputShape);
        }
        return Shape.of(inputShape.dim(1));
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        return List.of();
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        return Ops.scale(Ops.sum(input, 1, false), 1.0 / input.value().dim(1));
    }
}
