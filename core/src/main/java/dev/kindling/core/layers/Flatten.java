// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import java.util.List;

/**
 * Flattens each sample into one row, Keras's {@code layer_flatten}: {@code (h, w, c) -> (h*w*c)} in row-major
 * (channels-last) order, so a Dense layer can follow a convolution. A view: no copy, no weights.
 *
 * JSON form: {@code {"type": "flatten"}}, with {@code "input_shape": [28, 28, 1]} as a first layer.
 *
 * @param inputShape one sample's shape if this is the first layer (Keras's {@code input_shape}), else null
 */
public record Flatten(@JsonProperty("input_shape") @JsonAlias("inputShape") Shape inputShape) implements Layer {

    public Flatten {
        if (inputShape != null && inputShape.rank() == 0) {
            throw new IllegalArgumentException("Flatten: inputShape must have at least one axis, got " + inputShape);
        }
    }

    public Flatten() {
        this(null);
    }

    @Override
    public String typeName() {
        return "Flatten";
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        return Shape.of(inputShape.size());
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        return List.of();
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        Shape s = input.value().shape();
        return Ops.reshape(input, Shape.of(s.dim(0), s.drop(1).size()));
    }
}
