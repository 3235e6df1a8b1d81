// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import java.util.List;
import org.apache.spark.ml.param.Param;

/**
 * The setters both Kindling estimators have, written once. {@code S} is the estimator itself, so every setter
 * returns it for chaining, as Spark ML's setters do. An interface rather than a base class because each estimator
 * must extend its own Spark ML type ({@code ProbabilisticClassifier}, {@code Regressor}).
 *
 * @param <S> the estimator
 */
public interface KindlingEstimator<S extends KindlingEstimator<S>> extends KindlingParams {

    default S setLayers(Layer... layers) {
        return setLayers(List.of(layers));
    }

    default S setLayers(List<Layer> layers) {
        return with(layers(), List.copyOf(layers));
    }

    /** Layers from a spec such as {@code "dense(512, relu), dropout(0.5), dense(10, softmax)"}. */
    default S setLayers(String spec) {
        return setLayers(LayerSpec.parse(spec));
    }

    default S setOptimizer(Optimizer optimizer) {
        return with(optimizer(), optimizer);
    }

    /**
     * An optimizer by its Keras name (sgd, rmsprop, adam, adagrad) with Keras's defaults, or with arguments as the
     * layers spec takes them: {@code "adam(learning_rate=0.01)"}, {@code "sgd(0.1, momentum=0.9)"}.
     */
    default S setOptimizer(String spec) {
        return setOptimizer(LayerSpec.optimizer(spec));
    }

    default S setLearningRate(double value) {
        return with(learningRate(), value);
    }

    default S setLoss(Loss loss) {
        return setLoss(loss.keyword());
    }

    /** A loss by its registered (Keras) name: {@code binary_crossentropy}, {@code mean_squared_error} or {@code mse}... */
    default S setLoss(String loss) {
        return with(loss(), Registry.loss(loss).keyword());
    }

    default S setEpochs(int value) {
        return with(epochs(), value);
    }

    default S setBatchSize(int value) {
        return with(batchSize(), value);
    }

    default S setValidationSplit(double value) {
        return with(validationSplit(), value);
    }

    default S setSeed(long value) {
        return with(seed(), value);
    }

    default S setPartitions(int value) {
        return with(partitions(), value);
    }

    /** Synchronous steps per Spark job (1 = a job per step; more = a training stage). */
    default S setStepsPerJob(int value) {
        return with(stepsPerJob(), value);
    }

    default S setHandleInvalid(String value) {
        return with(handleInvalid(), value);
    }

    default S setVerbose(int value) {
        return with(verbose(), value);
    }

    /**
     * Starts the fit from a saved model (a {@code model.kindling}, any Hadoop path): its first
     * {@link #setInitialLayers initialLayers} layers with their weights, the {@code layers} Param (which may then be
     * left unset) on top.
     */
    default S setInitialModel(String path) {
        return with(initialModel(), path);
    }

    /** How many of the initial model's first layers to keep (0, the default: all). */
    default S setInitialLayers(int value) {
        return with(initialLayers(), value);
    }

    /** Freezes the network's first {@code value} layers: fit does not change their weights (0, the default: none). */
    default S setFrozenLayers(int value) {
        return with(frozenLayers(), value);
    }

    /** Sets a Param of this estimator and returns the estimator ({@code S} is this stage's own type). */
    @SuppressWarnings("unchecked")
    private <T> S with(Param<T> param, T value) {
        return (S) set(param, value);
    }
}
