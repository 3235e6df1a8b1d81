// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import java.util.Locale;

/** The activations behind {@link Activation}'s constants. */
enum BuiltInActivation implements Activation {
    LINEAR, RELU, SIGMOID, TANH, SOFTMAX;

    @Override
    public Variable apply(Variable z) {
        return switch (this) {
            case LINEAR -> z;
            case RELU -> Ops.relu(z);
            case SIGMOID -> Ops.sigmoid(z);
            case TANH -> Ops.tanh(z);
            case SOFTMAX -> Ops.softmax(z, -1);
        };
    }

    @Override
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
