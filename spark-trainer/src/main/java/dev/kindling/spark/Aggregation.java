// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * A step's aggregation: one {@code runJob} over the partitions that hold rows of the batch, with a plain
 * serializable function object, its partial results merged on the driver as they arrive. No shuffle stage: the
 * packed partitions are as many as the task slots, not as the input's partitions, so the driver receives one
 * partial result per slot. The partial results are merged in partition order (see {@link InOrder}). Spark's {@code treeAggregate} would add a shuffle stage per level and wraps its arguments
 * in Scala closures that Spark's ClosureCleaner re-reads with ASM on every job (on these machines most of the
 * driver's CPU time per job); a named function object is left alone. {@code depth > 1} still asks for Spark's tree,
 * for many partitions of a large model (see docs/design.md).
 */
final class Aggregation {
    private Aggregation() {
    }

    /** Folds one partition's elements into a partial result. */
    interface PartitionFold<T, U> extends Serializable {
        U fold(java.util.Iterator<T> elements);
    }

    /**
     * Folds the given partitions of {@code rdd} and merges the results: on the driver as they arrive, or through
     * Spark's {@code treeAggregate} over all partitions when {@code depth} asks for an intermediate level.
     */
    static <T, U> U aggregate(JavaRDD<T> rdd, int[] partitions, U zero, PartitionFold<T, U> fold,
                              BinaryOperator<U> merge, Function2<U, U, U> sparkMerge, int depth, Class<U> type) {
        if (hasIntermediateLevel(rdd.getNumPartitions(), depth)) {
            return rdd.mapPartitions(it -> List.of(fold.fold(it)).iterator()).treeAggregate(zero, sparkMerge,
                    sparkMerge, depth);
        }
        if (partitions.length == 0) {
            return zero;
        }
        List<Object> all = new ArrayList<>(partitions.length);
        for (int p : partitions) {
            all.add(p);
        }
        InOrder<U> merged = new InOrder<>(zero, merge, partitions);
        rdd.context().runJob(rdd.rdd(), new TaskFunction<>(fold), CollectionConverters.asScala(all).toSeq(),
                new AbstractFunction2<Object, U, BoxedUnit>() {
                    @Override
                    public BoxedUnit apply(Object position, U partial) {
                        merged.arrived((Integer) position, partial); // called one result at a time
                        return BoxedUnit.UNIT;
                    }
                }, ClassTag.apply(type));
        return merged.result();
    }

    /**
     * Merges partial results in the order of their partitions, whatever order they arrive in: float addition is
     * not associative, so only a fixed order makes the sum of three or more partitions the same in every run (and
     * the same as the training stage's, which adds in partition order too). A result that arrives early waits
     * for those before it; in the common case they arrive in order and nothing waits.
     */
    static final class InOrder<U> {
        private final BinaryOperator<U> merge;
        private final Object[] waiting;
        private U result;
        private int next;

        InOrder(U zero, BinaryOperator<U> merge, int[] partitions) {
            this.result = zero;
            this.merge = merge;
            this.waiting = new Object[partitions.length];
        }

        /** The result of the {@code position}-th partition of the job. */
        @SuppressWarnings("unchecked")
        void arrived(int position, U partial) {
            waiting[position] = partial;
            while (next < waiting.length && waiting[next] != null) {
                result = merge.apply(result, (U) waiting[next]);
                waiting[next++] = null;
            }
        }

        U result() {
            if (next != waiting.length) {
                throw new IllegalStateException("a job returned " + next + " of " + waiting.length + " results");
            }
            return result;
        }
    }

    /** Spark's treeAggregate rule: a level is added while partitions > scale + ceil(partitions / scale). */
    static boolean hasIntermediateLevel(int partitions, int depth) {
        int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
        return depth > 1 && partitions > scale + (int) Math.ceil((double) partitions / scale);
    }

    /** A named class, not a lambda: the ClosureCleaner only rewrites closures, so it passes this through. */
    private static final class TaskFunction<T, U> extends AbstractFunction2<TaskContext, Iterator<T>, U>
            implements Serializable {
        private final PartitionFold<T, U> fold;

        TaskFunction(PartitionFold<T, U> fold) {
            this.fold = fold;
        }

        @Override
        public U apply(TaskContext context, Iterator<T> elements) {
            return fold.fold(CollectionConverters.asJava(elements));
        }
    }
}
