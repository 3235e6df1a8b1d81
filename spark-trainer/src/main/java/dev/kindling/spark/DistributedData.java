// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.BatchGradient;
import dev.kindling.core.model.BatchStats;
import dev.kindling.core.model.ClassWeights;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Training data spread over the cached blocks of a Spark data set. Each step is one Spark job over the partitions
 * that hold rows of the batch: broadcast the weights, let each of them sum the gradient of its share of the batch,
 * merge the sums on the driver, destroy the broadcast. Samples numbered {@code trainSamples} and above validate.
 */
final class DistributedData implements TrainingData, AutoCloseable {
    /** Rows per forward pass when evaluating a block: bounds executor memory. */
    static final int EVALUATION_CHUNK = 2048;
    private static final String JOB_DESCRIPTION = "spark.job.description";

    private final JavaSparkContext spark;
    private final Packing.Packed packed;
    private final Packing.Packed validation;
    private final Network network;
    private final Loss loss;
    private final List<Metric> metrics;
    private final int trainSamples;
    private final int treeDepth;
    private final Broadcast<Shipped<GradientSum.Recipe>> recipe;
    private final String previousDescription;
    private StepTimings timings = StepTimings.none();
    private Tensor broadcastBuffer;

    /**
     * @param validation separate validation data (all its rows validate), or null to validate on the last
     *                   {@code validationSplit} of {@code packed}
     */
    DistributedData(JavaSparkContext spark, Packing.Packed packed, Packing.Packed validation, Network network,
                    Loss loss, List<Metric> metrics, double validationSplit, ClassWeights classWeights, int treeDepth) {
        this.spark = spark;
        this.packed = packed;
        this.validation = validation;
        this.network = network;
        this.loss = loss;
        this.metrics = metrics;
        this.trainSamples = validation != null ? (int) packed.samples() : trainSamples(packed.samples(), validationSplit);
        this.treeDepth = treeDepth;
        this.previousDescription = spark.getLocalProperty(JOB_DESCRIPTION);
        // The model's description does not change during a fit: sent once, not with every step's tasks.
        this.recipe = spark.broadcast(new Shipped<>(new GradientSum.Recipe(network, loss, metrics, classWeights)));
    }

    /** {@link TrainingData#trainSamples}, a data problem here: the rows are the data set's. */
    private static int trainSamples(long samples, double validationSplit) {
        try {
            return TrainingData.trainSamples(samples, validationSplit);
        } catch (IllegalArgumentException e) {
            throw new DataException(e.getMessage());
        }
    }

    /** Destroys what the fit broadcast once, and gives the caller's job description back. */
    @Override
    public void close() {
        recipe.destroy();
        spark.setLocalProperty(JOB_DESCRIPTION, previousDescription);
    }

    @Override
    public int trainSamples() {
        return trainSamples;
    }

    @Override
    public long validationSamples() {
        return validation != null ? validation.samples() : packed.samples() - trainSamples;
    }

    @Override
    public int inputWidth() {
        return network.inputDim();
    }

    @Override
    public BatchStats accumulateGradient(int[] rows, long stepSeed, Tensor weights, Tensor gradSink, Step step) {
        int[] sorted = rows.clone();
        Arrays.sort(sorted);
        GradientSum.Step work = new GradientSum.Step(recipe, sorted, stepSeed);
        int[] holding = packed.index().partitionsHolding(sorted);

        long t0 = System.nanoTime();
        Broadcast<Shipped<Tensor>> broadcast = spark.broadcast(new Shipped<>(snapshotOf(weights)));
        long t1 = System.nanoTime();
        spark.setJobDescription(step.toString());
        int metricCount = BatchStats.stateSize(metrics);
        GradientSum sum;
        long t2;
        try {
            sum = packed.withLostBlocksRebuilt(() -> Aggregation.aggregate(packed.forSteps(), holding,
                    GradientSum.zero(metricCount), partition -> {
                        GradientSum partial = GradientSum.zero(metricCount);
                        Tensor w = broadcast.value().value();
                        while (partition.hasNext()) {
                            partial = partial.add(partition.next(), work, w);
                        }
                        return partial;
                    }, GradientSum::merge, GradientSum::merge, treeDepth, GradientSum.class));
        } finally {
            t2 = System.nanoTime();
            broadcast.destroy();
        }
        long t3 = System.nanoTime();
        timings = timings.plus((t1 - t0) / 1e9, (t2 - t1) / 1e9, sum.maxComputeNanos() / 1e9,
                sum.maxComputeCpuNanos() / 1e9, (t3 - t2) / 1e9);

        if (sum.gradient() != null) {
            gradSink.addInPlace(sum.gradient());
        }
        return sum.stats();
    }

    /**
     * The weights copied into a buffer kept for broadcasting. A copy, because the driver updates its weights in
     * place right after the step and in local mode the broadcast value is the very object handed to Spark; one
     * reused buffer, because each step's broadcast is destroyed before the next step copies into it again, and
     * no task reads a broadcast after its job has returned.
     */
    private Tensor snapshotOf(Tensor weights) {
        if (broadcastBuffer == null || !broadcastBuffer.shape().equals(weights.shape())
                || broadcastBuffer.dtype() != weights.dtype()) {
            broadcastBuffer = weights.copy();
            return broadcastBuffer;
        }
        return broadcastBuffer.assignInPlace(weights);
    }

    @Override
    public BatchStats evaluateValidation(Tensor weights) {
        spark.setJobDescription("validation");
        return validation != null ? evaluate(spark, validation, network, loss, metrics, weights, 0)
                : evaluate(spark, packed, network, loss, metrics, weights, trainSamples);
    }

    /**
     * Loss and metric sums over the samples numbered {@code from} and above, computed where the blocks live: one
     * job over the partitions that hold such samples, merged on the driver.
     */
    static BatchStats evaluate(JavaSparkContext spark, Packing.Packed packed, Network network, Loss loss,
                               List<Metric> metrics, Tensor weights, long from) {
        Broadcast<Shipped<Tensor>> broadcast = spark.broadcast(new Shipped<>(weights.copy()));
        Shipped<BatchStats> zero = new Shipped<>(BatchStats.empty(metrics));
        try {
            @SuppressWarnings("unchecked")
            Class<Shipped<BatchStats>> type = (Class<Shipped<BatchStats>>) (Class<?>) Shipped.class;
            return packed.withLostBlocksRebuilt(() -> Aggregation.aggregate(packed.forSteps(),
                    packed.index().partitionsFrom(from), zero, partition -> {
                        BatchStats total = BatchStats.empty(metrics);
                        Tensor w = broadcast.value().value();
                        while (partition.hasNext()) {
                            Block block = partition.next();
                            int[] positions = block.positionsFrom(from);
                            for (int start = 0; start < positions.length; start += EVALUATION_CHUNK) {
                                int[] chunk = Arrays.copyOfRange(positions, start,
                                        Math.min(positions.length, start + EVALUATION_CHUNK));
                                total = total.merge(BatchGradient.evaluate(network, loss, metrics, w,
                                        block.features().take(0, chunk), block.targets().take(0, chunk),
                                        block.weightsAt(chunk)));
                            }
                        }
                        return new Shipped<>(total);
                    }, DistributedData::mergeStats, DistributedData::mergeStats, 1, type)).value();
        } finally {
            broadcast.destroy();
        }
    }

    private static Shipped<BatchStats> mergeStats(Shipped<BatchStats> a, Shipped<BatchStats> b) {
        return new Shipped<>(a.value().merge(b.value()));
    }

    StepTimings timings() {
        return timings;
    }
}
