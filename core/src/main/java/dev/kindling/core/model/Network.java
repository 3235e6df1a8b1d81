// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.autodiff.NoGrad;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.SparseInput;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A built model's architecture: its layers, input shape and dtype. No weights: those are one flat tensor laid
 * out by {@link #layout()}, passed in to every computation, so a network can be shipped to Spark executors once
 * and the weights broadcast separately each step.
 *
 * <p>Inputs may come as {@code (n, inputShape...)} or as flat rows {@code (n, inputDim())}, the form a Spark
 * partition packs; the forward pass reshapes them (a view). Outputs are flat rows {@code (n, outputDim())}.
 *
 * <p>Each layer is trainable or frozen (Keras's {@code trainable}): a frozen layer's weights get no gradient (they
 * enter the graph as constants, so no op computes one), and layers up to the first trainable layer with weights
 * record no graph at all, so a frozen base costs its forward pass only. A frozen layer still acts as in training
 * otherwise: its dropout masks are drawn as usual, as Keras's.
 *
 * @param layers     the layers, first to last
 * @param inputShape shape of one input sample: {@code (784)}, or {@code (28, 28, 1)} for images (channels last)
 * @param dtype      dtype of weights and computations
 * @param trainable  one flag per layer, false for a frozen layer; null means every layer is trainable
 * @throws IllegalArgumentException naming the layer if a layer cannot take its input's shape, or if the last
 *                                  layer's output is not flat (losses and metrics compare rows)
 */
public record Network(List<Layer> layers, Shape inputShape, DType dtype, List<Boolean> trainable)
        implements Serializable {

    public Network {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        if (inputShape == null || inputShape.rank() == 0 || inputShape.size() == 0) {
            throw new IllegalArgumentException("input shape must have at least one axis, all > 0, got " + inputShape);
        }
        layers = List.copyOf(layers);
        if (trainable == null) {
            trainable = java.util.Collections.nCopies(layers.size(), Boolean.TRUE);
        } else if (trainable.size() != layers.size()) {
            throw new IllegalArgumentException("one trainable flag per layer: " + layers.size() + " layers, "
                    + trainable.size() + " flags");
        }
        trainable = List.copyOf(trainable);
        Shape out = outputShapes(layers, inputShape).get(layers.size());
        if (out.rank() != 1) {
            throw new IllegalArgumentException("the last layer (" + layers.get(layers.size() - 1).typeName()
                    + ") outputs samples of shape " + out + "; a model's outputs must be flat: add Flatten (and Dense)");
        }
    }

    /** A network whose layers are all trainable. */
    public Network(List<Layer> layers, Shape inputShape, DType dtype) {
        this(layers, inputShape, dtype, null);
    }

    /** A network whose samples are rows of {@code inputDim} features. */
    /**
     * Whether the first of {@code layers} cannot take flat samples of {@code width} values (a Conv2D or a pooling
     * layer needs (height, width, channels)), so the model must declare its input shape.
     */
    public static boolean needsInputShape(List<Layer> layers, int width) {
        if (layers.isEmpty() || layers.get(0).inputShape() != null) {
            return false;
        }
        try {
            layers.get(0).outputShape(Shape.of(Math.max(1, width)));
            return false;
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    /**
     * A likely image shape for samples of {@code width} values: (s, s, 1) for a square, (s, s, 3) for three square
     * channels; null when neither fits.
     */
    public static Shape likelyImageShape(int width) {
        for (int channels : new int[] {1, 3}) {
            int pixels = width / channels;
            int side = (int) Math.round(Math.sqrt(pixels));
            if (width % channels == 0 && side > 0 && side * side == pixels) {
                return Shape.of(side, side, channels);
            }
        }
        return null;
    }

    /**
     * The last layer whose output width does not depend on its input's (a dense layer's units), asking each layer
     * from the last for its output on flat inputs of two widths; layers that pass their input's width through
     * (dropout) are skipped. Null when the output width depends on the input (convolutions, sequences). (A job's
     * classes default to its units.)
     */
    public static Layer lastFixedWidth(List<Layer> layers) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            Shape one;
            Shape two;
            try {
                one = layers.get(i).outputShape(Shape.of(1));
                two = layers.get(i).outputShape(Shape.of(2));
            } catch (RuntimeException notFlat) {
                return null;
            }
            if (one.rank() != 1 || two.rank() != 1) {
                return null;
            }
            if (one.equals(two)) {
                return layers.get(i);
            }
            if (one.dim(0) != 1 || two.dim(0) != 2) {
                return null;
            }
        }
        return null;
    }

    public Network(List<Layer> layers, int inputDim, DType dtype) {
        this(layers, Shape.of(inputDim), dtype);
    }

    /** The same network with other trainable flags (one per layer). */
    public Network withTrainable(List<Boolean> flags) {
        return new Network(layers, inputShape, dtype, flags);
    }

    /** Whether layer {@code index} (0-based) is trainable. */
    public boolean isTrainable(int index) {
        return trainable.get(index);
    }

    /** Whether some layer is frozen. */
    public boolean hasFrozenLayers() {
        return trainable.contains(Boolean.FALSE);
    }

    /** Where the trainable weights sit in the flat vector: what the optimizer updates. */
    public TrainableWeights trainableWeights() {
        return TrainableWeights.of(layout(), trainable);
    }

    /**
     * The shape of one sample after each layer: entry 0 is {@code inputShape}, entry i the output of layer i-1.
     *
     * @throws IllegalArgumentException naming the layer's position and type when it cannot take its input
     */
    public static List<Shape> outputShapes(List<Layer> layers, Shape inputShape) {
        List<Shape> shapes = new ArrayList<>(layers.size() + 1);
        shapes.add(inputShape);
        for (int i = 0; i < layers.size(); i++) {
            try {
                shapes.add(layers.get(i).outputShape(shapes.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer " + (i + 1) + " (" + layers.get(i).typeName() + "): "
                        + e.getMessage(), e);
            }
        }
        return shapes;
    }

    public ParameterLayout layout() {
        return ParameterLayout.of(layers, inputShape);
    }

    /**
     * Keras's names of the layers, as its {@code summary} and saved files show them: the class name in snake case,
     * numbered from the second of a kind ({@code conv2d}, {@code max_pooling2d}, {@code conv2d_1}).
     */
    public List<String> kerasLayerNames() {
        List<String> names = new ArrayList<>(layers.size());
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (Layer layer : layers) {
            String base = Sequential.snakeCase(layer.typeName());
            int n = seen.merge(base, 1, Integer::sum) - 1;
            names.add(n == 0 ? base : base + "_" + n);
        }
        return names;
    }

    /** Number of values in one input sample: the width of a flat features row. */
    public int inputDim() {
        return inputShape.size();
    }

    /** Width of one output sample. */
    public int outputDim() {
        return outputShapes(layers, inputShape).get(layers.size()).size();
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
        Variable x = Ops.reshape(input, inputShape.prepend(input.value().dim(0)));
        return layersFrom(0, x, weights, gradSink, context);
    }

    /**
     * The forward pass on sparse rows {@code (n, inputDim())}: the first layer takes them as they are
     * ({@link SparseInput}), the others see its dense output.
     *
     * @throws IllegalArgumentException when the first layer cannot take sparse rows ({@link #requireSparseInput})
     */
    public Variable preActivation(SparseRows input, Tensor weights, Tensor gradSink, ForwardContext context) {
        requireSparseInput(input.width());
        SparseInput first = (SparseInput) layers.get(0);
        List<Variable> params = parameters(layout(), 0, weights, gradSink);
        ForwardContext ctx = context.forLayer(0);
        Variable h = layers.size() == 1 ? first.forwardPreActivation(input, params, ctx)
                : first.forward(input, params, ctx);
        return layersFrom(1, h, weights, gradSink, context);
    }

    /**
     * Checks, before anything runs, that this network can take sparse rows of {@code width} columns: its first
     * layer must compute from the non-zeros ({@link SparseInput}, as {@code Dense} does) and its input must be flat
     * rows of that width.
     *
     * @throws IllegalArgumentException naming the first layer and what to do instead
     */
    public void requireSparseInput(int width) {
        requireSparseFirstLayer(layers);
        if (inputShape.rank() != 1 || inputShape.dim(0) != width) {
            throw new IllegalArgumentException("sparse features have " + width + " columns, the model expects samples"
                    + " of shape " + inputShape);
        }
    }

    /**
     * Checks that the first of {@code layers} can take sparse rows ({@link SparseInput}, as {@code Dense} is).
     *
     * @throws IllegalArgumentException naming the first layer and what to do instead
     */
    public static void requireSparseFirstLayer(List<Layer> layers) {
        Layer first = layers.get(0);
        if (!(first instanceof SparseInput)) {
            throw new IllegalArgumentException("sparse features (a SparseVector column, LibSVM rows, SparseRows) can"
                    + " only feed a model whose first layer is Dense; this model's first layer is "
                    + first.typeName() + ", which needs every value of a sample: give it dense features, or start"
                    + " the model with a Dense layer");
        }
    }

    /** Layers {@code from..last} on {@code h}, the last one's activation left out (losses fuse it). */
    private Variable layersFrom(int from, Variable h, Tensor weights, Tensor gradSink, ForwardContext context) {
        ParameterLayout layout = layout();
        int last = layers.size() - 1;
        for (int i = from; i <= last; i++) {
            List<Variable> params = parameters(layout, i, weights, gradSink);
            Layer layer = layers.get(i);
            ForwardContext ctx = context.forLayer(i);
            h = i == last ? layer.forwardPreActivation(h, params, ctx) : layer.forward(h, params, ctx);
        }
        return h;
    }

    /** Whether some trainable layer regularizes one of its weights (Keras's {@code kernel_regularizer}...). */
    public boolean hasRegularizers() {
        int[] seen = new int[layers.size()];   // the weights of each layer met so far, in layout order
        for (ParameterLayout.Entry e : layout().entries()) {
            if (trainable.get(e.layerIndex()) && layers.get(e.layerIndex()).regularizer(seen[e.layerIndex()]) != null) {
                return true;
            }
            seen[e.layerIndex()]++;
        }
        return false;
    }

    /**
     * The sum of the trainable layers' regularization penalties at {@code weights} (Keras's {@code sum(model.losses)}:
     * frozen layers add nothing), which the training loop adds to each step's mean loss; with {@code gradSink} not
     * null their gradient is added into it. Called once per step by whoever applies the optimizer, so on Spark the
     * driver adds it once, whatever the number of partitions.
     */
    public double regularization(Tensor weights, Tensor gradSink) {
        ParameterLayout layout = layout();
        double total = 0;
        for (int i = 0; i < layers.size(); i++) {
            if (!trainable.get(i)) {
                continue;
            }
            List<Tensor> values = layout.views(weights, i);
            List<Tensor> sinks = gradSink == null ? null : layout.views(gradSink, i);
            for (int p = 0; p < values.size(); p++) {
                var regularizer = layers.get(i).regularizer(p);
                if (regularizer == null) {
                    continue;
                }
                Variable w = sinks == null ? Variable.constant(values.get(p))
                        : Variable.parameter(values.get(p), sinks.get(p));
                Variable penalty = regularizer.penalty(w);
                if (penalty.value().size() != 1) {
                    throw new IllegalStateException(regularizer + " returned a penalty of shape "
                            + penalty.value().shape() + " for " + layers.get(i).typeName() + " weight " + p
                            + "; a penalty is a scalar");
                }
                total += penalty.value().item();
                if (sinks != null && penalty.requiresGrad()) {
                    penalty.backward();
                }
            }
        }
        return total;
    }

    /** Layer {@code i}'s weights as variables: parameters bound to the gradient sink, or constants. */
    private List<Variable> parameters(ParameterLayout layout, int i, Tensor weights, Tensor gradSink) {
        List<Tensor> values = layout.views(weights, i);
        // A frozen layer's weights are constants: no op computes their gradient, and below the first
        // trainable layer nothing needs one, so no graph is recorded there (Variable.result).
        List<Tensor> sinks = gradSink == null || !trainable.get(i) ? null : layout.views(gradSink, i);
        List<Variable> params = new ArrayList<>(values.size());
        for (int p = 0; p < values.size(); p++) {
            params.add(sinks == null ? Variable.constant(values.get(p)) : Variable.parameter(values.get(p), sinks.get(p)));
        }
        return params;
    }

    /** Outputs after the last activation, {@code (n, outputDim)}, without recording a graph. */
    public Tensor predict(Tensor x, Tensor weights) {
        try (NoGrad ignored = NoGrad.enter()) {
            Variable z = preActivation(Variable.constant(x), weights, null, ForwardContext.inference());
            return outputActivation().apply(z).value();
        }
    }

    /** Outputs for sparse rows, as {@link #predict(Tensor, Tensor)}. */
    public Tensor predict(SparseRows x, Tensor weights) {
        try (NoGrad ignored = NoGrad.enter()) {
            Variable z = preActivation(x, weights, null, ForwardContext.inference());
            return outputActivation().apply(z).value();
        }
    }
}
