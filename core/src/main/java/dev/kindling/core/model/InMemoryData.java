// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/**
 * Training data held in one JVM's tensors: the last {@code validationSplit} of the rows validate, as in Keras, or a
 * separate validation set does. Optional per-sample weights weigh the training and validation losses; class weights
 * weigh the training losses only.
 */
final class InMemoryData implements TrainingData {
    /** Rows per chunk when evaluating: bounds memory for large inputs. */
    static final int EVALUATION_CHUNK = 2048;

    private final Network network;
    private final Loss loss;
    private final List<Metric> metrics;
    private final ClassWeights classWeights;
    private final Features trainX;
    private final Tensor trainY;
    private final Tensor trainW;
    private final Features validationX;
    private final Tensor validationY;
    private final Tensor validationW;

    /**
     * @param x, y, w     checked and in the network's dtype; {@code w} (per-sample weights) may be null
     * @param validation checked separate validation data, or null to split the last {@code validationSplit} off
     */
    InMemoryData(Network network, Loss loss, List<Metric> metrics, Features x, Tensor y, Tensor w,
                 double validationSplit, FitOptions.ValidationData validation, ClassWeights classWeights) {
        this.network = network;
        this.loss = loss;
        this.metrics = metrics;
        this.classWeights = classWeights;
        int samples = x.rows();
        int train = validation != null ? samples : TrainingData.trainSamples(samples, validationSplit);
        this.trainX = train == samples ? x : x.slice(0, train);
        this.trainY = train == samples ? y : y.slice(0, 0, train);
        this.trainW = w == null || train == samples ? w : w.slice(0, 0, train);
        if (validation != null) {
            this.validationX = Features.dense(validation.x());
            this.validationY = validation.y();
            this.validationW = validation.sampleWeights();
        } else {
            this.validationX = train == samples ? null : x.slice(train, samples);
            this.validationY = train == samples ? null : y.slice(0, train, samples);
            this.validationW = w == null || train == samples ? null : w.slice(0, train, samples);
        }
    }

    InMemoryData(Network network, Loss loss, List<Metric> metrics, Tensor x, Tensor y, double validationSplit) {
        this(network, loss, metrics, Features.dense(x), y, null, validationSplit, null, ClassWeights.NONE);
    }

    @Override
    public int trainSamples() {
        return trainX.rows();
    }

    @Override
    public long validationSamples() {
        return validationX == null ? 0 : validationX.rows();
    }

    @Override
    public int inputWidth() {
        // A dense batch's second axis, as checkpoints have always recorded it; sparse rows' width.
        return trainX instanceof Features.Dense dense ? dense.x().dim(1) : network.inputDim();
    }

    @Override
    public BatchStats accumulateGradient(int[] rows, long stepSeed, Tensor weights, Tensor gradSink, Step step) {
        long[] ids = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            ids[i] = rows[i];
        }
        Tensor y = trainY.take(0, rows);
        Tensor w = classWeights.weights(y, loss, trainW == null ? null : trainW.take(0, rows));
        return BatchGradient.accumulate(network, loss, metrics, weights, trainX.take(rows), y, w,
                ForwardContext.training(stepSeed, ids), gradSink);
    }

    @Override
    public BatchStats evaluateValidation(Tensor weights) {
        return evaluate(network, loss, metrics, weights, validationX, validationY, validationW);
    }

    /** Loss and metric sums over {@code (x, y)} in chunks, losses weighted by {@code w} when it is not null. */
    static BatchStats evaluate(Network network, Loss loss, List<Metric> metrics, Tensor weights, Features x, Tensor y,
                               Tensor w) {
        BatchStats total = BatchStats.empty(metrics);
        int rows = x.rows();
        for (int from = 0; from < rows; from += EVALUATION_CHUNK) {
            int to = Math.min(rows, from + EVALUATION_CHUNK);
            total = total.merge(BatchGradient.evaluate(network, loss, metrics, weights,
                    x.slice(from, to), y.slice(0, from, to), w == null ? null : w.slice(0, from, to)));
        }
        return total;
    }
}
