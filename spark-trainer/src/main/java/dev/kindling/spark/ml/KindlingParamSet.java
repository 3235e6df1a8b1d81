// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.losses.Loss;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import java.util.List;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

/**
 * The Param objects of one Kindling stage, made with that stage's uid (Spark checks that a stage owns its
 * Params). {@link KindlingParams}' accessors return them; the defaults are set on the stage by {@link #setDefaults}.
 */
public final class KindlingParamSet implements java.io.Serializable {
    static final String ERROR = "error";
    static final String SKIP = "skip";
    /** Keras's defaults, declared once, in {@link FitOptions}. */
    private static final FitOptions KERAS = FitOptions.builder().listeners().build();

    final LayersParam layers;
    final OptimizerParam optimizer;
    final DoubleParam learningRate;
    final Param<String> loss;
    final IntParam epochs;
    final IntParam batchSize;
    final DoubleParam validationSplit;
    final LongParam seed;
    final IntParam partitions;
    final IntParam stepsPerJob;
    final Param<String> handleInvalid;
    final IntParam verbose;
    final Param<String> initialModel;
    final IntParam initialLayers;
    final IntParam frozenLayers;
    /** Classifiers only (null for a regressor). */
    final DoubleParam threshold;

    /** The uid of the stage that owns these Params. */
    final String uid;

    /**
     * The Params of the stage whose construction {@link ConstructingUid#begin} began, with their defaults set on it;
     * ends that construction. Each stage's private constructor calls this right after {@code super()} and keeps the
     * result; until it is kept, the stage's {@code uid()} answers {@link #uidOf uidOf(null)}, the uid being
     * constructed.
     *
     * @param classifier whether the stage predicts classes (and so has a {@code threshold})
     */
    static KindlingParamSet constructed(Params owner, boolean classifier, Loss defaultLoss) {
        try {
            KindlingParamSet set = new KindlingParamSet(owner, classifier, ConstructingUid.current());
            set.setDefaults(owner, defaultLoss.keyword());
            return set;
        } finally {
            ConstructingUid.end();
        }
    }

    /** A stage's {@code uid()}: its Params' uid, or while its Spark superclass constructor runs, the one begun. */
    static String uidOf(KindlingParamSet params) {
        return params != null ? params.uid : ConstructingUid.current();
    }

    private KindlingParamSet(Params owner, boolean classifier, String uid) {
        this.uid = uid;
        layers = new LayersParam(owner, "layers", "the network's layers, first to last, as Keras's Sequential: "
                + "setLayers(new Dense(512, Activation.RELU), new Dense(10, Activation.SOFTMAX)) or the spec "
                + "\"dense(512, relu), dense(10, softmax)\"; the first layer takes its width from the features "
                + "(MLlib's MultilayerPerceptronClassifier: layers, widths only)");
        optimizer = new OptimizerParam(owner, "optimizer", "the optimizer and its hyper-parameters, as Keras's "
                + "compile(optimizer): sgd, rmsprop, adam or adagrad with Keras's defaults "
                + "(MLlib's MultilayerPerceptronClassifier: solver)");
        learningRate = new DoubleParam(owner, "learningRate", "when set, replaces the optimizer's own learning "
                + "rate (Keras's learning_rate; MLlib's stepSize); > 0", ParamValidators.gt(0));
        loss = new Param<>(owner, "loss", "the loss, by its name in the core's Registry (Keras's: "
                + (classifier ? "categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy"
                : "mean_squared_error (mse)") + ", or one of your own)", new RegisteredLoss(classifier));
        epochs = new IntParam(owner, "epochs", "passes over the training rows (Keras's epochs; MLlib's maxIter "
                + "counts optimizer iterations instead); >= 1", ParamValidators.gtEq(1));
        batchSize = new IntParam(owner, "batchSize", "rows per gradient step, summed over all partitions "
                + "(Keras's batch_size; MLlib's MLP steps on all rows, its blockSize only stacks them); >= 1",
                ParamValidators.gtEq(1));
        validationSplit = new DoubleParam(owner, "validationSplit", "fraction of the training rows, the last ones "
                + "in the data's order, held out and evaluated after each epoch (Keras's validation_split); "
                + "in [0, 1)", ParamValidators.inRange(0, 1, true, false));
        seed = new LongParam(owner, "seed", "seeds the initial weights, the shuffling and dropout (MLlib's seed)");
        partitions = new IntParam(owner, "partitions", "partitions the training rows are packed into before "
                + "training, one task each per step; 0 packs one per task slot of the cluster (Spark's default "
                + "parallelism), whatever the data's own partitioning; >= 0", ParamValidators.gtEq(0));
        stepsPerJob = new IntParam(owner, "stepsPerJob", "synchronous steps per Spark job: 1 runs each step as its "
                + "own job; more runs a training stage, one barrier job whose tasks stay up for that many steps "
                + "(never past an epoch) and exchange weights and gradients with the driver directly, learning the "
                + "same weights; >= 1", ParamValidators.gtEq(1));
        handleInvalid = new Param<>(owner, "handleInvalid", "rows whose features are null or hold NaN or infinite "
                + "values, in fit and transform: 'error' fails naming the row, 'skip' leaves them out "
                + "(MLlib's handleInvalid)", ParamValidators.inArray(List.of(ERROR, SKIP)));
        verbose = new IntParam(owner, "verbose", "1 prints Keras's progress for each epoch on standard output, "
                + "0 prints nothing (Keras's verbose)", ParamValidators.inArray(List.of(0, 1)));
        initialModel = new Param<>(owner, "initialModel", "a saved Kindling model (model.kindling, any Hadoop "
                + "path) to start from: its first initialLayers layers, with their weights, and the layers Param "
                + "on top (fine-tuning; MLlib's MultilayerPerceptronClassifier: initialWeights, all or nothing)");
        initialLayers = new IntParam(owner, "initialLayers", "how many of initialModel's first layers to keep; 0 "
                + "keeps them all; >= 0", ParamValidators.gtEq(0));
        frozenLayers = new IntParam(owner, "frozenLayers", "the network's first frozenLayers layers are frozen: "
                + "their weights do not change in fit (Keras's freeze_weights(to = frozenLayers)); 0 freezes none; "
                + ">= 0", ParamValidators.gtEq(0));
        threshold = !classifier ? null : new DoubleParam(owner, "threshold", "with one sigmoid unit (binary "
                + "cross-entropy), class 1 when p > threshold, as Keras's p > 0.5 (MLlib's threshold); thresholds, "
                + "when set, decide instead; in [0, 1]", ParamValidators.inRange(0, 1));
    }

    private void setDefaults(Params owner, String defaultLoss) {
        owner.setDefault(optimizer, Optimizer.rmsprop());
        owner.setDefault(loss, defaultLoss);
        owner.setDefault(epochs, KERAS.epochs());
        owner.setDefault(batchSize, KERAS.batchSize());
        owner.setDefault(validationSplit, KERAS.validationSplit());
        owner.setDefault(seed, KERAS.seed());
        owner.setDefault(partitions, 0);
        owner.setDefault(stepsPerJob, dev.kindling.spark.SparkTrainer.DEFAULT_STEPS_PER_JOB);
        owner.setDefault(handleInvalid, ERROR);
        owner.setDefault(verbose, 1);
        owner.setDefault(initialLayers, 0);
        owner.setDefault(frozenLayers, 0);
        if (threshold != null) {
            owner.setDefault(threshold, 0.5);
        }
    }

    /**
     * The loss param's validator: a name the registry knows, a loss registered by the user included, except the
     * built-in losses of the other kind of stage (mean squared error does not classify, cross-entropies do not
     * regress). A user's loss is judged by the last layer's activation when the stage fits.
     */
    private static final class RegisteredLoss extends scala.runtime.AbstractFunction1<String, Object>
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final boolean classifier;

        RegisteredLoss(boolean classifier) {
            this.classifier = classifier;
        }

        @Override
        public Object apply(String name) {
            Loss loss = name == null ? null : Registry.lossOrNull(name);
            if (loss == null) {
                return false;
            }
            boolean classifies = loss == Loss.CATEGORICAL_CROSSENTROPY || loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY
                    || loss == Loss.BINARY_CROSSENTROPY;
            return classifier ? loss != Loss.MEAN_SQUARED_ERROR : !classifies;
        }
    }
}
