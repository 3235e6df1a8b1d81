// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.registry.Suggestions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Element-wise (softmax: row-wise) activation functions, with Keras's names. */
public enum Activation {
    LINEAR,
    RELU,
    SIGMOID,
    TANH,
    /** Along the last axis. Losses fuse it with cross-entropy (log-softmax of the logits) for stability. */
    SOFTMAX;

    /** Applies the activation to a batch of pre-activations {@code (n, units)}. */
    public Variable apply(Variable z) {
        return switch (this) {
            case LINEAR -> z;
            case RELU -> Ops.relu(z);
            case SIGMOID -> Ops.sigmoid(z);
            case TANH -> Ops.tanh(z);
            case SOFTMAX -> Ops.softmax(z, -1);
        };
    }

    /** Keras's spelling: {@code relu}, {@code softmax}, ... */
    @JsonValue
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Activation fromKeyword(String keyword) {
        for (Activation a : values()) {
            if (a.keyword().equalsIgnoreCase(keyword)) {
                return a;
            }
        }
        List<String> known = Arrays.stream(values()).map(Activation::keyword).toList();
        throw new IllegalArgumentException("unknown activation '" + keyword + "'"
                + Suggestions.didYouMean(String.valueOf(keyword), known) + ", expected one of " + String.join(", ", known));
    }
}
