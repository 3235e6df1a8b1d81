// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.SequenceOps;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * Turns token ids into dense vectors, Keras's {@code layer_embedding}: samples are sequences of {@code timesteps}
 * whole numbers in {@code [0, inputDim)} (a {@code (samples, timesteps)} tensor, in the model's dtype), each
 * replaced by its row of {@code embeddings (inputDim, outputDim)}: {@code (timesteps) -> (timesteps, outputDim)}.
 * Keras's initializer, uniform in [-0.05, 0.05]. Ids out of range are bad data: {@link #checkInputs} names the row
 * and the value before anything is trained.
 * <pre>{@code
 * new Embedding(10000, 32).withInputLength(500)   // layer_embedding(input_dim = 10000, output_dim = 32, input_length = 500)
 * }</pre>
 * JSON form: {@code {"type": "embedding", "input_dim": 10000, "output_dim": 32, "input_length": 500}}. Keras's
 * {@code mask_zero} is not supported: id 0 is an ordinary token here.
 *
 * @param inputDim    the vocabulary's size: ids are in {@code [0, inputDim)}, > 0
 * @param outputDim   the vectors' width, > 0
 * @param inputLength timesteps per sample if this is the first layer and declares them, else 0
 */
public record Embedding(@JsonProperty(value = "input_dim", required = true) int inputDim,
                        @JsonProperty(value = "output_dim", required = true) int outputDim,
                        @JsonProperty("input_length") int inputLength) implements Layer {

    /** Keras's initializer's bound: {@code embeddings_initializer = "uniform"} is U(-0.05, 0.05). */
    public static final double INITIAL_RANGE = 0.05;

    public Embedding {
        if (inputDim <= 0 || outputDim <= 0) {
            throw new IllegalArgumentException("Embedding: input_dim and output_dim must be > 0, got " + inputDim
                    + " and " + outputDim);
        }
        if (inputLength < 0) {
            throw new IllegalArgumentException("Embedding: input_length must be >= 0 (0 = taken from the data), got "
                    + inputLength);
        }
    }

    /** An embedding that takes its sequences' length from the data. */
    public Embedding(int inputDim, int outputDim) {
        this(inputDim, outputDim, 0);
    }

    /** This layer as the first of a model, taking sequences of {@code timesteps} ids. */
    public Embedding withInputLength(int timesteps) {
        return new Embedding(inputDim, outputDim, timesteps);
    }

    @Override
    public String typeName() {
        return "Embedding";
    }

    @Override
    public Shape inputShape() {
        return inputLength == 0 ? null : Shape.of(inputLength);
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        if (inputShape.rank() != 1) {
            throw new IllegalArgumentException("Embedding expects sequences of token ids (timesteps), got "
                    + inputShape);
        }
        return Shape.of(inputShape.dim(0), outputDim);
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        return List.of(Shape.of(inputDim, outputDim));
    }

    @Override
    public List<String> parameterNames() {
        return List.of("embeddings");
    }

    @Override
    public void initialize(List<Tensor> parameters, Random rng) {
        Tensor table = parameters.get(0);
        table.assignInPlace(Tensor.uniform(table.shape(), table.dtype(), -INITIAL_RANGE, INITIAL_RANGE, rng));
    }

    /**
     * Every id must be a whole number in {@code [0, inputDim)}.
     *
     * @throws IllegalArgumentException naming the first bad id's row (numbered from {@code firstRow}), its
     *                                  position in the sequence and its value
     */
    @Override
    public void checkInputs(Tensor batch, String context, long firstRow) {
        int width = batch.dim(0) == 0 ? 0 : batch.size() / batch.dim(0);
        for (int i = 0; i < batch.size(); i++) {
            double v = batch.getFlat(i);
            if (!(v >= 0 && v < inputDim && v == Math.rint(v))) {
                throw new IllegalArgumentException(context + ": row " + (firstRow + i / width) + ", timestep "
                        + i % width + " has token id " + v + ", expected a whole number in [0, " + inputDim
                        + ") (the Embedding's input_dim)");
            }
        }
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        Tensor x = input.value();
        Variable ids = x.rank() == 2 ? input : Variable.constant(x.reshape(x.dim(0), -1));
        return SequenceOps.embedding(ids, parameters.get(0));
    }
}
