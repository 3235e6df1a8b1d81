// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.regularizers.Regularizer;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * A fully connected layer: {@code output = activation(input · kernel + bias)}, kernel {@code (inputDim, units)},
 * bias {@code (units)}. Keras defaults: linear activation, glorot-uniform kernel, zero bias. JSON form (model files,
 * job files): {@code {"type": "dense", "units": 512, "activation": "relu", "input_dim": 784}}, with
 * {@code "kernel_regularizer": {"type": "l2", "l2": 0.001}} when regularized (written only then, so a model without
 * regularizers keeps the JSON it always had).
 *
 * @param units      output width, > 0
 * @param activation applied to the output; null is linear (Keras's {@code activation = NULL})
 * @param inputDim   the input width if this is the first layer (Keras's {@code input_shape = c(784)}), else 0
 * @param kernelRegularizer penalty on the kernel (Keras's {@code kernel_regularizer}), or null
 * @param biasRegularizer   penalty on the bias (Keras's {@code bias_regularizer}), or null
 */
public record Dense(@JsonProperty(required = true) int units, Activation activation,
                    @JsonProperty("input_dim") @JsonAlias("inputDim") int inputDim,
                    @JsonProperty("kernel_regularizer") @JsonInclude(JsonInclude.Include.NON_NULL)
                    Regularizer kernelRegularizer,
                    @JsonProperty("bias_regularizer") @JsonInclude(JsonInclude.Include.NON_NULL)
                    Regularizer biasRegularizer) implements SparseInput {

    public Dense {
        if (units <= 0) {
            throw new IllegalArgumentException("Dense: units must be > 0, got " + units);
        }
        if (activation == null) {
            activation = Activation.LINEAR;
        }
        if (inputDim < 0) {
            throw new IllegalArgumentException("Dense: inputDim must be >= 0 (0 = taken from the data), got " + inputDim);
        }
    }

    /** A Dense layer without regularizers. */
    public Dense(int units, Activation activation, int inputDim) {
        this(units, activation, inputDim, null, null);
    }

    /** A linear Dense layer (Keras's default activation) that takes its input width from the data. */
    public Dense(int units) {
        this(units, Activation.LINEAR, 0);
    }

    /** A Dense layer that takes its input width from the previous layer or the data. */
    public Dense(int units, Activation activation) {
        this(units, activation, 0);
    }

    /** This layer with {@code regularizer} on its kernel (null for none): {@code kernel_regularizer}. */
    public Dense withKernelRegularizer(Regularizer regularizer) {
        return new Dense(units, activation, inputDim, regularizer, biasRegularizer);
    }

    /** This layer with {@code regularizer} on its bias (null for none): {@code bias_regularizer}. */
    public Dense withBiasRegularizer(Regularizer regularizer) {
        return new Dense(units, activation, inputDim, kernelRegularizer, regularizer);
    }

    @Override
    public Regularizer regularizer(int parameter) {
        return parameter == 0 ? kernelRegularizer : biasRegularizer;
    }

    @Override
    public String typeName() {
        return "Dense";
    }

    @Override
    public Shape inputShape() {
        return inputDim == 0 ? null : Shape.of(inputDim);
    }

    /** {@code (units)}; the input must be flat {@code (features)}. */
    @Override
    public Shape outputShape(Shape inputShape) {
        features(inputShape);
        return Shape.of(units);
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        return List.of(Shape.of(features(inputShape), units), Shape.of(units));
    }

    /*
     * Keras's Dense on a rank-3 sample (h, w, c) would apply to the last axis only; that is rarely what a reader of
     * chapter 5 means, so we ask for an explicit Flatten instead of guessing.
     */
    private int features(Shape inputShape) {
        if (inputShape.rank() != 1) {
            throw new IllegalArgumentException("Dense expects flat samples (features), got " + inputShape
                    + ": put a Flatten layer before it");
        }
        return inputShape.dim(0);
    }

    @Override
    public List<String> parameterNames() {
        return List.of("kernel", "bias");
    }

    /** Glorot uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)); bias zeros. */
    @Override
    public void initialize(List<Tensor> parameters, Random rng) {
        Tensor kernel = parameters.get(0);
        double limit = Math.sqrt(6.0 / (kernel.dim(0) + kernel.dim(1)));
        kernel.assignInPlace(Tensor.uniform(kernel.shape(), kernel.dtype(), -limit, limit, rng));
        parameters.get(1).fillInPlace(0.0);
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        return Ops.affine(input, parameters.get(0), parameters.get(1));
    }

    /** Sparse rows times the kernel, plus the bias: no dense copy of the batch ({@link Ops#sparseAffine}). */
    @Override
    public Variable forwardPreActivation(SparseRows input, List<Variable> parameters, ForwardContext context) {
        return Ops.sparseAffine(input, parameters.get(0), parameters.get(1));
    }
}
