// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.onnx;

import dev.kindling.core.layers.Layer;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/**
 * How one kind of layer becomes ONNX nodes: it appends to {@code graph} the nodes that compute the layer's output
 * (its activation included) from {@code input}, and returns the name of that output. A layer kind brings its
 * exporter through the registry, {@code Registry.layer("my_layer", MyLayer.class, exporter)} or
 * {@code Registry.onnxExporter(MyLayer.class, exporter)}; the built-in ones are in {@link LayerExporters}.
 *
 * <p>The input is what Kindling's own forward pass sees: a batch {@code (batch, inputShape...)}, images channels
 * last {@code (batch, height, width, channels)}. The output must be the same tensor Kindling's {@code forward}
 * returns, in the same layout; {@link OnnxGraph#channelsFirst} and {@link OnnxGraph#channelsLast} give ONNX's
 * NCHW layout for convolutions and poolings, and cancel each other between consecutive image layers.
 *
 * @param <L> the layer kind
 */
@FunctionalInterface
public interface OnnxExporter<L extends Layer> {

    /**
     * @param layer      the layer's configuration
     * @param graph      the graph being built, scoped to this layer (names it makes start with the layer's name)
     * @param input      the name of the layer's input value
     * @param inputShape one input sample's shape, without the batch axis (as in {@link Layer#outputShape})
     * @param weights    the layer's weights, shaped as {@link Layer#parameterShapes} says, in that order
     * @return the name of the layer's output value
     */
    String export(L layer, OnnxGraph graph, String input, Shape inputShape, List<Tensor> weights);
}
