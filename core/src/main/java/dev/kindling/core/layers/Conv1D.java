// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Window2D;
import java.util.List;

/**
 * A 1-d convolution over sequences {@code (timesteps, channels)}, Keras's {@code layer_conv_1d}: a kernel
 * {@code (kernelSize, channels, filters)} slides along the timesteps, {@code (timesteps, channels) -> (ot,
 * filters)} with {@code ot = floor((timesteps - kernelSize) / strides) + 1} ({@code valid}) or
 * {@code ceil(timesteps / strides)} ({@code same}). Keras defaults: strides 1, padding {@code valid}, glorot-uniform
 * kernel (fans {@code kernelSize*channels} and {@code kernelSize*filters}), zero bias. Computed as a {@link Conv2D}
 * over images one pixel high: Keras's kernel {@code (k, in, out)} is, element for element, the 2-d kernel
 * {@code (1, k, in, out)}. Keras's {@code dilation_rate} is not supported.
 * <pre>{@code
 * new Conv1D(32, 7, Activation.RELU)      // layer_conv_1d(filters = 32, kernel_size = 7, activation = "relu")
 * }</pre>
 * JSON form: {@code {"type": "conv1d", "filters": 32, "kernel_size": 7, "strides": 1, "padding": "valid",
 * "activation": "relu"}}, with {@code "input_shape": [timesteps, channels]} as a first layer.
 *
 * @param filters    output channels, > 0
 * @param kernelSize timesteps under the window, > 0
 * @param strides    timesteps the window moves by, > 0
 * @param padding    {@code valid} or {@code same}
 * @param activation applied to the output
 * @param inputShape {@code (timesteps, channels)} if this is the first layer, else null
 */
public record Conv1D(int filters, int kernelSize, int strides, Padding padding, Activation activation,
                     Shape inputShape) implements Layer {

    public Conv1D {
        if (filters <= 0 || kernelSize <= 0 || strides <= 0) {
            throw new IllegalArgumentException("Conv1D: filters, kernel_size and strides must be > 0, got " + filters
                    + ", " + kernelSize + ", " + strides);
        }
        if (padding == null || activation == null) {
            throw new IllegalArgumentException("Conv1D: padding and activation must not be null");
        }
        if (inputShape != null && (inputShape.rank() != 2 || inputShape.size() == 0)) {
            throw new IllegalArgumentException("Conv1D: inputShape must be (timesteps, channels), both > 0, got "
                    + inputShape);
        }
    }

    /** Keras's config; sizes may be one integer or a list of one, as Keras writes them. */
    record Config(@JsonProperty(required = true) int filters,
                  @JsonProperty(value = "kernel_size", required = true)
                  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] kernelSize,
                  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] strides,
                  Padding padding, Activation activation, @JsonProperty("input_shape") Shape inputShape) {
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Conv1D fromConfig(Config c) {
        return new Conv1D(c.filters(), single(c.kernelSize(), "kernel_size", 0), single(c.strides(), "strides", 1),
                c.padding() == null ? Padding.VALID : c.padding(),
                c.activation() == null ? Activation.LINEAR : c.activation(), c.inputShape());
    }

    static int single(int[] value, String name, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.length != 1) {
            throw new IllegalArgumentException("a 1-d layer's " + name + " is one integer, got "
                    + java.util.Arrays.toString(value));
        }
        return value[0];
    }

    @JsonValue
    Config config() {
        return new Config(filters, new int[] {kernelSize}, new int[] {strides}, padding, activation, inputShape);
    }

    /** Strides 1, padding {@code valid}. */
    public Conv1D(int filters, int kernelSize, Activation activation) {
        this(filters, kernelSize, 1, Padding.VALID, activation, null);
    }

    public Conv1D withStrides(int strides) {
        return new Conv1D(filters, kernelSize, strides, padding, activation, inputShape);
    }

    public Conv1D withPadding(Padding padding) {
        return new Conv1D(filters, kernelSize, strides, padding, activation, inputShape);
    }

    /** This layer as the first of a model, taking sequences {@code (timesteps, channels)}. */
    public Conv1D withInputShape(int timesteps, int channels) {
        return new Conv1D(filters, kernelSize, strides, padding, activation, Shape.of(timesteps, channels));
    }

    @Override
    public String typeName() {
        return "Conv1D";
    }

    private Window2D window() {
        return new Window2D(1, kernelSize, 1, strides, padding);
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        if (inputShape.rank() != 2) {
            throw new IllegalArgumentException("Conv1D expects sequences (timesteps, channels), got " + inputShape);
        }
        try {
            return window().outputShape(Shape.of(1, inputShape.dim(0), inputShape.dim(1)), filters).drop(1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Conv1D: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        return List.of(Shape.of(kernelSize, inputShape.dim(1), filters), Shape.of(filters));
    }

    @Override
    public List<String> parameterNames() {
        return List.of("kernel", "bias");
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        return convolve(input, parameters, false);
    }

    /** With a relu activation, the fused {@link Ops#conv2dRelu}. */
    @Override
    public Variable forward(Variable input, List<Variable> parameters, ForwardContext context) {
        if (activation == Activation.RELU) {
            return convolve(input, parameters, true);
        }
        return Layer.super.forward(input, parameters, context);
    }

    private Variable convolve(Variable input, List<Variable> parameters, boolean relu) {
        Shape s = input.value().shape();
        if (s.rank() != 3) {
            throw new IllegalArgumentException("Conv1D: expected sequences (samples, timesteps, channels), got " + s);
        }
        Variable images = Ops.reshape(input, Shape.of(s.dim(0), 1, s.dim(1), s.dim(2)));
        Shape k = parameters.get(0).value().shape();
        Variable kernel = Ops.reshape(parameters.get(0), Shape.of(1, k.dim(0), k.dim(1), k.dim(2)));
        Variable y = relu ? Ops.conv2dRelu(images, kernel, parameters.get(1), window())
                : Ops.conv2d(images, kernel, parameters.get(1), window());
        Shape out = y.value().shape();
        return Ops.reshape(y, Shape.of(out.dim(0), out.dim(2), out.dim(3)));
    }
}
