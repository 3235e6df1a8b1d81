// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/**
 * Sets a fraction {@code rate} of its inputs to 0 during training and scales the rest by {@code 1/(1-rate)};
 * the identity at inference. No weights. JSON form: {@code {"type": "dropout", "rate": 0.5}}.
 */
public record Dropout(@JsonProperty(required = true) double rate) implements Layer {

    public Dropout {
        if (!(rate >= 0.0 && rate < 1.0)) {
            throw new IllegalArgumentException("Dropout: rate must be in [0, 1), got " + rate);
        }
    }

    @Override
    public String typeName() {
        return "Dropout";
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        return inputShape;
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        return List.of();
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        if (!context.training() || rate == 0.0) {
            return input;
        }
        var x = input.value();
        int rows = x.dim(0);
        // One mask row per sample, whatever the sample's shape: the mask still depends only on the sample's id.
        Tensor mask = context.dropoutMask(rows, rows == 0 ? 0 : x.size() / rows, x.dtype(), rate);
        return Ops.mul(input, Variable.constant(mask.reshape(x.shape())));
    }
}
