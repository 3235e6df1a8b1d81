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
 * The largest value under a window of {@code poolSize} timesteps, per channel, Keras's
 * {@code layer_max_pooling_1d}: {@code (timesteps, c) -> (ot, c)}. Keras defaults: pool size 2, strides equal to
 * the pool size, padding {@code valid}. No weights. Computed as {@link MaxPooling2D} over images one pixel high.
 * JSON form: {@code {"type": "max_pooling1d", "pool_size": 5, "strides": 5, "padding": "valid"}}.
 *
 * @param poolSize timesteps under the window, > 0
 * @param strides  timesteps the window moves by, > 0
 * @param padding  {@code valid} or {@code same}
 */
public record MaxPooling1D(int poolSize, int strides, Padding padding) implements Layer {

    public MaxPooling1D {
        WindowConfig.checkPooling("MaxPooling1D", 1, poolSize, 1, strides, padding);
    }

    /** Keras's config; sizes may be one integer or a list of one. */
    record Config(@JsonProperty("pool_size") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                  int[] poolSize,
                  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] strides,
                  Padding padding) {
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static MaxPooling1D fromConfig(Config c) {
        int pool = Conv1D.single(c.poolSize(), "pool_size", 2);
        return new MaxPooling1D(pool, Conv1D.single(c.strides(), "strides", pool),
                c.padding() == null ? Padding.VALID : c.padding());
    }

    @JsonValue
    Config config() {
        return new Config(new int[] {poolSize}, new int[] {strides}, padding);
    }

    /** A window of {@code poolSize} timesteps moving by its own size, padding {@code valid}. */
    public MaxPooling1D(int poolSize) {
        this(poolSize, poolSize, Padding.VALID);
    }

    @Override
    public String typeName() {
        return "MaxPooling1D";
    }

    private Window2D window() {
        return new Window2D(1, poolSize, 1, strides, padding);
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        if (inputShape.rank() != 2) {
            throw new IllegalArgumentException("MaxPooling1D expects sequences (timesteps, channels), got "
                    + inputShape);
        }
        return WindowConfig.pooledShape("MaxPooling1D", window(), Shape.of(1, inputShape.dim(0), inputShape.dim(1)))
                .drop(1);
    }

    @Override
    public List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        return List.of();
    }

    @Override
    public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        return alongTime(input, window());
    }

    /**
     * Max pooling of sequences {@code (samples, timesteps, channels)} by a {@code 1 x k} window over the timesteps:
     * the sequences as images one row high. {@link GlobalPooling}'s maximum is this with the whole sequence as window.
     */
    static Variable alongTime(Variable sequences, Window2D window) {
        Shape s = sequences.value().shape();
        Variable y = Ops.maxPool2d(Ops.reshape(sequences, Shape.of(s.dim(0), 1, s.dim(1), s.dim(2))), window);
        Shape out = y.value().shape();
        return Ops.reshape(y, Shape.of(out.dim(0), out.dim(2), out.dim(3)));
    }
}
