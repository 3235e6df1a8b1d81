// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Window2D;
import java.util.List;

/**
 * The 2-d pooling family: a {@code poolHeight x poolWidth} window moving by {@code (strideHeight, strideWidth)}
 * reduces each channel, {@code (h, w, c) -> (oh, ow, c)}, by its {@link Op}. {@link MaxPooling2D} and
 * {@link AveragePooling2D} are this family with the op fixed; they keep their own names, Keras configs and model-file
 * form, and everything else (the window, the output shape, the forward) is written once here.
 */
public sealed interface Pooling2D extends Layer permits MaxPooling2D, AveragePooling2D {

    /** How a window is reduced. */
    enum Op {
        /** The largest value; cells outside the image ({@code same} padding) are ignored. */
        MAX,
        /** The mean; cells outside the image ({@code same} padding) are not counted. */
        AVERAGE
    }

    int poolHeight();

    int poolWidth();

    int strideHeight();

    int strideWidth();

    Padding padding();

    /** The reduction this layer applies to each window. */
    Op op();

    default Window2D window() {
        return new Window2D(poolHeight(), poolWidth(), strideHeight(), strideWidth(), padding());
    }

    @Override
    default Shape outputShape(Shape inputShape) {
        return WindowConfig.pooledShape(typeName(), window(), inputShape);
    }

    @Override
    default List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        return List.of();
    }

    @Override
    default Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        return switch (op()) {
            case MAX -> Ops.maxPool2d(input, window());
            case AVERAGE -> Ops.averagePool2d(input, window());
        };
    }
}
