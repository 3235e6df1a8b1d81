// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.model.CompileConfig;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.Sequential;

/**
 * What a model's outputs mean, and so what a prediction is. Decided by the built-in loss the model was compiled
 * with, or, for a model never compiled or compiled with a loss of the user's own, by its last activation:
 * <ul>
 *   <li>{@link #MULTICLASS}: several outputs and a cross-entropy loss (or a softmax): the class is the argmax;</li>
 *   <li>{@link #BINARY}: one output and a cross-entropy loss (or a sigmoid): class 1 when the output is
 *       {@code > 0.5}, as Keras's {@code predict_classes};</li>
 *   <li>{@link #REGRESSION}: mean squared error (or any other activation): the prediction is the value(s).</li>
 * </ul>
 */
public enum OutputKind {
    MULTICLASS,
    BINARY,
    REGRESSION;

    /** The kind of a built model. */
    public static OutputKind of(Sequential model) {
        CompileConfig config = model.compileConfig();
        return of(config == null ? null : config.loss(), model.network());
    }

    /** @param loss the compiled loss, or null for a model that was never compiled */
    public static OutputKind of(Loss loss, Network network) {
        int outputs = network.outputDim();
        if (loss == Loss.MEAN_SQUARED_ERROR) {
            return REGRESSION;
        }
        if (loss == Loss.CATEGORICAL_CROSSENTROPY || loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY
                || loss == Loss.BINARY_CROSSENTROPY) {
            return outputs == 1 ? BINARY : MULTICLASS;
        }
        // Never compiled, or a loss of the user's own (Registry.loss): what it means is not known, the activation is.
        Activation last = network.outputActivation();
        if (last == Activation.SOFTMAX) {
            return MULTICLASS;
        }
        if (last == Activation.SIGMOID) {
            return outputs == 1 ? BINARY : MULTICLASS;
        }
        return REGRESSION;
    }

    /** Number of classes a classifier with {@code outputs} outputs tells apart (one sigmoid unit: 2). */
    public int classes(int outputs) {
        return switch (this) {
            case MULTICLASS -> outputs;
            case BINARY -> 2;
            case REGRESSION -> throw new IllegalStateException("a regression model has no classes");
        };
    }
}
