package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.List;
import java.util.Random;

/**
 * A layer's <em>description</em>: its configuration, never its weights. Weights live in the model's flat
 * parameter vector; a layer declares their shapes ({@link #parameterShapes}), fills them at initialization, and
 * receives them as variables in {@link #forward}. Layers act on batches of rank-1 samples {@code (n, width)}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Dense.class, name = "dense"),
    @JsonSubTypes.Type(value = Dropout.class, name = "dropout")
})
public sealed interface Layer extends Serializable permits Dense, Dropout {

    /** The Keras class name shown in a summary: {@code Dense}, {@code Dropout}. */
    String typeName();

    /** The input width this layer declares (Keras's {@code input_shape}), or 0 if it takes it from the data. */
    default int inputDim() {
        return 0;
    }

    /** Output width for a given input width. */
    int outputDim(int inputDim);

    /** Shapes of this layer's weights, in the order they are laid out in the flat parameter vector. */
    List<Shape> parameterShapes(int inputDim);

    /** Names of the weights, parallel to {@link #parameterShapes}: {@code kernel}, {@code bias}. */
    default List<String> parameterNames() {
        return List.of();
    }

    /** Writes initial values into views of this layer's weights. */
    default void initialize(List<Tensor> parameters, Random rng) {
    }

    /** The activation applied after {@link #forwardPreActivation}; losses fuse it when they can. */
    default Activation activation() {
        return Activation.LINEAR;
    }

    /** The layer's output before its activation. */
    Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context);

    /** The layer's output. */
    default Variable forward(Variable input, List<Variable> parameters, ForwardContext context) {
        return activation().apply(forwardPreActivation(input, parameters, context));
    }
}
