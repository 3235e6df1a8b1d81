// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.SequenceOps;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A recurrent layer run both ways over the sequence, Keras's {@code bidirectional(layer, merge_mode = "concat")}:
 * a forward copy of {@code layer} and a backward one ({@code go_backwards} flipped), each with weights of its own,
 * their outputs side by side, forward first: {@code (2*units)}, or {@code (timesteps, 2*units)} with
 * {@code return_sequences}, where the backward layer's outputs are put back in the sequence's order (as Keras does).
 * <pre>{@code
 * new Bidirectional(new LSTM(32))                 // bidirectional(layer_lstm(units = 32))
 * }</pre>
 * Weights: the forward layer's, then the backward layer's ({@code forward_kernel}, ..., {@code backward_bias}),
 * each initialized as its layer would be. Dropout masks of the two layers are drawn independently.
 * JSON form: {@code {"type": "bidirectional", "layer": {"type": "lstm", "units": 32}, "merge_mode": "concat"}}.
 *
 * @param layer     a {@link SimpleRNN}, {@link LSTM} or {@link GRU}, read forwards by the forward copy
 * @param mergeMode how the two outputs are merged: {@code concat} (Keras's default; the only one supported)
 */
public record Bidirectional(@JsonProperty(required = true) Layer layer,
                            @JsonProperty("merge_mode") String mergeMode) implements Layer {

    /** Keeps the backward layer's dropout masks apart from the forward layer's. */
    private static final long BACKWARD_SALT = 0xB1D1_2EC7L;

    public Bidirectional {
        if (!(layer instanceof RecurrentLayer)) {
            throw new IllegalArgumentException("Bidirectional wraps a SimpleRNN, LSTM or GRU, got "
                    + (layer == null ? "null" : layer.typeName()));
        }
        if (mergeMode == null) {
            mergeMode = "concat";
        }
        if (!mergeMode.equals("concat")) {
            throw new IllegalArgumentException("Bidirectional: merge_mode '" + mergeMode + "' is not supported,"
                    + " only 'concat'");
        }
    }

    public Bidirectional(Layer layer) {
        this(layer, "concat");
    }

    private RecurrentLayer forwardLayer() {
        return (RecurrentLayer) layer;
    }

    private RecurrentLayer backwardLayer() {
        return forwardLayer().withGoBackwards(!forwardLayer().goBackwards());
    }

    @Override
    public String typeName() {
        return "Bidirectional";
    }

    @Override
    public Shape inputShape() {
        return layer.inputShape();
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        Shape one = layer.outputShape(inputShape);
        return one.withDim(-1, 2 * one.dim(-1));
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        List<Shape> shapes = new ArrayList<>(layer.parameterShapes(inputShape));
        shapes.addAll(layer.parameterShapes(inputShape));
        return shapes;
    }

    @Override
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>();
        for (String direction : List.of("forward_", "backward_")) {
            for (String name : layer.parameterNames()) {
                names.add(direction + name);
            }
        }
        return names;
    }

    @Override
    public void initialize(List<Tensor> parameters, Random rng) {
        int half = parameters.size() / 2;
        forwardLayer().initialize(parameters.subList(0, half), rng);
        backwardLayer().initialize(parameters.subList(half, parameters.size()), rng);
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        int half = parameters.size() / 2;
        Variable forwards = forwardLayer().forward(input, parameters.subList(0, half), context);
        Variable backwards = backwardLayer().forward(input, parameters.subList(half, parameters.size()),
                context.salted(BACKWARD_SALT));
        if (forwardLayer().returnSequences()) {
            backwards = SequenceOps.reverseTime(backwards);
        }
        return SequenceOps.concatLast(forwards, backwards);
    }
}
