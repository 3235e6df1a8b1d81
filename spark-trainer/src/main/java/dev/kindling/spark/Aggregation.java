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
 * {@code treeAggregate} without the per-job closure cleaning. Spark's {@code treeAggregate} wraps its arguments in
 * several Scala closures, and Spark's ClosureCleaner re-reads the bytecode of their enclosing classes with ASM on
 * every job: on these machines that is most of the driver's CPU time per job. When the tree would have no
 * intermediate level (Spark's own rule for {@code depth} and the partition count), this runs the same aggregation
 * as one {@code runJob} with a plain serializable function object, which the cleaner leaves alone, and merges the
 * partition results on the driver as they arrive. Deeper trees go through {@code treeAggregate}.
 */
final class Aggregation {
    private Aggregation() {
    }

    /** Folds one partition's elements into a partial result. */
    interface PartitionFold<T, U> extends Serializable {
        U fold(java.util.Iterator<T> elements);
    }

    static <T, U> U treeAggregate(JavaRDD<T> rdd, U zero, PartitionFold<T, U> fold, BinaryOperator<U> merge,
                                  Function2<U, U, U> sparkMerge, int depth, Class<U> type) {
        int partitions = rdd.getNumPartitions();
        if (hasIntermediateLevel(partitions, depth)) {
            return rdd.mapPartitions(it -> List.of(fold.fold(it)).iterator()).treeAggregate(zero, sparkMerge,
                    sparkMerge, depth);
        }
        List<Object> all = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            all.add(p);
        }
        @SuppressWarnings("unchecked")
        U[] result = (U[]) new Object[] {zero};
        rdd.context().runJob(rdd.rdd(), new TaskFunction<>(fold), CollectionConverters.asScala(all).toSeq(),
                new AbstractFunction2<Object, U, BoxedUnit>() {
                    @Override
                    public BoxedUnit apply(Object partition, U partial) {
                        result[0] = merge.apply(result[0], partial); // called one result at a time
                        return BoxedUnit.UNIT;
                    }
                }, ClassTag.apply(type));
        return result[0];
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
