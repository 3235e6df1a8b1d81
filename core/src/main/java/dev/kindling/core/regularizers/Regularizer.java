// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.regularizers;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.kindling.core.autodiff.Variable;
import java.io.Serializable;

/**
 * A penalty on one weight tensor that the training loop adds to the loss, Keras's regularizer: a layer takes one for
 * its kernel and one for its bias ({@code Dense.withKernelRegularizer(Regularizer.l2(0.001))}, Keras's
 * {@code kernel_regularizer = regularizer_l2(0.001)}). The penalty is added to each step's mean loss (so the history's
 * {@code loss} and {@code val_loss} include it, as Keras's do) and its gradient to the step's mean gradient.
 *
 * <p>A regularizer of your own is a record implementing {@link #penalty} from autodiff ops (its gradient comes from
 * them), plus {@code Registry.regularizer("my_name", MyRegularizer.class)}: then model files, job files
 * ({@code kernel-regularizer {type = my_name, ...}}) and the Spark ML stages know it. It must be serializable and
 * Jackson-readable, as layers are.
 *
 * <p>JSON form (model files, job files): {@code {"type": "l2", "l2": 0.001}}; an object without {@code type} is
 * Keras's {@code regularizer_l1_l2} with the factors it names ({@code {"l2": 0.001}} is l1 = 0, l2 = 0.001); the
 * registry's mapper resolves the missing type so (an unknown type is an error, never a silent l1_l2).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface Regularizer extends Serializable {

    /**
     * The penalty of {@code weights} (a scalar), from autodiff ops so its gradient flows back into the weights.
     * A frozen layer's weights are not regularized (Keras regularizes trainable weights only).
     */
    Variable penalty(Variable weights);

    /** Keras's {@code regularizer_l1(l1)}: {@code l1 * sum(|w|)}. */
    static Regularizer l1(double l1) {
        return new L1(l1);
    }

    /** Keras's {@code regularizer_l2(l2)}: {@code l2 * sum(w^2)}. */
    static Regularizer l2(double l2) {
        return new L2(l2);
    }

    /** Keras's {@code regularizer_l1_l2(l1, l2)}: {@code l1 * sum(|w|) + l2 * sum(w^2)}. */
    static Regularizer l1L2(double l1, double l2) {
        return new L1L2(l1, l2);
    }

    /** Checks one factor: finite and {@code >= 0}; returns it. */
    static double factor(String regularizer, String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(regularizer + ": " + name + " must be a finite number >= 0, got "
                    + value);
        }
        return value;
    }
}
