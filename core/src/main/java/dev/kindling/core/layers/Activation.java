// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import java.io.Serializable;

/**
 * An element-wise (softmax: row-wise) activation function, named as Keras names it. A model file and a job file
 * hold the name ({@code "activation": "relu"}), which the registry resolves. An activation of your own is its
 * {@link #apply} written with the autodiff {@link Ops} (no backward to write) and its name, registered once:
 * <pre>{@code
 * enum Swish implements Activation {
 *     INSTANCE;
 *     public Variable apply(Variable z) { return Ops.mul(z, Ops.sigmoid(z)); }
 *     public String keyword() { return "swish"; }
 * }
 * Registry.activation(Swish.INSTANCE);   // now "activation": "swish" loads, and a job file can name it
 * }</pre>
 * A singleton (an enum constant) keeps identity through Java serialization, so comparisons with {@code ==} hold on
 * executors too.
 */
public interface Activation extends Serializable {
    /** The identity. */
    Activation LINEAR = BuiltInActivation.LINEAR;
    Activation RELU = BuiltInActivation.RELU;
    Activation SIGMOID = BuiltInActivation.SIGMOID;
    Activation TANH = BuiltInActivation.TANH;
    /** Along the last axis. Losses fuse it with cross-entropy (log-softmax of the logits) for stability. */
    Activation SOFTMAX = BuiltInActivation.SOFTMAX;

    /** Applies the activation to a batch of pre-activations {@code (n, units)}. */
    Variable apply(Variable z);

    /** Keras's spelling ({@code relu}, {@code softmax}, ...): the name it is registered and saved under. */
    @JsonValue
    String keyword();
}
