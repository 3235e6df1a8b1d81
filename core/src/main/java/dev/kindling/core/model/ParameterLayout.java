// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.layers.Layer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each layer's weights sit in the one flat parameter vector. The flat vector is what the optimizer updates
 * and what a data-parallel trainer broadcasts and sums; layers see shaped views into it.
 *
 * @param entries every weight tensor, in layer order
 * @param size    total number of parameters
 */
public record ParameterLayout(List<Entry> entries, int size) implements Serializable {

    /** One weight tensor: its layer, its name ({@code kernel}), its shape and its offset in the flat vector. */
    public record Entry(int layerIndex, String name, Shape shape, int offset) implements Serializable {
    }

    public ParameterLayout {
        entries = List.copyOf(entries);
    }

    /** Lays out the weights of {@code layers} for input samples of shape {@code inputShape}. */
    public static ParameterLayout of(List<Layer> layers, Shape inputShape) {
        List<Entry> entries = new ArrayList<>();
        long offset = 0;
        List<Shape> inputs = Network.outputShapes(layers, inputShape);
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            List<Shape> shapes = layer.parameterShapes(inputs.get(i));
            List<String> names = layer.parameterNames();
            for (int p = 0; p < shapes.size(); p++) {
                // A layer of one's own need not name its weights: weight_0, weight_1, ...
                entries.add(new Entry(i, p < names.size() ? names.get(p) : "weight_" + p, shapes.get(p), (int) offset));
                offset += shapes.get(p).size();
                if (offset > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("model has more than 2^31-1 parameters");
                }
            }
        }
        return new ParameterLayout(entries, (int) offset);
    }

    /** Views of layer {@code layerIndex}'s weights inside {@code flat} (no copy: writes go to {@code flat}). */
    public List<Tensor> views(Tensor flat, int layerIndex) {
        if (flat.size() != size) {
            throw new IllegalArgumentException("flat parameter vector has " + flat.size() + " elements, layout needs "
                    + size);
        }
        List<Tensor> views = new ArrayList<>(2);
        for (Entry e : entries) {
            if (e.layerIndex() == layerIndex) {
                views.add(view(flat, e.offset(), e.shape()));
            }
        }
        return views;
    }

    /** Number of parameters of one layer. */
    public int layerSize(int layerIndex) {
        int n = 0;
        for (Entry e : entries) {
            if (e.layerIndex() == layerIndex) {
                n += e.shape().size();
            }
        }
        return n;
    }

    private static Tensor view(Tensor flat, int offset, Shape shape) {
        return flat.dtype() == DType.FLOAT32
                ? Tensor.wrap(flat.floatStorage(), flat.offset() + offset, shape)
                : Tensor.wrap(flat.doubleStorage(), flat.offset() + offset, shape);
    }
}
