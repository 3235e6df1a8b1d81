// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.SparseRows;
import java.util.List;

/**
 * A layer that can be a model's first layer on sparse rows ({@link SparseRows}): it computes its output from the
 * non-zeros alone, never from a dense copy of the batch. {@link Dense} is one (a sparse-times-dense product); a
 * layer that needs every value of a sample laid out (a convolution, an {@link Embedding}'s token ids, a recurrent
 * layer) is not, and a model starting with one refuses sparse input before its first step.
 */
public interface SparseInput extends Layer {

    /** As {@link #forwardPreActivation}, for a batch of sparse rows as input. */
    Variable forwardPreActivation(SparseRows input, List<Variable> parameters, ForwardContext context);

    /** As {@link #forward}, for a batch of sparse rows as input. */
    default Variable forward(SparseRows input, List<Variable> parameters, ForwardContext context) {
        return activation().apply(forwardPreActivation(input, parameters, context));
    }
}
