// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.regularizers.Regularizer;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Window2D;
import java.util.List;
import java.util.Random;

/**
 * A 2-d convolution over images {@code (height, width, channels)}, Keras's {@code layer_conv_2d}:
 * {@code output = activation(conv(input, kernel) + bias)} with a kernel {@code (kernelHeight, kernelWidth,
 * channels, filters)} and a bias {@code (filters)}; the output is {@code (oh, ow, filters)}. Keras defaults:
 * strides 1, padding {@code valid}, glorot-uniform kernel, zero bias. Computed as im2col and one GEMM per batch
 * ({@link Ops#conv2d}).
 * <pre>{@code
 * new Conv2D(32, 3, Activation.RELU).withInputShape(28, 28, 1)     // layer_conv_2d(32, c(3, 3), "relu", input_shape = c(28, 28, 1))
 * new Conv2D(64, 3, Activation.RELU).withStrides(2, 2).withPadding(Padding.SAME)
 * }</pre>
 *
 * @param filters      output channels, > 0
 * @param kernelHeight rows of the window, > 0
 * @param kernelWidth  columns of the window, > 0
 * @param strideHeight rows the window moves by, > 0
 * @param strideWidth  columns the window moves by, > 0
 * @param padding      {@code valid} (no padding) or {@code same} (output {@code ceil(in / stride)})
 * @param activation   applied to the output
 * @param inputShape   one sample's shape {@code (height, width, channels)} if this is the first layer, else null
 * @param kernelRegularizer penalty on the kernel (Keras's {@code kernel_regularizer}), or null
 * @param biasRegularizer   penalty on the bias (Keras's {@code bias_regularizer}), or null
 * @see Config its JSON form
 */
public record Conv2D(int filters, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
                     Padding padding, Activation activation, Shape inputShape, Regularizer kernelRegularizer,
                     Regularizer biasRegularizer) implements Layer {

    public Conv2D {
        if (filters <= 0) {
            throw new IllegalArgumentException("Conv2D: filters must be > 0, got " + filters);
        }
        if (kernelHeight <= 0 || kernelWidth <= 0) {
            throw new IllegalArgumentException("Conv2D: kernel size must be > 0, got " + kernelHeight + "x"
                    + kernelWidth);
        }
        if (strideHeight <= 0 || strideWidth <= 0) {
            throw new IllegalArgumentException("Conv2D: strides must be > 0, got " + strideHeight + "x" + strideWidth);
        }
        if (padding == null) {
            throw new IllegalArgumentException("Conv2D: padding must not be null (valid or same)");
        }
        if (activation == null) {
            throw new IllegalArgumentException("Conv2D: activation must not be null (use Activation.LINEAR)");
        }
        if (inputShape != null && (inputShape.rank() != 3 || inputShape.size() == 0)) {
            throw new IllegalArgumentException("Conv2D: inputShape must be (height, width, channels), all > 0, got "
                    + inputShape);
        }
    }

    /**
     * Keras's config of this layer, its JSON form (model files, job files): {@code {"filters": 32,
     * "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "activation": "relu", "input_shape": [28, 28,
     * 1]}}. Sizes may be one integer for both axes; strides default to 1, padding to valid, activation to linear.
     * {@code kernel_regularizer} and {@code bias_regularizer} are written only when set.
     */
    record Config(@JsonProperty(required = true) int filters,
                  @JsonProperty(value = "kernel_size", required = true)
                  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] kernelSize,
                  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] strides,
                  Padding padding, Activation activation, @JsonProperty("input_shape") Shape inputShape,
                  @JsonProperty("kernel_regularizer") @JsonInclude(JsonInclude.Include.NON_NULL)
                  Regularizer kernelRegularizer,
                  @JsonProperty("bias_regularizer") @JsonInclude(JsonInclude.Include.NON_NULL)
                  Regularizer biasRegularizer) {
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Conv2D fromConfig(Config c) {
        int[] kernel = WindowConfig.pair(c.kernelSize(), "Conv2D", "kernel_size", null);
        int[] strides = WindowConfig.pair(c.strides(), "Conv2D", "strides", new int[] {1, 1});
        return new Conv2D(c.filters(), kernel[0], kernel[1], strides[0], strides[1],
                c.padding() == null ? Padding.VALID : c.padding(),
                c.activation() == null ? Activation.LINEAR : c.activation(), c.inputShape(), c.kernelRegularizer(),
                c.biasRegularizer());
    }

    @JsonValue
    Config config() {
        return new Config(filters, new int[] {kernelHeight, kernelWidth}, new int[] {strideHeight, strideWidth},
                padding, activation, inputShape, kernelRegularizer, biasRegularizer);
    }

    /** A layer without regularizers. */
    public Conv2D(int filters, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, Padding padding,
                  Activation activation, Shape inputShape) {
        this(filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, activation, inputShape, null,
                null);
    }

    /** A square {@code kernelSize x kernelSize} kernel, strides 1, padding {@code valid}. */
    public Conv2D(int filters, int kernelSize, Activation activation) {
        this(filters, kernelSize, kernelSize, 1, 1, Padding.VALID, activation, null);
    }

    /** This layer as the first of a model, taking samples {@code (height, width, channels)}. */
    public Conv2D withInputShape(int height, int width, int channels) {
        return new Conv2D(filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, activation,
                Shape.of(height, width, channels), kernelRegularizer, biasRegularizer);
    }

    public Conv2D withStrides(int height, int width) {
        return new Conv2D(filters, kernelHeight, kernelWidth, height, width, padding, activation, inputShape,
                kernelRegularizer, biasRegularizer);
    }

    public Conv2D withPadding(Padding padding) {
        return new Conv2D(filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, activation,
                inputShape, kernelRegularizer, biasRegularizer);
    }

    /** This layer with {@code regularizer} on its kernel (null for none): {@code kernel_regularizer}. */
    public Conv2D withKernelRegularizer(Regularizer regularizer) {
        return new Conv2D(filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, activation,
                inputShape, regularizer, biasRegularizer);
    }

    /** This layer with {@code regularizer} on its bias (null for none): {@code bias_regularizer}. */
    public Conv2D withBiasRegularizer(Regularizer regularizer) {
        return new Conv2D(filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, activation,
                inputShape, kernelRegularizer, regularizer);
    }

    @Override
    public Regularizer regularizer(int parameter) {
        return parameter == 0 ? kernelRegularizer : biasRegularizer;
    }

    @Override
    public String typeName() {
        return "Conv2D";
    }

    /** The window this layer slides over its input. */
    public Window2D window() {
        return new Window2D(kernelHeight, kernelWidth, strideHeight, strideWidth, padding);
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        try {
            return window().outputShape(inputShape, filters);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Conv2D: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        return List.of(Shape.of(kernelHeight, kernelWidth, inputShape.dim(2), filters), Shape.of(filters));
    }

    @Override
    public List<String> parameterNames() {
        return List.of("kernel", "bias");
    }

    /**
     * Glorot uniform as Keras computes it for a convolution: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)),
     * fan_in = kh*kw*in and fan_out = kh*kw*filters (the receptive field times each side's channels); bias zeros.
     */
    @Override
    public void initialize(List<Tensor> parameters, Random rng) {
        Tensor kernel = parameters.get(0);
        int field = kernelHeight * kernelWidth;
        double limit = Math.sqrt(6.0 / (field * kernel.dim(2) + field * filters));
        kernel.assignInPlace(Tensor.uniform(kernel.shape(), kernel.dtype(), -limit, limit, rng));
        parameters.get(1).fillInPlace(0.0);
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        return Ops.conv2d(input, parameters.get(0), parameters.get(1), window());
    }

    /** With a relu activation, the fused {@link Ops#conv2dRelu} (two passes less over the output). */
    @Override
    public Variable forward(Variable input, List<Variable> parameters, ForwardContext context) {
        if (activation == Activation.RELU) {
            return Ops.conv2dRelu(input, parameters.get(0), parameters.get(1), window());
        }
        return Layer.super.forward(input, parameters, context);
    }
}
