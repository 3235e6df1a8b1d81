// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.SequenceOps;
import dev.kindling.core.tensor.Shape;

/**
 * A long short-term memory layer, Keras's {@code layer_lstm}: gates i, f, c, o in Keras's order, {@code c = f*c +
 * i*tanh(x·Wc + h·Uc + bc)}, {@code h = o*tanh(c)}, the forget gate's bias starting at 1.
 * <pre>{@code
 * new LSTM(32)                                               // layer_lstm(units = 32)
 * new LSTM(32).withReturnSequences(true).withRecurrentDropout(0.2)
 * }</pre>
 * JSON form: {@code {"type": "lstm", "units": 32, "return_sequences": false, "go_backwards": false, "dropout": 0.0,
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
public record LSTM(@JsonProperty(required = true) int units,
                   @JsonProperty("return_sequences") boolean returnSequences,
                   @JsonProperty("go_backwards") boolean goBackwards,
                   double dropout,
                   @JsonProperty("recurrent_dropout") double recurrentDropout,
                   @JsonProperty("input_shape") Shape inputShape) implements RecurrentLayer {

    public LSTM {
        RecurrentLayer.check("LSTM", units, dropout, recurrentDropout, inputShape);
    }

    /** Keras's defaults: the last state only, forwards, no dropout. */
    public LSTM(int units) {
        this(units, false, false, 0.0, 0.0, null);
    }

    public LSTM withReturnSequences(boolean returnSequences) {
        return new LSTM(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    @Override
    public LSTM withGoBackwards(boolean goBackwards) {
        return new LSTM(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    public LSTM withDropout(double dropout) {
        return new LSTM(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    public LSTM withRecurrentDropout(double recurrentDropout) {
        return new LSTM(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    /** This layer as the first of a model, taking sequences {@code (timesteps, features)}. */
    public LSTM withInputShape(int timesteps, int features) {
        return new LSTM(units, returnSequences, goBackwards, dropout, recurrentDropout, Shape.of(timesteps, features));
    }

    @Override
    public String typeName() {
        return "LSTM";
    }

    @Override
    public SequenceOps.Cell cell() {
        return SequenceOps.Cell.LSTM;
    }
}
