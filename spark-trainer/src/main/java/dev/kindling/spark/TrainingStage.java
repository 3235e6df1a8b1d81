// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.model.TrainingData;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.stage.Hub;
import dev.kindling.spark.stage.Partial;
import dev.kindling.spark.stage.Segment;
import dev.kindling.spark.stage.TaskLink;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.runtime.AbstractFunction1;

/**
 * The training stage: many synchronous steps in one Spark job. A barrier job runs one long task per packed
 * partition for a segment of up to {@code stepsPerJob} steps (never past the end of an epoch); each step the
 * driver sends every task the batch and the weights over the {@link Hub}, each task sums the gradient of its rows
 * of the batch exactly as a job-per-step task would, and the driver adds the sums in partition order: the same
 * floats as {@link JobPerStep}. The driver keeps the weights and the optimizer state, so checkpoints, callbacks and
 * the training loop do not know which path ran a step.
 *
 * <p>When a segment fails (a lost executor, a task that stays silent past the timeout, a refused message), the
 * driver cancels its job, runs the interrupted step as its own job ({@link JobPerStep}, which rebuilds lost
 * blocks) with the very weights it holds, and starts a new segment at the next step: nothing is rolled back. Where
 * a barrier stage cannot run (dynamic allocation, fewer task slots than partitions, Spark's own traffic
 * encrypted, a tree aggregation) steps run as their own jobs, and the log says why once.
 */
final class TrainingStage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingStage.class);
    /** Spark configuration keys of the data plane. */
    static final String PORT = "spark.kindling.stage.port";
    static final String TIMEOUT = "spark.kindling.stage.timeout";
    private static final String JOB_DESCRIPTION = "spark.job.description";
    /** Segments that may fail in a row before the rest of the fit runs job per step. */
    static final int FAILURES_IN_A_ROW = 3;

    private final JavaSparkContext spark;
    private final Packing.Packed packed;
    private final Broadcast<Shipped<GradientSum.Recipe>> recipe;
    private final int metricSums;
    private final int stepsPerJob;
    private final int maxRows;
    private final JobPerStep fallback;
    private final Hub.Settings settings;
    private Hub hub;
    private Segment segment;
    private JavaFutureAction<Long> job;
    private int segmentSteps;
    private boolean endAfterThisStep;
    private long stepNumber;
    private int failuresInARow;
    private String off;
    private boolean toldSlots;
    private long bytesOut;
    private long bytesIn;
    /**
     * Ends the segment when a Spark job that is not the segment's own starts (a listener's evaluation, another thread's
     * query): the segment's tasks hold every task slot, so that job could not run until they end.
     */
    private final SparkListener otherJobs = new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart event) {
            endFor(event.jobId());
        }
    };

    TrainingStage(JavaSparkContext spark, Packing.Packed packed, Broadcast<Shipped<GradientSum.Recipe>> recipe,
                  int metricSums, int stepsPerJob, int maxRows, JobPerStep fallback, int treeDepth) {
        this.spark = spark;
        this.packed = packed;
        this.recipe = recipe;
        this.metricSums = metricSums;
        this.stepsPerJob = stepsPerJob;
        this.maxRows = maxRows;
        this.fallback = fallback;
        this.settings = settings(spark.getConf());
        String unsupported = unsupported(spark.getConf(), packed, treeDepth);
        if (unsupported != null) {
            turnOff(unsupported);
        } else {
            spark.sc().addSparkListener(otherJobs);
        }
    }

    /** Ends the segment if job {@code jobId} is not its own (the lock makes {@link #start} finish first). */
    private synchronized void endFor(int jobId) {
        if (segment != null && job != null && !job.jobIds().contains(jobId)) {
            LOG.info("Spark job {} started during the training stage: the stage's job ends and the next step starts a"
                    + " new one", jobId);
            end();
        }
    }

    /** The data plane's settings, from the Spark configuration. */
    static Hub.Settings settings(SparkConf conf) {
        String host = conf.get("spark.driver.host", "localhost");
        return new Hub.Settings(host, conf.get("spark.driver.bindAddress", host), conf.getInt(PORT, 0),
                conf.getInt("spark.port.maxRetries", 16), Duration.ofMillis(conf.getTimeAsMs(TIMEOUT, "120s")));
    }

    /** Why a barrier stage cannot run this fit's steps, or null. */
    private static String unsupported(SparkConf conf, Packing.Packed packed, int treeDepth) {
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            return "Spark runs no barrier stage under dynamic allocation (spark.dynamicAllocation.enabled)";
        }
        if (conf.getBoolean("spark.network.crypto.enabled", false)) {
            return "Spark's own traffic is encrypted (spark.network.crypto.enabled) and the training stage's"
                    + " connections are not";
        }
        if (Aggregation.hasIntermediateLevel(packed.blocks().getNumPartitions(), treeDepth)) {
            return "tree depth " + treeDepth + " merges the gradients through Spark's treeAggregate";
        }
        return null;
    }

    private void turnOff(String why) {
        off = why;
        LOG.warn("the training stage is off for this fit, every step runs as its own Spark job: {}", why);
    }

    /**
     * Adds the step's summed gradient into {@code gradSink} and returns its sums: by the stage when it can run,
     * else by a job of its own. The gradient is added here, under this object's lock, because a segment's buffers
     * are only the driver's until the segment ends, which a job of the user's may make happen at any time.
     */
    synchronized Partial step(int[] sortedRows, long seed, Tensor weights, Tensor gradSink, TrainingData.Step step) {
        if (segment == null && off == null) {
            start(step, weights);
        }
        if (segment == null) {
            return addInto(gradSink, fallback.step(sortedRows, seed, weights, step));
        }
        try {
            Partial result = addInto(gradSink, segment.step(++stepNumber, sortedRows, seed, weights));
            failuresInARow = 0;
            segmentSteps++;
            endAfterThisStep = segmentSteps >= stepsPerJob || step.step() == step.steps();
            return result;
        } catch (Segment.SegmentFailure e) {
            abort(e.getMessage(), step);
            return addInto(gradSink, fallback.step(sortedRows, seed, weights, step));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort("interrupted", step);
            throw new IllegalStateException("interrupted during " + step, e);
        }
    }

    private static Partial addInto(Tensor gradSink, Partial sum) {
        if (sum.gradient() != null) {
            gradSink.addInPlace(sum.gradient());
        }
        return new Partial(sum.stats(), null, sum.computeNanos());
    }

    /** After the step's gradient was used: ends the segment if it is due. */
    synchronized void afterStep() {
        if (endAfterThisStep) {
            end();
        }
    }

    private void start(TrainingData.Step step, Tensor weights) {
        SparkContext sc = spark.sc();
        int partitions = packed.blocks().getNumPartitions();
        int slots = sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        if (slots < partitions) {
            if (!toldSlots) {
                toldSlots = true;
                LOG.warn("the training stage runs all {} packed partitions at once and the cluster has {} task slots"
                        + " now: steps run as their own jobs until it has enough", partitions, slots);
            }
            return;
        }
        try {
            if (hub == null) {
                hub = Hub.open(settings);
            }
        } catch (IOException e) {
            turnOff(e.getMessage());
            return;
        }
        int last = (int) Math.min(step.steps(), (long) step.step() + stepsPerJob - 1);   // stepsPerJob may be MAX_VALUE
        segment = hub.openSegment(partitions, weights.size(), weights.dtype(), metricSums, maxRows,
                recipe.value().value().network().trainableWeights());
        segmentSteps = 0;
        endAfterThisStep = false;
        String callersDescription = spark.getLocalProperty(JOB_DESCRIPTION);
        spark.setJobDescription("training stage: epoch " + step.epoch() + "/" + step.epochs() + ", steps "
                + step.step() + "-" + last + "/" + step.steps());
        RDD<Integer> tasks = packed.forSteps().rdd().barrier().mapPartitions(
                new StageTask(segment.link(), recipe, metricSums), false, ClassTag.apply(Integer.class));
        job = JavaRDD.fromRDD(tasks, ClassTag.apply(Integer.class)).countAsync();
        // Jobs this thread starts next (a listener's) must not pass for the stage's in the Spark UI.
        spark.setLocalProperty(JOB_DESCRIPTION, callersDescription);
        try {
            segment.awaitPeers(job::isDone);
        } catch (Segment.SegmentFailure e) {
            abort(e.getMessage(), step);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort("interrupted", step);
            throw new IllegalStateException("interrupted while starting the training stage", e);
        }
    }

    /** Ends the running segment, if any: its tasks return and its job finishes. */
    synchronized void end() {
        if (segment == null) {
            return;
        }
        count(segment);
        segment.end();
        try {
            job.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("the training stage's job did not end cleanly: {}", firstLine(e));
            job.cancel(true);
        }
        segment = null;
        job = null;
    }

    /** Drops a failed segment: its connections, then its job. */
    private void abort(String why, TrainingData.Step step) {
        failuresInARow++;
        count(segment);
        segment.abort();
        job.cancel(true);
        try {
            job.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debug("the cancelled training stage's job", e);
        }
        segment = null;
        job = null;
        LOG.warn("the training stage failed at {}: {}; the step runs as its own job with the same weights, and the"
                + " next step starts a new stage", step, why);
        if (failuresInARow >= FAILURES_IN_A_ROW) {
            turnOff("it failed " + FAILURES_IN_A_ROW + " times in a row");
        }
    }

    private void count(Segment s) {
        bytesOut += s.bytesOut();
        bytesIn += s.bytesIn();
    }

    /** Bytes the driver sent to and received from tasks over the stage's sockets so far, with the running segment. */
    synchronized long[] bytes() {
        return new long[] {bytesOut + (segment == null ? 0 : segment.bytesOut()),
                bytesIn + (segment == null ? 0 : segment.bytesIn())};
    }

    @Override
    public synchronized void close() {
        spark.sc().removeSparkListener(otherJobs);
        end();
        if (hub != null) {
            hub.close();
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return m.lines().findFirst().orElse(m);
    }

    /** A task of the stage: serves its partition's share of each step until the driver ends the segment. */
    private static final class StageTask extends AbstractFunction1<Iterator<Block>, Iterator<Integer>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final TaskLink link;
        private final Broadcast<Shipped<GradientSum.Recipe>> recipe;
        private final int metricSums;

        StageTask(TaskLink link, Broadcast<Shipped<GradientSum.Recipe>> recipe, int metricSums) {
            this.link = link;
            this.recipe = recipe;
            this.metricSums = metricSums;
        }

        @Override
        public Iterator<Integer> apply(Iterator<Block> partition) {
            List<Block> blocks = new ArrayList<>();
            partition.foreach(b -> blocks.add(b));
            try {
                int steps = link.serve(TaskContext.getPartitionId(), (rows, seed, weights) -> {
                    GradientSum.Step step = new GradientSum.Step(recipe, rows, seed);
                    GradientSum partial = GradientSum.zero(metricSums);
                    for (Block b : blocks) {
                        partial = partial.add(b, step, weights);
                    }
                    return new Partial(partial.stats(), partial.gradient(), 0);
                });
                return CollectionConverters.asScala(List.of(steps).iterator());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("training stage task interrupted", e);
            }
        }
    }
}
