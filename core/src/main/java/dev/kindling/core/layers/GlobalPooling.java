// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Window2D;
import java.util.List;

/**
 * The global pooling family: each channel reduced over every timestep or pixel by an {@link Pooling2D.Op},
 * {@code (timesteps, c) -> (c)} or {@code (h, w, c) -> (c)}. {@link GlobalAveragePooling1D},
 * {@link GlobalMaxPooling1D} and {@link GlobalAveragePooling2D} are this family with the op and the number of
 * axes fixed; they keep their own names, Keras configs and model-file form, and the shapes and the forward are
 * written once here. No weights; built from primitives, so there is no backward rule of its own: the mean is a sum
 * over the cells scaled by {@code 1/cells}, the maximum a max pooling whose window is every cell (the gradient goes to
 * the first cell holding the maximum).
 */
public sealed interface GlobalPooling extends Layer
        permits GlobalAveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling2D {

    /** The reduction applied to each channel. */
    Pooling2D.Op op();

    /** The axes pooled away: 1 for sequences {@code (timesteps, c)}, 2 for images {@code (h, w, c)}. */
    int pooledAxes();

    @Override
    default Shape outputShape(Shape inputShape) {
        if (inputShape.rank() != pooledAxes() + 1) {
            throw new IllegalArgumentException(pooledAxes() == 1
                    ? typeName() + " expects sequences (timesteps, channels), got " + inputShape
                    : typeName() + ": expected samples of shape (height, width, channels), got " + inputShape);
        }
        return Shape.of(inputShape.dim(pooledAxes()));
    }

    @Override
    default List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        return List.of();
    }

    @Override
    default Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        Shape s = input.value().shape();
        if (s.rank() != pooledAxes() + 2) {
            throw new IllegalArgumentException(typeName() + ": expected " + (pooledAxes() == 1
                    ? "sequences (samples, timesteps, channels)" : "images (samples, height, width, channels)")
                    + ", got " + s);
        }
        int samples = s.dim(0);
        int channels = s.dim(pooledAxes() + 1);
        int cells = pooledAxes() == 1 ? s.dim(1) : s.dim(1) * s.dim(2);
        Variable perCell = pooledAxes() == 1 ? input : Ops.reshape(input, Shape.of(samples, cells, channels));
        return switch (op()) {
            case AVERAGE -> Ops.scale(Ops.sum(perCell, 1, false), 1.0 / cells);
            case MAX -> Ops.reshape(MaxPooling1D.alongTime(perCell, new Window2D(1, cells, 1, cells, Padding.VALID)),
                    Shape.of(samples, channels));
        };
    }
}
