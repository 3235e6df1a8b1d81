// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.autodiff.SequenceOps;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * What {@link SimpleRNN}, {@link LSTM} and {@link GRU} share: sequences {@code (timesteps, features)} in, the last
 * state {@code (units)} or every step's {@code (timesteps, units)} out ({@code return_sequences}), Keras's weights
 * and initializers, and dropout on the inputs and on the recurrent state.
 *
 * <p>Weights, as Keras lays them out (so a Keras model's weights mean the same here): {@code kernel (features,
 * gates*units)}, {@code recurrent_kernel (units, gates*units)}, {@code bias (gates*units)} ({@code (2, 3*units)}
 * for the GRU), gates in Keras's order (LSTM: i, f, c, o; GRU: z, r, h). Initializers, Keras's defaults: glorot
 * uniform kernel (fans {@code features} and {@code gates*units}), orthogonal recurrent kernel, zero bias except
 * the LSTM's forget gate, 1 ({@code unit_forget_bias}). The state starts at zero; activations are Keras's
 * defaults, tanh and a sigmoid for the gates.
 *
 * <p>Dropout, Keras's: {@code dropout} zeroes a fraction of the inputs and {@code recurrent_dropout} a fraction of
 * the state entering the recurrent product, with one mask per sample kept for all timesteps, during training only.
 * The masks are drawn from the step seed, the layer and the sample's number ({@link ForwardContext}), so a sample
 * gets the same masks on any partition.
 */
public interface RecurrentLayer extends Layer {

    /** The state's width. */
    int units();

    /** Whether every step's output is returned {@code (timesteps, units)}, or only the last {@code (units)}. */
    boolean returnSequences();

    /** Whether the sequence is read from its last timestep to its first. */
    boolean goBackwards();

    /** Fraction of the inputs dropped during training, in [0, 1). */
    double dropout();

    /** Fraction of the recurrent state dropped during training, in [0, 1). */
    double recurrentDropout();

    /** Which recurrence this is. */
    SequenceOps.Cell cell();

    /** The same layer reading its sequence the other way ({@code Bidirectional}'s backward layer). */
    RecurrentLayer withGoBackwards(boolean goBackwards);

    /** Checks a recurrent layer's configuration, naming the layer and the value. */
    static void check(String layer, int units, double dropout, double recurrentDropout, Shape inputShape) {
        if (units <= 0) {
            throw new IllegalArgumentException(layer + ": units must be > 0, got " + units);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException(layer + ": dropout must be in [0, 1), got " + dropout);
        }
        if (!(recurrentDropout >= 0 && recurrentDropout < 1)) {
            throw new IllegalArgumentException(layer + ": recurrent_dropout must be in [0, 1), got "
                    + recurrentDropout);
        }
        if (inputShape != null && (inputShape.rank() != 2 || inputShape.size() == 0)) {
            throw new IllegalArgumentException(layer + ": inputShape must be (timesteps, features), both > 0, got "
                    + inputShape);
        }
    }

    @Override
    default Shape outputShape(Shape inputShape) {
        if (inputShape.rank() != 2) {
            throw new IllegalArgumentException(typeName() + " expects sequences (timesteps, features), got "
                    + inputShape + (inputShape.rank() == 1 ? ": token ids need an Embedding first" : ""));
        }
        return returnSequences() ? Shape.of(inputShape.dim(0), units()) : Shape.of(units());
    }

    @Override
    default List<Shape> parameterShapes(Shape inputShape) {
        outputShape(inputShape);
        int gu = cell().gates() * units();
        return List.of(Shape.of(inputShape.dim(1), gu), Shape.of(units(), gu),
                cell() == SequenceOps.Cell.GRU ? Shape.of(2, gu) : Shape.of(gu));
    }

    @Override
    default List<String> parameterNames() {
        return List.of("kernel", "recurrent_kernel", "bias");
    }

    /** Keras's defaults: glorot uniform, orthogonal, zeros (and the LSTM's forget-gate bias 1). */
    @Override
    default void initialize(List<Tensor> parameters, Random rng) {
        Tensor kernel = parameters.get(0);
        double limit = Math.sqrt(6.0 / (kernel.dim(0) + kernel.dim(1)));
        kernel.assignInPlace(Tensor.uniform(kernel.shape(), kernel.dtype(), -limit, limit, rng));
        Tensor recurrent = parameters.get(1);
        recurrent.assignInPlace(orthogonal(recurrent.dim(0), recurrent.dim(1), rng).astype(recurrent.dtype()));
        Tensor bias = parameters.get(2);
        bias.fillInPlace(0.0);
        if (cell() == SequenceOps.Cell.LSTM) {
            for (int j = units(); j < 2 * units(); j++) {
                bias.setFlat(j, 1.0);
            }
        }
    }

    /**
     * Keras's {@code Orthogonal} initializer for a {@code (rows, cols)} matrix: a standard normal matrix of shape
     * {@code (max, min)} made orthonormal by QR with the signs fixed so that R's diagonal is positive (modified
     * Gram-Schmidt gives that directly), transposed when {@code rows < cols}. So its rows are orthonormal when
     * {@code rows <= cols} (the LSTM's {@code (units, 4*units)}), its columns when {@code rows >= cols}.
     */
    static Tensor orthogonal(int rows, int cols, Random rng) {
        int m = Math.max(rows, cols);
        int k = Math.min(rows, cols);
        double[][] q = new double[k][m]; // column j of the (m, k) matrix
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                q[j][i] = rng.nextGaussian();
            }
        }
        for (int j = 0; j < k; j++) {
            for (int p = 0; p < j; p++) {
                double dot = 0;
                for (int i = 0; i < m; i++) {
                    dot += q[p][i] * q[j][i];
                }
                for (int i = 0; i < m; i++) {
                    q[j][i] -= dot * q[p][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < m; i++) {
                norm += q[j][i] * q[j][i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < m; i++) {
                q[j][i] /= norm;
            }
        }
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = rows < cols ? q[r][c] : q[c][r];
            }
        }
        return Tensor.of(out, rows, cols);
    }

    @Override
    default Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
        Tensor x = input.value();
        if (x.rank() != 3) {
            throw new IllegalArgumentException(typeName() + ": expected sequences (samples, timesteps, features), got "
                    + x.shape());
        }
        Tensor inputMask = null;
        Tensor recurrentMask = null;
        if (context.training() && dropout() > 0) {
            inputMask = context.dropoutMask(x.dim(0), x.dim(2), x.dtype(), dropout());
        }
        if (context.training() && recurrentDropout() > 0) {
            recurrentMask = context.salted(RECURRENT_MASK_SALT).dropoutMask(x.dim(0), units(), x.dtype(),
                    recurrentDropout());
        }
        return SequenceOps.recurrence(cell(), input, parameters.get(0), parameters.get(1), parameters.get(2),
                returnSequences(), goBackwards(), inputMask, recurrentMask);
    }

    /** Keeps the recurrent mask's stream apart from the input mask's. */
    long RECURRENT_MASK_SALT = 0x5EC0_12E7L;
}
