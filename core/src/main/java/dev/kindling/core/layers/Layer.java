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
 * receives them as variables in {@link #forward}.
 *
 * <p>Shapes here are one sample's, without the batch axis, as Keras's {@code input_shape}: {@code (784)} for a
 * row of features, {@code (28, 28, 1)} for an image (height, width, channels: channels last). A layer acts on
 * batches {@code (n, shape...)}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Dense.class, name = "dense"),
    @JsonSubTypes.Type(value = Dropout.class, name = "dropout"),
    @JsonSubTypes.Type(value = Conv2D.class, name = "conv2d"),
    @JsonSubTypes.Type(value = MaxPooling2D.class, name = "max_pooling2d"),
    @JsonSubTypes.Type(value = AveragePooling2D.class, name = "average_pooling2d"),
    @JsonSubTypes.Type(value = GlobalAveragePooling2D.class, name = "global_average_pooling2d"),
    @JsonSubTypes.Type(value = Flatten.class, name = "flatten")
})
public sealed interface Layer extends Serializable
        permits Dense, Dropout, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten {

    /** The Keras class name shown in a summary: {@code Dense}, {@code Conv2D}, {@code MaxPooling2D}. */
    String typeName();

    /**
     * The shape of one input sample this layer declares (Keras's {@code input_shape}), or null if it takes it
     * from the previous layer or the data.
     */
    default Shape inputShape() {
        return null;
    }

    /**
     * The shape of one output sample for one input sample's shape.
     *
     * @throws IllegalArgumentException naming the expected and the given shape if this layer cannot take it
     */
    Shape outputShape(Shape inputShape);

    /** Shapes of this layer's weights, in the order they are laid out in the flat parameter vector. */
    List<Shape> parameterShapes(Shape inputShape);

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
