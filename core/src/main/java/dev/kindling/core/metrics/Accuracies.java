// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.metrics;

import dev.kindling.core.losses.Loss;
import dev.kindling.core.tensor.Tensor;

/** The accuracy metrics: each sums per-sample hits (1 or 0, or the fraction of outputs right). */
final class Accuracies {
    private Accuracies() {
    }

    /** Keras's {@code "accuracy"}: stands for the variant the loss and output width call for. */
    record Accuracy(String keyword) implements Metric {
        @Override
        public Metric resolve(Loss loss, int outputs) {
            if (loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY) {
                return Metric.SPARSE_CATEGORICAL_ACCURACY;
            }
            if (loss == Loss.BINARY_CROSSENTROPY || outputs == 1) {
                return Metric.BINARY_ACCURACY;
            }
            return Metric.CATEGORICAL_ACCURACY;
        }

        @Override
        public void accumulate(Tensor outputs, Tensor targets, double[] state, int offset) {
            throw new IllegalStateException("resolve accuracy before use (CompileConfig.resolvedMetrics)");
        }
    }

    record Categorical() implements Metric {
        @Override
        public String keyword() {
            return "categorical_accuracy";
        }

        @Override
        public void accumulate(Tensor outputs, Tensor targets, double[] state, int offset) {
            state[offset] += countEqual(outputs.argmax(1), targets.argmax(1));
        }
    }

    record SparseCategorical() implements Metric {
        @Override
        public String keyword() {
            return "sparse_categorical_accuracy";
        }

        @Override
        public void accumulate(Tensor outputs, Tensor targets, double[] state, int offset) {
            state[offset] += countEqual(outputs.argmax(1), targets.reshape(outputs.dim(0)));
        }
    }

    record Binary() implements Metric {
        @Override
        public String keyword() {
            return "binary_accuracy";
        }

        @Override
        public void accumulate(Tensor outputs, Tensor targets, double[] state, int offset) {
            int k = outputs.dim(1);
            double hits = 0;
            for (int i = 0; i < outputs.size(); i++) {
                hits += (outputs.getFlat(i) > 0.5) == (targets.getFlat(i) > 0.5) ? 1 : 0;
            }
            state[offset] += hits / k;
        }
    }

    /** The target class (argmax of a one-hot row, or an index) is among the {@code k} largest outputs. */
    record TopK(int k, String keyword) implements Metric {
        TopK {
            if (k < 1) {
                throw new IllegalArgumentException("top-k accuracy: k must be >= 1, got " + k);
            }
        }

        @Override
        public void accumulate(Tensor outputs, Tensor targets, double[] state, int offset) {
            int rows = outputs.dim(0);
            int classes = outputs.dim(1);
            boolean sparse = targets.rank() == 1 || targets.dim(1) == 1 && classes > 1;
            Tensor target = sparse ? targets.reshape(rows) : targets.argmax(1);
            double hits = 0;
            for (int r = 0; r < rows; r++) {
                int t = (int) target.getFlat(r);
                double score = outputs.getFlat(r * classes + t);
                int larger = 0;
                for (int c = 0; c < classes; c++) {
                    larger += outputs.getFlat(r * classes + c) > score ? 1 : 0;
                }
                hits += larger < k ? 1 : 0;
            }
            state[offset] += hits;
        }
    }

    static double countEqual(Tensor a, Tensor b) {
        double hits = 0;
        for (int i = 0; i < a.size(); i++) {
            hits += a.getFlat(i) == b.getFlat(i) ? 1 : 0;
        }
        return hits;
    }
}
