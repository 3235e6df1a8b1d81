// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.losses;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.tensor.Tensor;

/** Categorical cross-entropy, with one-hot targets or (sparse) class indices; from logits under softmax. */
enum CrossEntropy implements Loss {
    CATEGORICAL("categorical_crossentropy", false),
    SPARSE("sparse_categorical_crossentropy", true);

    private final String keyword;
    private final boolean sparse;

    CrossEntropy(String keyword, boolean sparse) {
        this.keyword = keyword;
        this.sparse = sparse;
    }

    @Override
    public String keyword() {
        return keyword;
    }

    @Override
    public boolean classIndexTargets() {
        return sparse;
    }

    /** The summed form, kept as one reduction over all elements (as before per-sample losses existed). */
    @Override
    public Variable batchSum(Variable preActivation, Activation activation, Tensor targets) {
        return Ops.neg(Ops.sum(Ops.mul(oneHot(preActivation, targets), logP(preActivation, activation))));
    }

    @Override
    public Variable perSample(Variable preActivation, Activation activation, Tensor targets) {
        return Ops.neg(Ops.sum(Ops.mul(oneHot(preActivation, targets), logP(preActivation, activation)), 1, false));
    }

    private Variable oneHot(Variable preActivation, Tensor targets) {
        return Variable.constant(sparse ? Targets.oneHot(targets, preActivation.value().dim(1), preActivation.value())
                : targets);
    }

    private static Variable logP(Variable z, Activation activation) {
        return activation == Activation.SOFTMAX ? Ops.logSoftmax(z, -1)
                : Ops.log(Targets.clipped(normalized(activation.apply(z))));
    }

    /** Keras rescales probabilities to sum to 1 along the last axis before cross-entropy. */
    private static Variable normalized(Variable p) {
        return Ops.div(p, Ops.sum(p, -1, true));
    }

    @Override
    public void checkTargets(Tensor targets, int rows, int outputs, long firstRow) {
        if (sparse) {
            Targets.checkClassIndices(this, targets, rows, outputs, firstRow);
        } else {
            Targets.checkRows(this, targets, rows, outputs, firstRow, true);
        }
    }

}
