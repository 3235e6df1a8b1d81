// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.onnx;

import static dev.kindling.core.onnx.OnnxGraph.attribute;

import dev.kindling.core.layers.AveragePooling2D;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.GlobalAveragePooling2D;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import dev.kindling.core.tensor.Window2D;
import java.util.List;

/**
 * The ONNX exporters of the built-in layers, which the registry pairs with each layer kind. Opset 13 operators
 * only. Every one returns exactly what the layer's Kindling forward returns, in Kindling's layout (flat rows, or
 * images channels last); inside a chain of image layers the NCHW values ONNX needs are passed along without
 * transposing back and forth ({@link OnnxGraph#channelsLast}).
 */
public final class LayerExporters {
    private LayerExporters() {
    }

    /** {@code Gemm(x, kernel, bias)}: the kernel {@code (in, units)} is ONNX's B as stored; then the activation. */
    public static String dense(Dense layer, OnnxGraph graph, String input, Shape inputShape, List<Tensor> weights) {
        String kernel = graph.initializer("kernel", weights.get(0));
        String bias = graph.initializer("bias", weights.get(1));
        String z = graph.node("Gemm", List.of(input, kernel, bias));
        return graph.activation(layer.activation(), z, -1);
    }

    /** The identity at inference, which is all an exported model does: no node. */
    public static String dropout(Dropout layer, OnnxGraph graph, String input, Shape inputShape,
                                 List<Tensor> weights) {
        return input;
    }

    /**
     * {@code Conv} on NCHW with the kernel permuted from Keras's {@code (kh, kw, in, out)} to ONNX's
     * {@code (out, in, kh, kw)}, explicit pads for {@code same}; the activation on NCHW (softmax over the channels,
     * axis 1), the result back to channels last.
     */
    public static String conv2d(Conv2D layer, OnnxGraph graph, String input, Shape inputShape, List<Tensor> weights) {
        String kernel = graph.initializer("kernel", Tensors.permute(weights.get(0), 3, 2, 0, 1));
        String bias = graph.initializer("bias", weights.get(1));
        Window2D w = layer.window();
        String z = graph.node("Conv", List.of(graph.channelsFirst(input), kernel, bias),
                attribute("kernel_shape", w.height(), w.width()),
                attribute("strides", w.strideHeight(), w.strideWidth()),
                attribute("pads", pads(w, inputShape)));
        return graph.channelsLast(graph.activation(layer.activation(), z, 1));
    }

    /** {@code MaxPool} on NCHW; cells in the padding never win, as in Kindling. */
    public static String maxPooling2d(MaxPooling2D layer, OnnxGraph graph, String input, Shape inputShape,
                                      List<Tensor> weights) {
        return pool("MaxPool", layer.window(), graph, input, inputShape);
    }

    /** {@code AveragePool} on NCHW with {@code count_include_pad = 0}: cells in the padding are not counted. */
    public static String averagePooling2d(AveragePooling2D layer, OnnxGraph graph, String input, Shape inputShape,
                                          List<Tensor> weights) {
        return pool("AveragePool", layer.window(), graph, input, inputShape);
    }

    /** {@code GlobalAveragePool} on NCHW, {@code (n, c, 1, 1)}, then {@code Flatten} to {@code (n, c)}. */
    public static String globalAveragePooling2d(GlobalAveragePooling2D layer, OnnxGraph graph, String input,
                                                Shape inputShape, List<Tensor> weights) {
        String pooled = graph.node("GlobalAveragePool", List.of(graph.channelsFirst(input)));
        return graph.node("Flatten", List.of(pooled), attribute("axis", 1L));
    }

    /** {@code Flatten(axis = 1)} of the channels-last value: row-major {@code (h, w, c)}, Kindling's order. */
    public static String flatten(Flatten layer, OnnxGraph graph, String input, Shape inputShape,
                                 List<Tensor> weights) {
        if (inputShape.rank() == 1) {
            return input;
        }
        return graph.node("Flatten", List.of(input), attribute("axis", 1L));
    }

    private static String pool(String op, Window2D w, OnnxGraph graph, String input, Shape inputShape) {
        String pooled = graph.node(op, List.of(graph.channelsFirst(input)),
                attribute("kernel_shape", w.height(), w.width()),
                attribute("strides", w.strideHeight(), w.strideWidth()),
                attribute("pads", pads(w, inputShape)));
        return graph.channelsLast(pooled);
    }

    /**
     * ONNX's {@code pads} {@code [top, left, bottom, right]} for Kindling's padding over samples {@code (h, w, c)}:
     * none for {@code valid}; for {@code same} {@code max((out - 1) * s + k - in, 0)} cells per axis, the odd one at
     * the end, as {@link Padding#SAME} says.
     */
    static long[] pads(Window2D w, Shape inputShape) {
        if (w.padding() == Padding.VALID) {
            return new long[] {0, 0, 0, 0};
        }
        long top = padTotal(inputShape.dim(0), w.height(), w.strideHeight());
        long left = padTotal(inputShape.dim(1), w.width(), w.strideWidth());
        return new long[] {top / 2, left / 2, top - top / 2, left - left / 2};
    }

    private static long padTotal(int in, int k, int s) {
        int out = (in + s - 1) / s;
        return Math.max((long) (out - 1) * s + k - in, 0);
    }
}
