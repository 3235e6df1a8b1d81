// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kindling.core.tensor.Padding;

/**
 * The mean under a {@code poolHeight x poolWidth} window, per channel, Keras's
 * {@code layer_average_pooling_2d}: {@code (h, w, c) -> (oh, ow, c)}. Keras defaults: strides equal to the pool size,
 * padding {@code valid}. No weights. {@code new AveragePooling2D(2)} halves the height and width.
 *
 * @param poolHeight   rows of the window, > 0
 * @param poolWidth    columns of the window, > 0
 * @param strideHeight rows the window moves by, > 0
 * @param strideWidth  columns the window moves by, > 0
 * @param padding      {@code valid} or {@code same} (cells outside the image are not counted)
 */
public record AveragePooling2D(int poolHeight, int poolWidth, int strideHeight, int strideWidth, Padding padding)
        implements Pooling2D {

    public AveragePooling2D {
        WindowConfig.checkPooling("AveragePooling2D", poolHeight, poolWidth, strideHeight, strideWidth, padding);
    }

    /** From the JSON form {@link WindowConfig}: {@code {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}}. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static AveragePooling2D fromConfig(WindowConfig c) {
        return c.build("AveragePooling2D", AveragePooling2D::new);
    }

    @JsonValue
    WindowConfig config() {
        return WindowConfig.of(this);
    }

    /** A square {@code poolSize x poolSize} window moving by its own size, padding {@code valid}. */
    public AveragePooling2D(int poolSize) {
        this(poolSize, poolSize, poolSize, poolSize, Padding.VALID);
    }

    @Override
    public String typeName() {
        return "AveragePooling2D";
    }

    @Override
    public Op op() {
        return Op.AVERAGE;
    }
}
