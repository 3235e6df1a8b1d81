// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kindling.core.autodiff.SequenceOps;
import dev.kindling.core.tensor.Shape;

/**
 * A gated recurrent unit, Keras's {@code layer_gru} with its default {@code reset_after = TRUE}: gates z, r, h in
 * Keras's order, bias {@code (2, 3*units)} (input and recurrent), {@code ĥ = tanh(x·Wh + bh + r*(h·Uh + b'h))},
 * {@code h = z*h + (1 - z)*ĥ}.
 * <pre>{@code
 * new GRU(32)                                               // layer_gru(units = 32)
 * new GRU(32).withReturnSequences(true).withRecurrentDropout(0.2)
 * }</pre>
 * JSON form: {@code {"type": "gru", "units": 32, "return_sequences": false, "go_backwards": false, "dropout": 0.0,
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
public record GRU(@JsonProperty(required = true) int units,
                  @JsonProperty("return_sequences") boolean returnSequences,
                  @JsonProperty("go_backwards") boolean goBackwards,
                  double dropout,
                  @JsonProperty("recurrent_dropout") double recurrentDropout,
                  @JsonProperty("input_shape") Shape inputShape) implements RecurrentLayer {

    public GRU {
        RecurrentLayer.check("GRU", units, dropout, recurrentDropout, inputShape);
    }

    /** Keras's defaults: the last state only, forwards, no dropout. */
    public GRU(int units) {
        this(units, false, false, 0.0, 0.0, null);
    }

    public GRU withReturnSequences(boolean returnSequences) {
        return new GRU(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    @Override
    public GRU withGoBackwards(boolean goBackwards) {
        return new GRU(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    public GRU withDropout(double dropout) {
        return new GRU(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    public GRU withRecurrentDropout(double recurrentDropout) {
        return new GRU(units, returnSequences, goBackwards, dropout, recurrentDropout, inputShape);
    }

    /** This layer as the first of a model, taking sequences {@code (timesteps, features)}. */
    public GRU withInputShape(int timesteps, int features) {
        return new GRU(units, returnSequences, goBackwards, dropout, recurrentDropout, Shape.of(timesteps, features));
    }

    @Override
    public String typeName() {
        return "GRU";
    }

    @Override
    public SequenceOps.Cell cell() {
        return SequenceOps.Cell.GRU;
    }
}
