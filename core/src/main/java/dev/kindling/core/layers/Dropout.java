package dev.kindling.core.layers;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import java.util.List;

/**
 * Sets a fraction {@code rate} of its inputs to 0 during training and scales the rest by {@code 1/(1-rate)};
 * the identity at inference. No weights.
 */
public record Dropout(double rate) implements Layer {

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
    public int outputDim(int inputDim) {
        return inputDim;
    }

    @Override
    public List<Shape> parameterShapes(int inputDim) {
        return List.of();
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        if (!context.training() || rate == 0.0) {
            return input;
        }
        var x = input.value();
        return Ops.mul(input, Variable.constant(context.dropoutMask(x.dim(0), x.dim(1), x.dtype(), rate)));
    }
}
