package dev.kindling.core.model;

import dev.kindling.core.autodiff.NoGrad;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A built model's architecture: its layers, input width and dtype. No weights: those are one flat tensor laid
 * out by {@link #layout()}, passed in to every computation, so a network can be shipped to Spark executors once
 * and the weights broadcast separately each step.
 *
 * @param layers   the layers, first to last
 * @param inputDim width of one input sample
 * @param dtype    dtype of weights and computations
 */
public record Network(List<Layer> layers, int inputDim, DType dtype) implements Serializable {

    public Network {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        if (inputDim <= 0) {
            throw new IllegalArgumentException("input width must be > 0, got " + inputDim);
        }
        layers = List.copyOf(layers);
    }

    public ParameterLayout layout() {
        return ParameterLayout.of(layers, inputDim);
    }

    /** Width of one output sample. */
    public int outputDim() {
        int width = inputDim;
        for (Layer layer : layers) {
            width = layer.outputDim(width);
        }
        return width;
    }

    /** The last layer's activation, which losses fuse and {@link #predict} applies. */
    public Activation outputActivation() {
        return layers.get(layers.size() - 1).activation();
    }

    /** Fresh weights: each layer's initializer, drawing from one generator seeded with {@code seed}. */
    public Tensor initialWeights(long seed) {
        ParameterLayout layout = layout();
        Tensor weights = Tensor.zeros(dtype, layout.size());
        Random rng = new Random(seed);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).initialize(layout.views(weights, i), rng);
        }
        return weights;
    }

    /**
     * The forward pass up to the last layer's activation (excluded: losses fuse it).
     *
     * @param gradSink flat gradient vector the weights' gradients accumulate into, or null for inference
     */
    public Variable preActivation(Variable input, Tensor weights, Tensor gradSink, ForwardContext context) {
        ParameterLayout layout = layout();
        Variable h = input;
        int last = layers.size() - 1;
        for (int i = 0; i <= last; i++) {
            List<Tensor> values = layout.views(weights, i);
            List<Tensor> sinks = gradSink == null ? null : layout.views(gradSink, i);
            List<Variable> params = new ArrayList<>(values.size());
            for (int p = 0; p < values.size(); p++) {
                params.add(sinks == null ? Variable.constant(values.get(p)) : Variable.parameter(values.get(p), sinks.get(p)));
            }
            Layer layer = layers.get(i);
            ForwardContext ctx = context.forLayer(i);
            h = i == last ? layer.forwardPreActivation(h, params, ctx) : layer.forward(h, params, ctx);
        }
        return h;
    }

    /** Outputs after the last activation, {@code (n, outputDim)}, without recording a graph. */
    public Tensor predict(Tensor x, Tensor weights) {
        try (NoGrad ignored = NoGrad.enter()) {
            Variable z = preActivation(Variable.constant(x), weights, null, ForwardContext.inference());
            return outputActivation().apply(z).value();
        }
    }
}
