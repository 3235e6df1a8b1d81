// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.SequenceOps;
import dev.kindling.core.tensor.Shape;

/**
 * A fully connected recurrence, Keras's {@code layer_simple_rnn}: {@code h = tanh(x·W + h·U + b)}, one gate.
 * <pre>{@code
 * new SimpleRNN(32)                                               // layer_simple_rnn(units = 32)
 * new SimpleRNN(32).withReturnSequences(true).withRecurrentDropout(0.2)
 * }</pre>
 * JSON form: {@code {"type": "simple_rnn", "units": 32, "return_sequences": false, "go_backwards": false, "dropout": 0.0,
 * "recurrent_dropout": 0.0}}, with {@code "input_shape": [timesteps, features]} as a first layer. The weights, the
 * initializers and dropout are {@link RecurrentLayer}'s.
 *
 * @param units            the state's width, > 0
 * @param returnSequences  every step's output {@code (timesteps, units)} rather than the last {@code (units)}
 * @param goBackwards      read the sequence from its end (the outputs in the order read, as Keras)
 * @param dropout          fraction of the inputs dropped in training, in [0, 1)
 * @param recurrentDropout fraction of the recurrent state dropped in training, in [0, 1)
 * @param inputShape       {@code (timesteps, features)} if this is the first layer, else null
 */
public record SimpleRNN(@JsonProperty(required = true) int units,
                        @JsonProperty("return_sequences") boolean returnSequences,
                        @JsonProperty("go_backwards") boolean goBackwards,
                        double dropout,
                        @JsonProperty("recurrent_dropout") double recurrentDropout,
                        @JsonProperty("input_shape") Shape inputShape) implements RecurrentLayer {

    public SimpleRNN {
        RecurrentLayer.check("SimpleRNN", units, dropout, recurrentDropout, inputShape);
    }

    /** Keras's defaults: the last state only, forwards, no dropout. */
    public SimpleRNN(int units) {
        this(units, false, false, 0.0, 0.0, null);
    }

    public SimpleRNN withReturnSequences(boolean returnSequences) {
        return new SimpleRNN(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    @Override
    public SimpleRNN withGoBackwards(boolean goBackwards) {
        return new SimpleRNN(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    public SimpleRNN withDropout(double dropout) {
        return new SimpleRNN(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    public SimpleRNN withRecurrentDropout(double recurrentDropout) {
        return new SimpleRNN(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    /** This layer as the first of a model, taking sequences {@code (timesteps, features)}. */
    public SimpleRNN withInputShape(int timesteps, int features) {
        return new SimpleRNN(units, returnSequences, goBackwards, dropout, recurrentDropout, Shape.of(timesteps, features));
    }

    @Override
    public String typeName() {
        return "SimpleRNN";
    }

    @Override
    public SequenceOps.Cell cell() {
        return SequenceOps.Cell.SIMPLE_RNN;
    }
}
