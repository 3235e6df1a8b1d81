// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.losses;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.tensor.Tensor;

/** Binary cross-entropy, the mean over outputs; from logits under sigmoid. */
enum BinaryCrossEntropy implements Loss {
    INSTANCE;

    @Override
    public String keyword() {
        return "binary_crossentropy";
    }

    @Override
    public Variable batchSum(Variable preActivation, Activation activation, Tensor targets) {
        int outputs = preActivation.value().dim(1);
        return Ops.scale(Ops.sum(perElement(preActivation, activation, targets)), 1.0 / outputs);
    }

    @Override
    public Variable perSample(Variable preActivation, Activation activation, Tensor targets) {
        int outputs = preActivation.value().dim(1);
        return Ops.scale(Ops.sum(perElement(preActivation, activation, targets), 1, false), 1.0 / outputs);
    }

    private static Variable perElement(Variable z, Activation activation, Tensor targets) {
        Variable t = Variable.constant(targets);
        return activation == Activation.SIGMOID ? fromLogits(z, t) : fromProbabilities(Targets.clipped(activation.apply(z)), t);
    }

    /** {@code max(z,0) - z*y + log(1 + e^-|z|)}, with |z| = relu(z) + relu(-z); never overflows. */
    private static Variable fromLogits(Variable z, Variable y) {
        Variable absZ = Ops.add(Ops.relu(z), Ops.relu(Ops.neg(z)));
        Variable one = Variable.constant(Tensor.scalar(1.0, z.value().dtype()));
        Variable softplusTerm = Ops.log(Ops.add(one, Ops.exp(Ops.neg(absZ))));
        return Ops.add(Ops.sub(Ops.relu(z), Ops.mul(z, y)), softplusTerm);
    }

    private static Variable fromProbabilities(Variable p, Variable y) {
        Variable one = Variable.constant(Tensor.scalar(1.0, p.value().dtype()));
        Variable positive = Ops.mul(y, Ops.log(p));
        Variable negative = Ops.mul(Ops.sub(one, y), Ops.log(Ops.sub(one, p)));
        return Ops.neg(Ops.add(positive, negative));
    }

    @Override
    public void checkTargets(Tensor targets, int rows, int outputs, long firstRow) {
        Targets.checkRows(this, targets, rows, outputs, firstRow, true);
    }
}
