// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import java.io.Serializable;
import java.util.List;

/** What {@code compile} fixes: the optimizer (its hyper-parameters, not its state), the loss and the metrics. */
public record CompileConfig(Optimizer optimizer, Loss loss, List<Metric> metrics) implements Serializable {

    public CompileConfig {
        if (optimizer == null) {
            throw new IllegalArgumentException("compile: optimizer must not be null");
        }
        if (loss == null) {
            throw new IllegalArgumentException("compile: loss must not be null");
        }
        metrics = List.copyOf(metrics);
    }

    /** The metrics with {@code accuracy} resolved to the variant that fits the loss and output width. */
    public List<Metric> resolvedMetrics(int outputs) {
        return metrics.stream().map(m -> m.resolve(loss, outputs)).toList();
    }
}
