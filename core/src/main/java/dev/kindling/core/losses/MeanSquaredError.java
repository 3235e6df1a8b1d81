// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.losses;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.tensor.Tensor;

/** Mean squared error, the mean over outputs of the activated output's squared difference from the target. */
enum MeanSquaredError implements Loss {
    INSTANCE;

    @Override
    public String keyword() {
        return "mean_squared_error";
    }

    @Override
    public Variable batchSum(Variable preActivation, Activation activation, Tensor targets) {
        int outputs = preActivation.value().dim(1);
        return Ops.scale(Ops.sum(squares(preActivation, activation, targets)), 1.0 / outputs);
    }

    @Override
    public Variable perSample(Variable preActivation, Activation activation, Tensor targets) {
        int outputs = preActivation.value().dim(1);
        return Ops.scale(Ops.sum(squares(preActivation, activation, targets), 1, false), 1.0 / outputs);
    }

    private static Variable squares(Variable z, Activation activation, Tensor targets) {
        return Ops.square(Ops.sub(activation.apply(z), Variable.constant(targets)));
    }
}
