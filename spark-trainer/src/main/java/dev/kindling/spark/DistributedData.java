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
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import dev.kindling.spark.stage.Partial;

/**
 * Training data spread over the cached blocks of a Spark data set, as the core's training loop sees it. Each step's
 * summed gradient comes from the training stage ({@link TrainingStage}: many steps per Spark job) or from a Spark
 * job of its own ({@link JobPerStep}); both add the partitions' sums in partition order, so they learn the same
 * weights. Samples numbered {@code trainSamples} and above validate, in a job of their own at each epoch's end.
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
    private final Broadcast<Shipped<GradientSum.Recipe>> recipe;
    private final String previousDescription;
    private final JobPerStep jobs;
    /** The training stage, or null when every step is its own job ({@code stepsPerJob == 1}). */
    private final TrainingStage stage;
    private StepTimings timings = StepTimings.none();

    /**
     * @param validation separate validation data (all its rows validate), or null to validate on the last
     *                   {@code validationSplit} of {@code packed}
     */
    DistributedData(JavaSparkContext spark, Packing.Packed packed, Packing.Packed validation, Network network,
                    Loss loss, List<Metric> metrics, double validationSplit, ClassWeights classWeights, int treeDepth,
                    int stepsPerJob) {
        this.spark = spark;
        this.packed = packed;
        this.validation = validation;
        this.network = network;
        this.loss = loss;
        this.metrics = metrics;
        this.trainSamples = validation != null ? (int) packed.samples() : trainSamples(packed.samples(), validationSplit);
        this.previousDescription = spark.getLocalProperty(JOB_DESCRIPTION);
        // The model's description does not change during a fit: sent once, not with every step's tasks.
        this.recipe = spark.broadcast(new Shipped<>(new GradientSum.Recipe(network, loss, metrics, classWeights)));
        int metricSums = BatchStats.stateSize(metrics);
        this.jobs = new JobPerStep(spark, packed, recipe, metricSums, treeDepth);
        this.stage = stepsPerJob > 1 ? new TrainingStage(spark, packed, recipe, metricSums, stepsPerJob,
                trainSamples, jobs, treeDepth) : null;
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
        if (stage != null) {
            stage.close();
        }
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
        long start = System.nanoTime();
        Partial sum;
        if (stage != null) {
            sum = stage.step(sorted, stepSeed, weights, gradSink, step);
        } else {
            sum = jobs.step(sorted, stepSeed, weights, step);
            if (sum.gradient() != null) {
                gradSink.addInPlace(sum.gradient());
            }
        }
        timings = timings.plus((System.nanoTime() - start) / 1e9, sum.computeNanos() / 1e9);
        if (stage != null) {
            stage.afterStep();
        }
        return sum.stats();
    }

    @Override
    public BatchStats evaluateValidation(Tensor weights) {
        if (stage != null) {
            stage.end(); // its tasks hold every task slot
        }
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
                                        block.features().take(chunk), block.targets().take(0, chunk),
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
        if (stage == null) {
            return timings;
        }
        long[] bytes = stage.bytes();
        return timings.withBytes(bytes[0], bytes[1]);
    }
}
