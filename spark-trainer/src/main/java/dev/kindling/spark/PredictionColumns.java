// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * What {@link SparkTrainer#predict(dev.kindling.core.model.Sequential, org.apache.spark.sql.Dataset,
 * PredictionColumns)} reads and writes, with Spark ML's names and conventions. An empty name leaves that column
 * out. Which columns a model can write depends on its {@link OutputKind}:
 * <ul>
 *   <li>classifiers: {@code rawPrediction} (a vector: the last layer's output before its activation, the logits
 *       of a softmax; for one sigmoid unit with logit {@code z}, {@code [-z, z]}, as MLlib's logistic regression),
 *       {@code probability} (a vector with one probability per class: the softmax; {@code [1-p, p]} for one
 *       sigmoid unit) and {@code prediction} (the class, a double);</li>
 *   <li>regression: {@code prediction} only: the value (a double), or the values (a vector) for several outputs.</li>
 * </ul>
 * The class is the argmax of the probabilities, or for one sigmoid unit 1 when {@code p > threshold} (0.5 by
 * default). When {@code thresholds} are set (MLlib's {@code thresholds}: one per class, at least 0, at most one
 * 0) the class is the argmax of {@code probability[i] / thresholds[i]} instead.
 */
public final class PredictionColumns implements Serializable {
    private final String features;
    private final String prediction;
    private final String probability;
    private final String rawPrediction;
    private final double threshold;
    private final double[] thresholds;

    private PredictionColumns(String features, String prediction, String probability, String rawPrediction,
                              double threshold, double[] thresholds) {
        if (features == null || features.isBlank()) {
            throw new IllegalArgumentException("predict: the features column name must not be empty");
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("predict: threshold must be in [0, 1], got " + threshold);
        }
        if (thresholds != null) {
            int zeros = 0;
            for (double t : thresholds) {
                if (!(t >= 0) || Double.isInfinite(t)) {
                    throw new IllegalArgumentException("predict: thresholds must be finite and >= 0, got "
                            + Arrays.toString(thresholds));
                }
                zeros += t == 0 ? 1 : 0;
            }
            if (zeros > 1) {
                throw new IllegalArgumentException("predict: at most one of the thresholds may be 0, got "
                        + Arrays.toString(thresholds));
            }
        }
        this.features = features;
        this.prediction = nonNull(prediction);
        this.probability = nonNull(probability);
        this.rawPrediction = nonNull(rawPrediction);
        this.threshold = threshold;
        this.thresholds = thresholds == null ? null : thresholds.clone();
    }

    private static String nonNull(String name) {
        return name == null ? "" : name;
    }

    /** Features from {@code features}; writes {@code probability} and {@code prediction}, no raw prediction. */
    public static PredictionColumns of(String features) {
        return new PredictionColumns(features, "prediction", "probability", "", 0.5, null);
    }

    public PredictionColumns withPrediction(String name) {
        return new PredictionColumns(features, name, probability, rawPrediction, threshold, thresholds);
    }

    public PredictionColumns withProbability(String name) {
        return new PredictionColumns(features, prediction, name, rawPrediction, threshold, thresholds);
    }

    public PredictionColumns withRawPrediction(String name) {
        return new PredictionColumns(features, prediction, probability, name, threshold, thresholds);
    }

    /** For one sigmoid unit: class 1 when {@code p > threshold}. */
    public PredictionColumns withThreshold(double threshold) {
        return new PredictionColumns(features, prediction, probability, rawPrediction, threshold, thresholds);
    }

    /** MLlib's thresholds, one per class; null for none. */
    public PredictionColumns withThresholds(double... thresholds) {
        return new PredictionColumns(features, prediction, probability, rawPrediction, threshold, thresholds);
    }

    public String features() {
        return features;
    }

    public String prediction() {
        return prediction;
    }

    public String probability() {
        return probability;
    }

    public String rawPrediction() {
        return rawPrediction;
    }

    public double threshold() {
        return threshold;
    }

    /** A copy, or null when none are set. */
    public double[] thresholds() {
        return thresholds == null ? null : thresholds.clone();
    }

    /** The columns a model of this kind writes, in the order they are appended: raw, probability, prediction. */
    List<String> written(OutputKind kind) {
        List<String> out = new ArrayList<>();
        if (kind != OutputKind.REGRESSION) {
            addIfNamed(out, rawPrediction);
            addIfNamed(out, probability);
        }
        addIfNamed(out, prediction);
        return out;
    }

    private static void addIfNamed(List<String> out, String name) {
        if (!name.isEmpty()) {
            out.add(name);
        }
    }

    /**
     * Checks, on the driver and before any job, that the columns to write exist neither in {@code schema} nor
     * twice, and that thresholds fit the classes.
     *
     * @throws DataException naming the clashing column and the data's columns
     */
    void check(StructType schema, OutputKind kind, int outputs) {
        List<String> existing = Arrays.asList(schema.fieldNames());
        List<String> seen = new ArrayList<>();
        for (String name : written(kind)) {
            if (existing.contains(name)) {
                throw new DataException("predict: output column '" + name + "' already exists in the data, which has"
                        + " columns " + String.join(", ", existing) + ": drop or rename that column, or write the "
                        + role(name) + " under another name");
            }
            if (seen.contains(name)) {
                throw new DataException("predict: '" + name + "' is asked for as two output columns ("
                        + "rawPrediction '" + rawPrediction + "', probability '" + probability + "', prediction '"
                        + prediction + "'): give each its own name");
            }
            seen.add(name);
        }
        if (thresholds != null) {
            if (kind == OutputKind.REGRESSION) {
                throw new DataException("predict: thresholds are set but the model is a regression model");
            }
            int classes = kind.classes(outputs);
            if (thresholds.length != classes) {
                throw new DataException("predict: thresholds has " + thresholds.length + " values, the model has "
                        + classes + " classes");
            }
        }
    }

    private String role(String name) {
        if (name.equals(prediction)) {
            return "prediction";
        }
        return name.equals(probability) ? "probability" : "raw prediction";
    }

    /**
     * The class of one row from its probabilities (one per class, as {@code predict} writes them): the argmax of
     * {@code probability[i] / thresholds[i]} when thresholds are set, else for one sigmoid unit
     * {@code probability[1] > threshold}, else the argmax.
     */
    public double classOf(OutputKind kind, double[] probability) {
        if (thresholds != null) {
            int best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < probability.length; i++) {
                // as MLlib: a class whose threshold is 0 wins (+Infinity) unless its probability is 0 too (NaN)
                double scaled = probability[i] / thresholds[i];
                if (scaled > max) {
                    max = scaled;
                    best = i;
                }
            }
            return best;
        }
        if (kind == OutputKind.BINARY) {
            return probability[1] > threshold ? 1 : 0;
        }
        int best = 0;
        for (int i = 1; i < probability.length; i++) {
            best = probability[i] > probability[best] ? i : best;
        }
        return best;
    }

    @Override
    public String toString() {
        return "PredictionColumns[features=" + features + ", prediction=" + prediction + ", probability=" + probability
                + ", rawPrediction=" + rawPrediction + ", threshold=" + threshold + ", thresholds="
                + Arrays.toString(thresholds) + "]";
    }
}
