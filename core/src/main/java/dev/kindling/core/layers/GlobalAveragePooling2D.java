// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import java.util.List;

/**
 * The mean of each channel over the whole image, Keras's {@code layer_global_average_pooling_2d}:
 * {@code (h, w, c) -> (c)}. No weights. Built from primitives (reshape to {@code (n, h*w, c)}, sum over the
 * pixels, scale by {@code 1/(h*w)}), so it needs no backward rule of its own.
 */
public record GlobalAveragePooling2D() implements Layer {

    @Override
    public String typeName() {
        return "GlobalAveragePooling2D";
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        if (inputShape.rank() != 3) {
            throw new IllegalArgumentException("GlobalAveragePooling2D: expected samples of shape (height, width,"
                    + " channels), got " + inputShape);
        }
        return Shape.of(inputShape.dim(2));
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        return List.of();
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        Shape s = input.value().shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("GlobalAveragePooling2D: expected images (samples, height, width,"
                    + " channels), got " + s);
        }
        int pixels = s.dim(1) * s.dim(2);
        Variable perPixel = Ops.reshape(input, Shape.of(s.dim(0), pixels, s.dim(3)));
        return Ops.scale(Ops.sum(perPixel, 1, false), 1.0 / pixels);
    }
}
