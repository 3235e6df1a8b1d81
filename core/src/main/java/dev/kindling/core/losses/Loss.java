package dev.kindling.core.losses;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.tensor.Tensor;
import java.util.Locale;

/**
 * Loss functions, with Keras's names and per-sample definitions. Each returns the <em>sum</em> over the batch
 * of the per-sample loss; callers divide by the number of samples. Summing lets data-parallel workers add their
 * partial sums and divide once, which gives exactly the mean of plain mini-batch training.
 *
 * <p>Losses receive the last layer's output <em>before</em> its activation. When the activation is softmax
 * (cross-entropy) or sigmoid (binary cross-entropy), the loss is computed from these logits with a
 * max-subtracted log-softmax or the stable {@code max(z,0) - z*y + log(1 + e^-|z|)}, never from probabilities
 * that can round to 0. Other activations fall back to Keras's clipped probabilities.
 */
public enum Loss {
    /** {@code -sum_k y_k log p_k} for one-hot (or soft) targets {@code (n, classes)}. */
    CATEGORICAL_CROSSENTROPY,
    /** The same with integer class targets {@code (n)}. */
    SPARSE_CATEGORICAL_CROSSENTROPY,
    /** {@code -mean_k [y_k log p_k + (1 - y_k) log(1 - p_k)]} for targets in [0, 1]. */
    BINARY_CROSSENTROPY,
    /** {@code mean_k (p_k - y_k)^2}. */
    MEAN_SQUARED_ERROR;

    /** Keras clips probabilities to [EPSILON, 1 - EPSILON] before taking logs. */
    public static final double EPSILON = 1e-7;

    /**
     * Sum over the batch of the per-sample loss.
     *
     * @param preActivation the last layer's output before its activation, {@code (n, outputs)}
     * @param activation    the last layer's activation
     * @param targets       checked with {@link #checkTargets} beforehand, same dtype as the output
     */
    public Variable batchSum(Variable preActivation, Activation activation, Tensor targets) {
        Tensor y = this == SPARSE_CATEGORICAL_CROSSENTROPY
                ? oneHot(targets, preActivation.value().dim(1), preActivation.value())
                : targets;
        Variable t = Variable.constant(y);
        return switch (this) {
            case CATEGORICAL_CROSSENTROPY, SPARSE_CATEGORICAL_CROSSENTROPY -> {
                Variable logP = activation == Activation.SOFTMAX
                        ? Ops.logSoftmax(preActivation, -1)
                        : Ops.log(clipped(normalized(activation.apply(preActivation))));
                yield Ops.neg(Ops.sum(Ops.mul(t, logP)));
            }
            case BINARY_CROSSENTROPY -> {
                int outputs = preActivation.value().dim(1);
                Variable perElement = activation == Activation.SIGMOID
                        ? binaryCrossEntropyFromLogits(preActivation, t)
                        : binaryCrossEntropyFromProbabilities(clipped(activation.apply(preActivation)), t);
                yield Ops.scale(Ops.sum(perElement), 1.0 / outputs);
            }
            case MEAN_SQUARED_ERROR -> {
                int outputs = preActivation.value().dim(1);
                yield Ops.scale(Ops.sum(Ops.square(Ops.sub(activation.apply(preActivation), t))), 1.0 / outputs);
            }
        };
    }

    /** {@code max(z,0) - z*y + log(1 + e^-|z|)}, with |z| = relu(z) + relu(-z); never overflows. */
    private static Variable binaryCrossEntropyFromLogits(Variable z, Variable y) {
        Variable absZ = Ops.add(Ops.relu(z), Ops.relu(Ops.neg(z)));
        Variable one = Variable.constant(Tensor.scalar(1.0, z.value().dtype()));
        Variable softplusTerm = Ops.log(Ops.add(one, Ops.exp(Ops.neg(absZ))));
        return Ops.add(Ops.sub(Ops.relu(z), Ops.mul(z, y)), softplusTerm);
    }

    private static Variable binaryCrossEntropyFromProbabilities(Variable p, Variable y) {
        Variable one = Variable.constant(Tensor.scalar(1.0, p.value().dtype()));
        Variable positive = Ops.mul(y, Ops.log(p));
        Variable negative = Ops.mul(Ops.sub(one, y), Ops.log(Ops.sub(one, p)));
        return Ops.neg(Ops.add(positive, negative));
    }

    private static Variable clipped(Variable p) {
        return Ops.clip(p, EPSILON, 1.0 - EPSILON);
    }

    /** Keras rescales probabilities to sum to 1 along the last axis before cross-entropy. */
    private static Variable normalized(Variable p) {
        return Ops.div(p, Ops.sum(p, -1, true));
    }

    /**
     * Checks targets against the model's output before any training step: their count, shape, finiteness and
     * range. Messages name the row and the expected and actual values.
     */
    public void checkTargets(Tensor targets, int rows, int outputs) {
        checkTargets(targets, rows, outputs, 0);
    }

    /**
     * As {@link #checkTargets(Tensor, int, int)}, for a block of a larger data set whose first row has number
     * {@code firstRow}: messages name rows by their number in the whole data set.
     */
    public void checkTargets(Tensor targets, int rows, int outputs, long firstRow) {
        if (targets.rank() == 0 || targets.dim(0) != rows) {
            throw new IllegalArgumentException(keyword() + ": targets " + targets.shape() + " do not match " + rows
                    + " input rows");
        }
        if (this == SPARSE_CATEGORICAL_CROSSENTROPY) {
            if (!(targets.rank() == 1 || targets.rank() == 2 && targets.dim(1) == 1)) {
                throw new IllegalArgumentException(keyword() + ": expected integer class targets of shape (" + rows
                        + ",), got " + targets.shape());
            }
            for (int r = 0; r < rows; r++) {
                double label = targets.getFlat(r);
                if (label != Math.rint(label) || label < 0 || label >= outputs) {
                    throw new IllegalArgumentException(keyword() + ": label at row " + (firstRow + r) + " is " + label
                            + ", expected an integer class in [0, " + outputs + ")");
                }
            }
            return;
        }
        if (targets.rank() != 2 || targets.dim(1) != outputs) {
            throw new IllegalArgumentException(keyword() + ": expected targets of shape (" + rows + ", " + outputs
                    + ") to match the model's output, got " + targets.shape()
                    + (targets.rank() == 1 && this == CATEGORICAL_CROSSENTROPY
                        ? " (class indices: use toCategorical, or sparse_categorical_crossentropy)" : ""));
        }
        boolean probabilities = this != MEAN_SQUARED_ERROR;
        for (int i = 0; i < targets.size(); i++) {
            double v = targets.getFlat(i);
            if (!Double.isFinite(v) || probabilities && (v < 0 || v > 1)) {
                throw new IllegalArgumentException(keyword() + ": target at row " + (firstRow + i / outputs) + ", column "
                        + i % outputs + " is " + v + ", expected " + (probabilities ? "a value in [0, 1]" : "a finite number"));
            }
        }
    }

    private static Tensor oneHot(Tensor labels, int classes, Tensor like) {
        int rows = labels.dim(0);
        Tensor oneHot = Tensor.zeros(like.dtype(), rows, classes);
        for (int r = 0; r < rows; r++) {
            oneHot.setFlat(r * classes + (int) labels.getFlat(r), 1.0);
        }
        return oneHot;
    }

    /** Keras's spelling: {@code categorical_crossentropy}, ... */
    @JsonValue
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Loss fromKeyword(String keyword) {
        for (Loss l : values()) {
            if (l.keyword().equalsIgnoreCase(keyword)) {
                return l;
            }
        }
        if ("mse".equalsIgnoreCase(keyword)) {
            return MEAN_SQUARED_ERROR;
        }
        throw new IllegalArgumentException("unknown loss '" + keyword + "', expected one of categorical_crossentropy,"
                + " sparse_categorical_crossentropy, binary_crossentropy, mean_squared_error");
    }
}
