// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.autodiff.NoGrad;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/**
 * One batch's contribution to a training step: the gradient of the <em>summed</em> loss, added into a flat
 * gradient vector, and the loss and metric sums. The one-JVM fit and each Spark partition call the same code;
 * whoever owns the step divides the summed gradient by the global batch size, so any split of a batch into
 * parts gives the same mean gradient.
 */
public final class BatchGradient {
    private BatchGradient() {
    }

    /**
     * Adds d(sum of the batch's losses)/d(weights) into {@code gradSink} and returns the batch's sums.
     *
     * @param metrics resolved metrics ({@link CompileConfig#resolvedMetrics})
     * @param x       inputs {@code (n, inputDim)} in the network's dtype
     * @param y       targets in the network's dtype, already checked with {@link Loss#checkTargets}
     */
    public static BatchStats accumulate(Network network, Loss loss, List<Metric> metrics, Tensor weights,
                                        Tensor x, Tensor y, ForwardContext context, Tensor gradSink) {
        return accumulate(network, loss, metrics, weights, x, y, null, context, gradSink);
    }

    /**
     * As {@link #accumulate(Network, Loss, List, Tensor, Tensor, Tensor, ForwardContext, Tensor)}, each sample's loss
     * multiplied by its weight (Keras's {@code sample_weight}; metrics are not weighted).
     *
     * @param sampleWeights {@code (n)} in the network's dtype, or null for all 1
     */
    public static BatchStats accumulate(Network network, Loss loss, List<Metric> metrics, Tensor weights,
                                        Tensor x, Tensor y, Tensor sampleWeights, ForwardContext context,
                                        Tensor gradSink) {
        return accumulate(network, loss, metrics, weights, Features.dense(x), y, sampleWeights, context, gradSink);
    }

    /**
     * As {@link #accumulate(Network, Loss, List, Tensor, Tensor, Tensor, Tensor, ForwardContext, Tensor)}, for
     * inputs dense or sparse ({@link Features}).
     */
    public static BatchStats accumulate(Network network, Loss loss, List<Metric> metrics, Tensor weights,
                                        Features x, Tensor y, Tensor sampleWeights, ForwardContext context,
                                        Tensor gradSink) {
        Variable z = x.preActivation(network, weights, gradSink, context);
        Variable lossSum = loss.batchSum(z, network.outputActivation(), y, sampleWeights);
        lossSum.backward();
        return stats(network, metrics, z.value(), y, lossSum.value().item());
    }

    /** The batch's loss and metric sums, with no gradient and no dropout. */
    public static BatchStats evaluate(Network network, Loss loss, List<Metric> metrics, Tensor weights,
                                      Tensor x, Tensor y) {
        return evaluate(network, loss, metrics, weights, x, y, null);
    }

    /** The same with each sample's loss weighted ({@code sampleWeights} may be null). */
    public static BatchStats evaluate(Network network, Loss loss, List<Metric> metrics, Tensor weights,
                                      Tensor x, Tensor y, Tensor sampleWeights) {
        return evaluate(network, loss, metrics, weights, Features.dense(x), y, sampleWeights);
    }

    /** The same for inputs dense or sparse ({@link Features}). */
    public static BatchStats evaluate(Network network, Loss loss, List<Metric> metrics, Tensor weights,
                                      Features x, Tensor y, Tensor sampleWeights) {
        try (NoGrad ignored = NoGrad.enter()) {
            Variable z = x.preActivation(network, weights, null, ForwardContext.inference());
            double lossSum = loss.batchSum(z, network.outputActivation(), y, sampleWeights).value().item();
            return stats(network, metrics, z.value(), y, lossSum);
        }
    }

    private static BatchStats stats(Network network, List<Metric> metrics, Tensor preActivation, Tensor y,
                                    double lossSum) {
        Tensor outputs;
        try (NoGrad ignored = NoGrad.enter()) {
            outputs = network.outputActivation().apply(Variable.constant(preActivation)).value();
        }
        double[] sums = new double[BatchStats.stateSize(metrics)];
        int offset = 0;
        for (Metric metric : metrics) {
            metric.accumulate(outputs, y, sums, offset);
            offset += metric.stateSize();
        }
        return new BatchStats(preActivation.dim(0), lossSum, sums);
    }
}
