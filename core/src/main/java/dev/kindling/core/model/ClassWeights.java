// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.losses.Loss;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;

/**
 * Keras's {@code class_weight}: each training sample's loss is multiplied by the weight of its class (the target's
 * class index, the argmax of a one-hot row, or for one output unit 1 if the target is above 0.5, else 0); classes
 * not named weigh 1. Validation losses and metrics are not weighted, as in Keras.
 *
 * @param byClass weight of each class, indexed by class
 */
public record ClassWeights(double[] byClass) implements Serializable {

    /** Every class weighs 1. */
    public static final ClassWeights NONE = new ClassWeights(new double[0]);

    /**
     * Class weights for a model of {@code outputs} output units ({@code 1}: the two classes of a binary classifier).
     *
     * @throws IllegalArgumentException for a class outside the outputs' range or a weight that is negative or not
     *                                  finite, naming it
     */
    public static ClassWeights of(Map<Integer, Double> weights, int outputs) {
        if (weights == null || weights.isEmpty()) {
            return NONE;
        }
        int classes = outputs == 1 ? 2 : outputs;
        double[] w = new double[classes];
        Arrays.fill(w, 1.0);
        for (Map.Entry<Integer, Double> e : weights.entrySet()) {
            int c = e.getKey();
            double v = e.getValue();
            if (c < 0 || c >= classes) {
                throw new IllegalArgumentException("class_weight: class " + c + " is not one of the model's classes 0.."
                        + (classes - 1));
            }
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("class_weight: class " + c + " has weight " + v
                        + ", expected a finite number >= 0");
            }
            w[c] = v;
        }
        return new ClassWeights(w);
    }

    public boolean none() {
        return byClass.length == 0;
    }

    /**
     * Per-sample weights for a batch's targets, times {@code sampleWeights} (rows of the same batch) when given;
     * null when neither weighs anything (the unweighted sum then).
     */
    public Tensor weights(Tensor targets, Loss loss, Tensor sampleWeights) {
        if (none()) {
            return sampleWeights;
        }
        int rows = targets.dim(0);
        int width = targets.rank() == 1 ? 1 : targets.dim(1);
        Tensor w = Tensor.zeros(targets.dtype(), rows);
        for (int r = 0; r < rows; r++) {
            int c;
            if (loss.classIndexTargets()) {
                c = (int) targets.getFlat(r * width);
            } else if (width == 1) {
                c = targets.getFlat(r) > 0.5 ? 1 : 0;
            } else {
                c = 0;
                for (int k = 1; k < width; k++) {
                    c = targets.getFlat(r * width + k) > targets.getFlat(r * width + c) ? k : c;
                }
            }
            double v = c < byClass.length ? byClass[c] : 1.0;
            w.setFlat(r, sampleWeights == null ? v : v * sampleWeights.getFlat(r));
        }
        return w;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassWeights other && Arrays.equals(byClass, other.byClass);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(byClass);
    }

    @Override
    public String toString() {
        return none() ? "none" : Arrays.toString(byClass);
    }
}
