// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.layers.Layer;
import dev.kindling.core.optim.Optimizer;
import java.util.List;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The Params every Kindling stage has, estimator and model alike (a fitted model carries its estimator's values,
 * as MLlib's models do). Reached as Spark does: {@code kindling.learningRate()} is the {@code DoubleParam},
 * {@code kindling.getLearningRate()} its value; estimators have the setters ({@link KindlingEstimator}).
 */
public interface KindlingParams extends Params {

    /** The Param objects behind the accessors below, owned by this stage. */
    KindlingParamSet kindlingParamSet();

    default LayersParam layers() {
        return kindlingParamSet().layers;
    }

    default OptimizerParam optimizer() {
        return kindlingParamSet().optimizer;
    }

    default DoubleParam learningRate() {
        return kindlingParamSet().learningRate;
    }

    default Param<String> loss() {
        return kindlingParamSet().loss;
    }

    default IntParam epochs() {
        return kindlingParamSet().epochs;
    }

    default IntParam batchSize() {
        return kindlingParamSet().batchSize;
    }

    default DoubleParam validationSplit() {
        return kindlingParamSet().validationSplit;
    }

    default LongParam seed() {
        return kindlingParamSet().seed;
    }

    default IntParam partitions() {
        return kindlingParamSet().partitions;
    }

    default IntParam stepsPerJob() {
        return kindlingParamSet().stepsPerJob;
    }

    default Param<String> handleInvalid() {
        return kindlingParamSet().handleInvalid;
    }

    default IntParam verbose() {
        return kindlingParamSet().verbose;
    }

    default Param<String> initialModel() {
        return kindlingParamSet().initialModel;
    }

    default IntParam initialLayers() {
        return kindlingParamSet().initialLayers;
    }

    default IntParam frozenLayers() {
        return kindlingParamSet().frozenLayers;
    }

    default String getInitialModel() {
        return getOrDefault(initialModel());
    }

    default int getInitialLayers() {
        return (Integer) getOrDefault(initialLayers());
    }

    default int getFrozenLayers() {
        return (Integer) getOrDefault(frozenLayers());
    }

    default List<Layer> getLayers() {
        return getOrDefault(layers());
    }

    default Optimizer getOptimizer() {
        return getOrDefault(optimizer());
    }

    default double getLearningRate() {
        return (Double) getOrDefault(learningRate());
    }

    default String getLoss() {
        return getOrDefault(loss());
    }

    default int getEpochs() {
        return (Integer) getOrDefault(epochs());
    }

    default int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
    }

    default double getValidationSplit() {
        return (Double) getOrDefault(validationSplit());
    }

    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    default int getPartitions() {
        return (Integer) getOrDefault(partitions());
    }

    default int getStepsPerJob() {
        return (Integer) getOrDefault(stepsPerJob());
    }

    default String getHandleInvalid() {
        return getOrDefault(handleInvalid());
    }

    default int getVerbose() {
        return (Integer) getOrDefault(verbose());
    }

    /** The optimizer fit uses: {@link #getOptimizer()} with {@code learningRate} in place of its own when set. */
    default Optimizer effectiveOptimizer() {
        Optimizer base = getOptimizer();
        return isDefined(learningRate()) ? base.withLearningRate(getLearningRate()) : base;
    }
}
