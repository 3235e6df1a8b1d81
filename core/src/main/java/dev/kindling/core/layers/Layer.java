// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

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
 *
 * <p>A layer of your own is a record implementing this interface: its components are its configuration (what
 * Jackson writes into a model file), {@link #outputShape} and {@link #parameterShapes} say what it makes and needs,
 * {@link #forwardPreActivation} builds its output from autodiff ops (the backward pass comes from them; nothing to
 * write). {@code Registry.layer("my_layer", MyLayer.class)} makes it known to saved models, job files and the Spark
 * ML stages under that {@code type}. It must be serializable (it travels to the Spark executors inside the model)
 * and deterministic given its {@link ForwardContext} (randomness from the context's seeds, as {@link Dropout}
 * does), so that any partitioning learns the same weights.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface Layer extends Serializable {

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

    /**
     * Names of the weights, parallel to {@link #parameterShapes}: {@code kernel}, {@code bias}. Unnamed ones are
     * {@code weight_0}, {@code weight_1}, ...
     */
    default List<String> parameterNames() {
        return List.of();
    }

    /**
     * The regularizer of weight {@code parameter} (an index into {@link #parameterShapes}), Keras's
     * {@code kernel_regularizer} / {@code bias_regularizer}, or null for none (the default).
     */
    default dev.kindling.core.regularizers.Regularizer regularizer(int parameter) {
        return null;
    }

    /**
     * Writes initial values into views of this layer's weights. By default Keras's defaults: glorot uniform for
     * weights of rank 2 and more ({@code U(-l, l)}, {@code l = sqrt(6 / (fan_in + fan_out))}, the fans counting the
     * receptive field of a convolution kernel as Keras's {@code compute_fans} does), zeros for biases (rank 1).
     */
    default void initialize(List<Tensor> parameters, Random rng) {
        for (Tensor p : parameters) {
            if (p.rank() >= 2) {
                int field = 1;
                for (int axis = 0; axis < p.rank() - 2; axis++) {
                    field *= p.dim(axis);
                }
                double limit = Math.sqrt(6.0 / (field * p.dim(p.rank() - 2) + field * p.dim(p.rank() - 1)));
                p.assignInPlace(Tensor.uniform(p.shape(), p.dtype(), -limit, limit, rng));
            } else {
                p.fillInPlace(0.0);
            }
        }
    }

    /**
     * Checks a batch of a model's inputs {@code (rows, sample...)} before anything is trained, when this is the
     * model's first layer: {@link Embedding} requires token ids in its range. Nothing by default (non-finite
     * values are checked for every model).
     *
     * @param context  what the inputs are, for the message: {@code fit}, a column's name
     * @param firstRow the number of the batch's first row in the whole data set, for the message
     * @throws IllegalArgumentException naming the row and the value that this layer cannot take
     */
    default void checkInputs(Tensor batch, String context, long firstRow) {
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
