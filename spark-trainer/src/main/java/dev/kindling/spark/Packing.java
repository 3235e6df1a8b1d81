package dev.kindling.spark;

import dev.kindling.core.losses.Loss;
import dev.kindling.core.model.Inputs;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Turns input elements into cached {@link Block}s, one per partition: samples are numbered in the data's order
 * (before any repartitioning, so the numbers do not depend on it), read, checked, and packed into contiguous
 * tensors once. Every data problem surfaces here, before training starts.
 */
final class Packing {
    private Packing() {
    }

    /** Cached blocks and how many samples they hold. */
    record Packed(JavaRDD<Block> blocks, long samples) {
        void release() {
            blocks.unpersist(false);
        }
    }

    /** The shape of what to pack. */
    record Layout(int inputDim, Targets targets, Loss loss, int outputs, DType dtype, String featuresColumn)
            implements java.io.Serializable {
    }

    static <T> Packed pack(JavaRDD<T> data, SampleReader<T> reader, Layout layout, int partitions, StorageLevel level) {
        JavaPairRDD<T, Long> numbered = data.zipWithIndex();
        if (partitions > 0) {
            numbered = numbered.repartition(partitions);
        }
        JavaRDD<Block> blocks = numbered.mapPartitions(rows -> List.of(block(rows, reader, layout)).iterator())
                .persist(level);
        // Cut the lineage once the blocks exist: a task's partition otherwise still references its parents',
        // and data created on the driver (parallelize, createDataFrame from a list) would be serialized with
        // every task of every step.
        blocks.rdd().localCheckpoint();
        long samples;
        try {
            samples = blocks.map(b -> (long) b.rows()).fold(0L, Long::sum);
        } catch (Exception e) {
            blocks.unpersist(false);
            throw DataException.unwrap(e);
        }
        if (samples == 0) {
            blocks.unpersist(false);
            throw new DataException("the data has no rows");
        }
        if (samples > Integer.MAX_VALUE) {
            blocks.unpersist(false);
            throw new DataException("the data has " + samples + " rows; at most 2^31-1 are supported");
        }
        return new Packed(blocks, samples);
    }

    static <T> Block block(Iterator<Tuple2<T, Long>> rows, SampleReader<T> reader, Layout layout) {
        List<Tuple2<T, Long>> list = new ArrayList<>();
        rows.forEachRemaining(list::add);
        list.sort(Comparator.comparingLong(Tuple2::_2));
        int n = list.size();
        int d = layout.inputDim();
        int w = layout.targets().width();
        long[] ids = new long[n];
        float[] features = new float[n * d];
        float[] targets = new float[n * w];
        for (int r = 0; r < n; r++) {
            T element = list.get(r)._1();
            long id = list.get(r)._2();
            ids[r] = id;
            reader.features(element, id, features, r * d, d);
            layout.targets().encode(reader.label(element, id), targets, r * w, reader.labelColumn(), id);
        }
        Tensor x = Tensor.wrap(features, 0, Shape.of(n, d));
        Tensor y = Tensor.wrap(targets, 0, Shape.of(n, w));
        check(ids, x, y, reader, layout);
        return layout.dtype() == DType.FLOAT32 ? new Block(ids, x, y)
                : new Block(ids, x.astype(layout.dtype()), y.astype(layout.dtype()));
    }

    /** The core's checks, row by row only when the block fails, so messages carry each row's own number. */
    private static void check(long[] ids, Tensor x, Tensor y, SampleReader<?> reader, Layout layout) {
        int d = x.dim(1);
        int w = y.dim(1);
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
}
