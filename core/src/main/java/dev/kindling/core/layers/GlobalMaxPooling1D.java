// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Window2D;
import java.util.List;

/**
 * The largest value of each channel over all timesteps, Keras's {@code layer_global_max_pooling_1d}:
 * {@code (timesteps, c) -> (c)}. No weights. A max pooling whose window is the whole sequence (the gradient goes
 * to the first timestep holding the maximum).
 */
public record GlobalMaxPooling1D() implements Layer {

    @Override
    public String typeName() {
        return "GlobalMaxPooling1D";
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        if (inputShape.rank() != 2) {
            throw new IllegalArgumentException("GlobalMaxPooling1D expects sequences (timesteps, channels), got "
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
        Shape s = input.value().shape();
        Window2D all = new Window2D(1, s.dim(1), 1, s.dim(1), Padding.VALID);
        Variable y = Ops.maxPool2d(Ops.reshape(input, Shape.of(s.dim(0), 1, s.dim(1), s.dim(2))), all);
        return Ops.reshape(y, Shape.of(s.dim(0), s.dim(2)));
    }
}
