// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.model.Features;
import dev.kindling.core.model.Inputs;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import org.apache.spark.Partition;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.DeterministicLevel;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Turns input elements into cached {@link Block}s: samples are numbered in the data's order ({@code zipWithIndex},
 * before anything moves them), gathered into as many partitions as the fit asks for (by default one per task slot,
 * whatever the input's partition count), read, checked, and packed into contiguous tensors once. Every data
 * problem surfaces here, before training starts.
 *
 * <p><b>Partitions.</b> An input with more partitions than wanted is coalesced without a shuffle (neighbouring
 * partitions merge, locality is kept); one with fewer is spread by sample number over the wanted count with one
 * shuffle. A partition larger than {@link Layout#maxChunkElements} floats is packed into several blocks, so no
 * array index overflows.
 *
 * <p><b>Surviving executor loss</b> (docs/design.md). A lost cached block must be rebuilt with the same samples
 * and numbers. Where the lineage is cheap and deterministic (files, {@link TensorFrames}), Spark recomputes it.
 * Otherwise the blocks are checkpointed: reliably to {@code SparkContext.getCheckpointDir()} when one is set, else
 * locally with a second replica (which survives the loss of any one executor). In local mode, where executors
 * cannot be lost apart from the driver, blocks are checkpointed locally.
 */
final class Packing {
    private static final Logger LOG = LoggerFactory.getLogger(Packing.class);
    /** Floats per packed block at most: 2^27 (512 MB of float32), well under Java's array limit. */
    static final long MAX_CHUNK_ELEMENTS = 1L << 27;
    /**
     * Above this many bytes of serialized parent partitions, a task's lineage is too costly to ship with every
     * step: that is data created on the driver ({@code parallelize}, {@code createDataFrame} from a list), which a
     * task would carry, measured at 165 ms instead of 58 ms per step for the shipped digits.
     */
    static final int CHEAP_PARTITION_BYTES = 64 * 1024;

    private Packing() {
    }

    /** How the packed blocks survive the loss of the executor holding them. */
    enum Durability {
        /** Recomputed from the input, which is cheap to ship and reads the same rows in the same order again. */
        LINEAGE,
        /** Read back from files that Spark wrote to its checkpoint directory. */
        RELIABLE_CHECKPOINT,
        /** Kept on the executors' disks too, with a second replica on another executor. */
        REPLICATED,
        /** Kept on the local disk of the one JVM of local mode. */
        LOCAL
    }

    /**
     * Cached blocks, how many samples they hold and where.
     *
     * @param view the blocks read from the block manager without their lineage ({@link CachedBlocks}) when the
     *             lineage is kept; null otherwise (the lineage is cut already)
     */
    record Packed(JavaRDD<Block> blocks, long samples, BlockIndex index, Durability durability, CachedBlocks view) {
        /** How many times a job is run again after rebuilding lost blocks before the fit fails. */
        static final int REBUILDS = 3;

        /** The RDD a step's job runs on: the cached blocks, without a lineage to ship. */
        JavaRDD<Block> forSteps() {
            return view == null ? blocks : view.toJavaRDD();
        }

        /**
         * Runs {@code job} over {@link #forSteps()}; if it fails because an executor was lost with blocks, rebuilds
         * them from their lineage and runs it again (the same job: the same weights, the same batch).
         */
        <T> T withLostBlocksRebuilt(Supplier<T> job) {
            for (int rebuilt = 0; ; rebuilt++) {
                try {
                    return job.get();
                } catch (Exception e) { // Spark's SparkException is checked in Java, thrown undeclared from Scala
                    if (view == null || !CachedBlocks.lostBlock(e)) {
                        throw e;
                    }
                    if (rebuilt == REBUILDS) {
                        throw new IllegalStateException("the packed training blocks were lost " + (REBUILDS + 1)
                                + " times in one step (executors lost, or blocks evicted: is the storage level"
                                + " memory-only on too little memory?)", e);
                    }
                    LOG.warn("packed blocks were lost ({}): rebuilding them from the input, then running the job"
                            + " again", e.getMessage() == null ? e : e.getMessage().lines().findFirst().orElse(""));
                    view.rebuild();
                }
            }
        }

        /** Frees the cached blocks, and the files of a reliable checkpoint (Spark keeps those by default). */
        void release() {
            blocks.unpersist(false);
            if (durability == Durability.RELIABLE_CHECKPOINT && blocks.rdd().getCheckpointFile().isDefined()) {
                org.apache.hadoop.fs.Path files = new org.apache.hadoop.fs.Path(blocks.rdd().getCheckpointFile().get());
                try {
                    files.getFileSystem(blocks.context().hadoopConfiguration()).delete(files, true);
                } catch (IOException e) {
                    LOG.warn("could not delete the checkpointed training blocks in {}: {}", files, e.getMessage());
                }
            }
        }
    }

    /**
     * The shape of what to pack.
     *
     * @param maxChunkElements floats per block at most (features and targets each); tests use small ones
     * @param firstLayer       the model's first layer, whose {@code checkInputs} each block's features pass (an
     *                         Embedding's token ids in range), or null
     * @param sparse           whether features are packed as sparse rows (CSR: only the non-zeros), as a column of
     *                         Spark ML sparse vectors is, rather than dense rows of {@code inputDim} floats
     */
    record Layout(int inputDim, Targets targets, Loss loss, int outputs, DType dtype, String featuresColumn,
                  long maxChunkElements, Layer firstLayer, boolean sparse) implements Serializable {

        Layout(int inputDim, Targets targets, Loss loss, int outputs, DType dtype, String featuresColumn) {
            this(inputDim, targets, loss, outputs, dtype, featuresColumn, MAX_CHUNK_ELEMENTS, null, false);
        }

        Layout(int inputDim, Targets targets, Loss loss, int outputs, DType dtype, String featuresColumn,
               long maxChunkElements) {
            this(inputDim, targets, loss, outputs, dtype, featuresColumn, maxChunkElements, null, false);
        }

        /** The same layout, its blocks' features checked by {@code layer}. */
        Layout checkedBy(Layer layer) {
            return new Layout(inputDim, targets, loss, outputs, dtype, featuresColumn, maxChunkElements, layer, sparse);
        }

        /** The same layout with features packed sparse ({@code true}) or dense. */
        Layout withSparseFeatures(boolean sparseFeatures) {
            return new Layout(inputDim, targets, loss, outputs, dtype, featuresColumn, maxChunkElements, firstLayer,
                    sparseFeatures);
        }

        /**
         * Rows per block: as many as fit, at least one. Sparse features do not count by width (a block of them ends
         * when its non-zeros reach {@code maxChunkElements}, see {@link Packing#block}).
         */
        int chunkRows() {
            long widest = Math.max(1, Math.max(sparse ? 1 : inputDim, targets.width()));
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, maxChunkElements / widest));
        }
    }

    /**
     * @param partitions packed partitions wanted (one task each per step); 0 = Spark's default parallelism (the
     *                   task slots of the cluster)
     */
    static <T> Packed pack(JavaRDD<T> data, SampleReader<T> reader, Layout layout, int partitions, StorageLevel level) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
        int wanted = partitions > 0 ? partitions : Math.max(1, sc.defaultParallelism());
        boolean deterministic = data.rdd().outputDeterministicLevel() == DeterministicLevel.DETERMINATE();
        JavaPairRDD<T, Long> numbered;
        try {
            numbered = data.zipWithIndex();
        } catch (Exception e) {
            throw DataException.unwrap(e);
        }
        JavaRDD<Block> blocks = spread(numbered, wanted)
                .mapPartitions(rows -> chunks(rows, reader, layout));
        Durability durability = durability(sc, blocks, deterministic);
        switch (durability) {
            case LINEAGE, RELIABLE_CHECKPOINT -> blocks.persist(level);
            case REPLICATED -> blocks.persist(replicated(level));
            case LOCAL -> blocks.persist(level);
        }
        if (durability == Durability.RELIABLE_CHECKPOINT) {
            blocks.rdd().checkpoint();
        } else if (durability != Durability.LINEAGE) {
            // Cuts the lineage once the blocks exist: a task's partition otherwise still references its parents',
            // and data created on the driver would be serialized with every task of every step.
            blocks.rdd().localCheckpoint();
        }
        List<BlockIndex.Summary> summaries;
        try {
            summaries = blocks.mapPartitionsWithIndex((p, chunks) -> List.of(BlockIndex.Summary.of(p, chunks))
                    .iterator(), true).collect();
        } catch (Exception e) {
            blocks.unpersist(false);
            throw DataException.unwrap(e);
        }
        long samples = summaries.stream().mapToLong(BlockIndex.Summary::rows).sum();
        if (samples == 0) {
            blocks.unpersist(false);
            throw new DataException("the data has no rows");
        }
        if (samples > Integer.MAX_VALUE) {
            blocks.unpersist(false);
            throw new DataException("the data has " + samples + " rows; at most 2^31-1 are supported (the batch order"
                    + " of an epoch is one int per row on the driver)");
        }
        LOG.info("packed {} rows into {} partitions ({} input partitions); lost blocks are {}", samples,
                blocks.getNumPartitions(), data.getNumPartitions(), describe(durability, sc));
        return new Packed(blocks, samples, new BlockIndex(blocks.getNumPartitions(), summaries), durability,
                durability == Durability.LINEAGE ? new CachedBlocks(blocks.rdd()) : null);
    }

    /** The numbered rows in {@code wanted} partitions: coalesced without a shuffle, or spread by number. */
    private static <T> JavaRDD<Tuple2<T, Long>> spread(JavaPairRDD<T, Long> numbered, int wanted) {
        int have = numbered.getNumPartitions();
        if (have == wanted) {
            return numbered.rdd().toJavaRDD();
        }
        if (have > wanted) {
            return numbered.coalesce(wanted, false).rdd().toJavaRDD();
        }
        long n = numbered.count();
        return numbered.mapToPair(Tuple2::swap).repartitionAndSortWithinPartitions(new ByNumber(n, wanted))
                .map(Tuple2::swap);
    }

    /** Sample {@code i} of {@code n} goes to partition {@code floor(i * partitions / n)}: contiguous ranges. */
    static final class ByNumber extends Partitioner {
        private final long samples;
        private final int partitions;

        ByNumber(long samples, int partitions) {
            this.samples = Math.max(1, samples);
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.min(partitions - 1, (long) key * partitions / samples);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByNumber b && b.samples == samples && b.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(samples) * 31 + partitions;
        }
    }

    private static Durability durability(JavaSparkContext sc, JavaRDD<Block> blocks, boolean deterministic) {
        if (sc.isLocal()) {
            return Durability.LOCAL;
        }
        if (deterministic && largestPartitionBytes(blocks) <= CHEAP_PARTITION_BYTES) {
            return Durability.LINEAGE;
        }
        if (sc.getCheckpointDir().isPresent()) {
            return Durability.RELIABLE_CHECKPOINT;
        }
        LOG.warn("the training data's lineage is {} to recompute lost blocks from, and no checkpoint directory is set"
                + " (spark.checkpoint.dir): blocks are kept with a second replica, which survives the loss of any one"
                + " executor but not of two at once", deterministic ? "too costly" : "not deterministic");
        return Durability.REPLICATED;
    }

    private static String describe(Durability d, JavaSparkContext sc) {
        return switch (d) {
            case LINEAGE -> "recomputed from the input";
            case RELIABLE_CHECKPOINT -> "read back from " + sc.getCheckpointDir().orElse("?");
            case REPLICATED -> "kept in two replicas";
            case LOCAL -> "kept on the local disk (local mode)";
        };
    }

    /** The serialized size of the largest partition object a task would carry (its parents' partitions included). */
    private static int largestPartitionBytes(JavaRDD<Block> blocks) {
        int largest = 0;
        for (Partition p : blocks.rdd().partitions()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(p);
            } catch (IOException | RuntimeException e) {
                return Integer.MAX_VALUE;   // not even serializable: never ship it
            }
            largest = Math.max(largest, bytes.size());
        }
        return largest;
    }

    private static StorageLevel replicated(StorageLevel level) {
        return StorageLevel.apply(true, level.useMemory(), level.useOffHeap(), level.deserialized(), 2);
    }

    // ---- building blocks (on the executors) -------------------------------------------------------------

    /** The rows of one partition as blocks of at most {@link Layout#chunkRows()} rows, each sorted by number. */
    static <T> Iterator<Block> chunks(Iterator<Tuple2<T, Long>> rows, SampleReader<T> reader, Layout layout) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Block next() {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException();
                }
                return block(rows, reader, layout, layout.chunkRows());
            }
        };
    }

    /** Reads up to {@code maxRows} rows into one block; arrays grow as rows come (a partition's size is unknown). */
    static <T> Block block(Iterator<Tuple2<T, Long>> rows, SampleReader<T> reader, Layout layout, int maxRows) {
        if (layout.sparse()) {
            return sparseBlock(rows, reader, layout, maxRows);
        }
        int d = layout.inputDim();
        int w = layout.targets().width();
        int capacity = Math.min(maxRows, 1024);
        long[] ids = new long[capacity];
        float[] features = new float[capacity * d];
        float[] targets = new float[capacity * w];
        float[] weights = reader.weighted() ? new float[capacity] : null;
        int n = 0;
        boolean sorted = true;
        while (n < maxRows && rows.hasNext()) {
            if (n == capacity) {
                capacity = (int) Math.min(maxRows, 2L * capacity);
                ids = Arrays.copyOf(ids, capacity);
                features = Arrays.copyOf(features, capacity * d);
                targets = Arrays.copyOf(targets, capacity * w);
                weights = weights == null ? null : Arrays.copyOf(weights, capacity);
            }
            Tuple2<T, Long> row = rows.next();
            long id = row._2();
            sorted &= n == 0 || ids[n - 1] < id;
            ids[n] = id;
            reader.features(row._1(), id, features, n * d, d);
            layout.targets().encode(reader.label(row._1(), id), targets, n * w, reader.labelColumn(), id);
            if (weights != null) {
                weights[n] = (float) reader.weight(row._1(), id);
            }
            n++;
        }
        if (n < capacity) {
            ids = Arrays.copyOf(ids, n);
            features = Arrays.copyOf(features, n * d);
            targets = Arrays.copyOf(targets, n * w);
            weights = weights == null ? null : Arrays.copyOf(weights, n);
        }
        if (!sorted) {
            // Rows from input partitions grouped by host arrive in runs, not in order: sort the block by number.
            int[] order = orderById(ids, n);
            long[] sortedIds = new long[n];
            float[] x = new float[n * d];
            float[] y = new float[n * w];
            float[] sortedWeights = weights == null ? null : new float[n];
            for (int i = 0; i < n; i++) {
                sortedIds[i] = ids[order[i]];
                System.arraycopy(features, order[i] * d, x, i * d, d);
                System.arraycopy(targets, order[i] * w, y, i * w, w);
                if (weights != null) {
                    sortedWeights[i] = weights[order[i]];
                }
            }
            ids = sortedIds;
            features = x;
            targets = y;
            weights = sortedWeights;
        }
        Tensor x = Tensor.wrap(features, 0, Shape.of(n, d));
        Tensor y = Tensor.wrap(targets, 0, Shape.of(n, w));
        Tensor ws = weights == null ? null : Tensor.wrap(weights, 0, Shape.of(n));
        check(ids, x, y, reader, layout);
        return layout.dtype() == DType.FLOAT32 ? new Block(ids, Features.dense(x), y, ws)
                : new Block(ids, Features.dense(x.astype(layout.dtype())), y.astype(layout.dtype()),
                        ws == null ? null : ws.astype(layout.dtype()));
    }

    /**
     * As {@link #block} for sparse features: each row's non-zeros go straight into compressed sparse rows (never a
     * dense row of {@code inputDim} floats); a block also ends once it holds {@link Layout#maxChunkElements}
     * non-zeros, so no array overflows.
     */
    private static <T> Block sparseBlock(Iterator<Tuple2<T, Long>> rows, SampleReader<T> reader, Layout layout,
                                         int maxRows) {
        int d = layout.inputDim();
        int w = layout.targets().width();
        int capacity = Math.min(maxRows, 1024);
        long[] ids = new long[capacity];
        SparseRows.Builder features = new SparseRows.Builder(d);
        float[] targets = new float[capacity * w];
        float[] weights = reader.weighted() ? new float[capacity] : null;
        int n = 0;
        boolean sorted = true;
        while (n < maxRows && features.nonZeros() < layout.maxChunkElements() && rows.hasNext()) {
            if (n == capacity) {
                capacity = (int) Math.min(maxRows, 2L * capacity);
                ids = Arrays.copyOf(ids, capacity);
                targets = Arrays.copyOf(targets, capacity * w);
                weights = weights == null ? null : Arrays.copyOf(weights, capacity);
            }
            Tuple2<T, Long> row = rows.next();
            long id = row._2();
            sorted &= n == 0 || ids[n - 1] < id;
            ids[n] = id;
            reader.sparseFeatures(row._1(), id, features, d);
            features.endRow();
            layout.targets().encode(reader.label(row._1(), id), targets, n * w, reader.labelColumn(), id);
            if (weights != null) {
                weights[n] = (float) reader.weight(row._1(), id);
            }
            n++;
        }
        ids = Arrays.copyOf(ids, n);
        SparseRows x = features.build();
        Tensor y = Tensor.wrap(Arrays.copyOf(targets, n * w), 0, Shape.of(n, w));
        Tensor ws = weights == null ? null : Tensor.wrap(Arrays.copyOf(weights, n), 0, Shape.of(n));
        if (!sorted) {
            int[] order = orderById(ids, n);
            long[] sortedIds = new long[n];
            for (int i = 0; i < n; i++) {
                sortedIds[i] = ids[order[i]];
            }
            ids = sortedIds;
            x = x.take(order);
            y = y.take(0, order);
            ws = ws == null ? null : ws.take(0, order);
        }
        try {
            if (x.hasNonFinite()) {
                for (int r = 0; r < n; r++) {
                    x.slice(r, r + 1).requireFinite("features column '" + layout.featuresColumn() + "'", ids[r]);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new DataException(e.getMessage());
        }
        checkTargets(ids, y, reader, layout);
        return new Block(ids, Features.sparse(x.astype(layout.dtype())), y.astype(layout.dtype()),
                ws == null ? null : ws.astype(layout.dtype()));
    }

    /** The core's checks, row by row only when the block fails, so messages carry each row's own number. */
    private static void check(long[] ids, Tensor x, Tensor y, SampleReader<?> reader, Layout layout) {
        int d = x.dim(1);
        try {
            if (x.hasNonFinite()) {
                for (int r = 0; r < ids.length; r++) {
                    Inputs.requireFinite(Tensor.wrap(x.floatStorage(), r * d, Shape.of(1, d)),
                            "features column '" + layout.featuresColumn() + "'", ids[r]);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new DataException(e.getMessage());
        }
        if (layout.firstLayer() != null) {
            String column = "features column '" + layout.featuresColumn() + "'";
            try {
                layout.firstLayer().checkInputs(x, column, 0);
            } catch (IllegalArgumentException blockFailed) {
                for (int r = 0; r < ids.length; r++) {
                    try {
                        layout.firstLayer().checkInputs(Tensor.wrap(x.floatStorage(), r * d, Shape.of(1, d)), column,
                                ids[r]);
                    } catch (IllegalArgumentException e) {
                        throw new DataException(e.getMessage());
                    }
                }
                throw new DataException(blockFailed.getMessage());
            }
        }
        checkTargets(ids, y, reader, layout);
    }

    private static void checkTargets(long[] ids, Tensor y, SampleReader<?> reader, Layout layout) {
        int w = y.dim(1);
        try {
            layout.loss().checkTargets(y, ids.length, layout.outputs());
        } catch (IllegalArgumentException blockFailed) {
            for (int r = 0; r < ids.length; r++) {
                try {
                    layout.loss().checkTargets(Tensor.wrap(y.floatStorage(), r * w, Shape.of(1, w)), 1,
                            layout.outputs(), ids[r]);
                } catch (IllegalArgumentException e) {
                    throw new DataException("label column '" + reader.labelColumn() + "': " + e.getMessage());
                }
            }
            throw new DataException("label column '" + reader.labelColumn() + "': " + blockFailed.getMessage());
        }
    }

    /** The positions of the first {@code n} row numbers in {@code ids}, in increasing order of number. */
    private static int[] orderById(long[] ids, int n) {
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> Long.compare(ids[a], ids[b]));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = boxed[i];
        }
        return order;
    }
}
