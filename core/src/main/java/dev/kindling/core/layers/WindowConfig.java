// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Window2D;
import java.util.Arrays;

/**
 * Keras's config of a 2-d pooling layer, the JSON form of {@link MaxPooling2D} and {@link AveragePooling2D}:
 * {@code {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}}, where a size may be one integer for both
 * axes and the strides default to the pool size, as in Keras. Also the checks and the output shape both pooling
 * layers share.
 */
record WindowConfig(
        @JsonProperty("pool_size") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] poolSize,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] strides,
        Padding padding) {

    int[] pool(String layer) {
        return pair(poolSize, layer, "pool_size", new int[] {2, 2});
    }

    int[] strides(String layer) {
        return pair(strides, layer, "strides", pool(layer));
    }

    Padding paddingOrValid() {
        return padding == null ? Padding.VALID : padding;
    }

    /** The canonical constructor of a {@link Pooling2D} layer. */
    @FunctionalInterface
    interface PoolingFactory<L extends Pooling2D> {
        L create(int poolHeight, int poolWidth, int strideHeight, int strideWidth, Padding padding);
    }

    /** The layer this config describes, with Keras's defaults filled in; errors name {@code layer}. */
    <L extends Pooling2D> L build(String layer, PoolingFactory<L> factory) {
        int[] pool = pool(layer);
        int[] s = strides(layer);
        return factory.create(pool[0], pool[1], s[0], s[1], paddingOrValid());
    }

    /** The config of a pooling layer, as its model file stores it. */
    static WindowConfig of(Pooling2D layer) {
        return new WindowConfig(new int[] {layer.poolHeight(), layer.poolWidth()},
                new int[] {layer.strideHeight(), layer.strideWidth()}, layer.padding());
    }

    /** {@code [h, w]} from {@code [h, w]} or {@code [n]} (both axes), {@code fallback} if absent. */
    static int[] pair(int[] value, String layer, String name, int[] fallback) {
        if (value == null) {
            if (fallback == null) {
                throw new IllegalArgumentException(layer + ": " + name + " is missing, expected an integer or"
                        + " [height, width]");
            }
            return fallback;
        }
        if (value.length == 1) {
            return new int[] {value[0], value[0]};
        }
        if (value.length != 2) {
            throw new IllegalArgumentException(layer + ": " + name + " must be an integer or [height, width], got "
                    + Arrays.toString(value));
        }
        return value;
    }

    /** A pooling layer's parameters checked, the message naming {@code layer}. */
    static void checkPooling(String layer, int poolHeight, int poolWidth, int strideHeight, int strideWidth,
                             Padding padding) {
        if (poolHeight <= 0 || poolWidth <= 0 || strideHeight <= 0 || strideWidth <= 0) {
            throw new IllegalArgumentException(layer + ": pool size and strides must be > 0, got pool "
                    + poolHeight + "x" + poolWidth + ", strides " + strideHeight + "x" + strideWidth);
        }
        if (padding == null) {
            throw new IllegalArgumentException(layer + ": padding must not be null (valid or same)");
        }
    }

    /** A pooling layer's output sample shape: {@code (oh, ow, c)} for {@code (h, w, c)}, channels kept. */
    static Shape pooledShape(String layer, Window2D window, Shape inputShape) {
        try {
            return window.outputShape(inputShape, inputShape.rank() == 3 ? inputShape.dim(2) : 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layer + ": " + e.getMessage(), e);
        }
    }
}
