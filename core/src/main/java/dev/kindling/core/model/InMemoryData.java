package dev.kindling.core.model;

import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.tensor.Tensor;
import java.util.List;

/** Training data held in one JVM's tensors: the last {@code validationSplit} of the rows validate, as in Keras. */
final class InMemoryData implements TrainingData {
    /** Rows per chunk when evaluating: bounds memory for large inputs. */
    static final int EVALUATION_CHUNK = 2048;

    private final Network network;
    private final Loss loss;
    private final List<Metric> metrics;
    private final Tensor trainX;
    private final Tensor trainY;
    private final Tensor validationX;
    private final Tensor validationY;

    /** @param x and y checked and in the network's dtype */
    InMemoryData(Network network, Loss loss, List<Metric> metrics, Tensor x, Tensor y, double validationSplit) {
        int samples = x.dim(0);
        int train = TrainingData.trainSamples(samples, validationSplit);
        this.network = network;
        this.loss = loss;
        this.metrics = metrics;
        this.trainX = train == samples ? x : x.slice(0, 0, train);
        this.trainY = train == samples ? y : y.slice(0, 0, train);
        this.validationX = train == samples ? null : x.slice(0, train, samples);
        this.validationY = train == samples ? null : y.slice(0, train, samples);
    }

    @Override
    public int trainSamples() {
        return trainX.dim(0);
    }

    @Override
    public long validationSamples() {
        return validationX == null ? 0 : validationX.dim(0);
    }

    @Override
    public int inputWidth() {
        return trainX.dim(1);
    }

    @Override
    public BatchStats accumulateGradient(int[] rows, long stepSeed, Tensor weights, Tensor gradSink, Step step) {
        long[] ids = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            ids[i] = rows[i];
        }
        return BatchGradient.accumulate(network, loss, metrics, weights, trainX.take(0, rows), trainY.take(0, rows),
                ForwardContext.training(stepSeed, ids), gradSink);
    }

    @Override
    public BatchStats evaluateValidation(Tensor weights) {
        return evaluate(network, loss, metrics, weights, validationX, validationY);
    }

    /** Loss and metric sums over {@code (x, y)} in chunks. */
    static BatchStats evaluate(Network network, Loss loss, List<Metric> metrics, Tensor weights, Tensor x, Tensor y) {
        BatchStats total = BatchStats.empty(metrics);
        int rows = x.dim(0);
        for (int from = 0; from < rows; from += EVALUATION_CHUNK) {
            int to = Math.min(rows, from + EVALUATION_CHUNK);
            total = total.merge(BatchGradient.evaluate(network, loss, metrics, weights,
                    x.slice(0, from, to), y.slice(0, from, to)));
        }
        return total;
    }
}
