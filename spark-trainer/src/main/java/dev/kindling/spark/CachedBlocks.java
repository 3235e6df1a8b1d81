// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.Dependency;
import org.apache.spark.Partition;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.TaskLocation;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.RDDBlockId;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The cached packed blocks as a step's tasks read them: straight from the block manager (this executor's, else
 * another's), with no lineage. A job's tasks carry their RDD and its whole lineage; for blocks whose lineage is kept
 * (so that Spark can rebuild them after an executor loss) that is the input's scan and the packing, serialized on
 * the driver and deserialized on each executor at every step, which measured 2-3 ms a step on the standalone cluster.
 * This RDD has no parent: a step ships two integers.
 *
 * <p>A block that is gone (its executor was lost) fails the task with {@link LostBlockException}; the driver then
 * rebuilds the packed RDD's missing blocks from their lineage ({@link #rebuild}) and runs the step again, with the
 * same weights. Tasks are placed where the blocks are cached, as for the packed RDD itself.
 */
final class CachedBlocks extends RDD<Block> {
    private static final long serialVersionUID = 1L;
    private static final ClassTag<Block> BLOCK = ClassTag$.MODULE$.apply(Block.class);

    private final int sourceId;
    private final int partitions;
    /** The persisted packed RDD: on the driver only, for the blocks' locations and to rebuild lost blocks. */
    private final transient RDD<Block> source;

    CachedBlocks(RDD<Block> source) {
        super(source.context(), CollectionConverters.asScala(List.<Dependency<?>>of()).toSeq(), BLOCK);
        this.source = source;
        this.sourceId = source.id();
        this.partitions = source.getNumPartitions();
    }

    /** A task's block was not in any block manager. */
    static final class LostBlockException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LostBlockException(String message) {
            super(message);
        }
    }

    private record Index(int index) implements Partition {
    }

    @Override
    public Partition[] getPartitions() {
        Partition[] all = new Partition[partitions];
        for (int i = 0; i < partitions; i++) {
            all[i] = new Index(i);
        }
        return all;
    }

    @Override
    @SuppressWarnings("unchecked")
    public scala.collection.Iterator<Block> compute(Partition split, TaskContext context) {
        RDDBlockId id = new RDDBlockId(sourceId, split.index());
        Option<BlockResult> found = SparkEnv.get().blockManager().get(id, BLOCK);
        if (found.isEmpty()) {
            throw new LostBlockException("packed block " + id + " is in no block manager (its executor was lost)");
        }
        return (scala.collection.Iterator<Block>) (scala.collection.Iterator<?>) found.get().data();
    }

    @Override
    public scala.collection.immutable.Seq<String> getPreferredLocations(Partition split) {
        List<String> hosts = new ArrayList<>();
        if (source != null) {
            for (TaskLocation l : CollectionConverters.asJava(context().getPreferredLocs(source, split.index()))) {
                hosts.add(l.toString());
            }
        }
        return CollectionConverters.asScala(hosts).toSeq();
    }

    /** Whether a failed job failed because a block was lost. */
    static boolean lostBlock(Throwable t) {
        return JobFailures.messageOf(t, LostBlockException.class) != null;
    }

    /** Rebuilds the packed RDD's lost blocks from their lineage (the blocks still cached are only read). */
    void rebuild() {
        source.toJavaRDD().foreachPartition(blocks -> {
            while (blocks.hasNext()) {
                blocks.next();
            }
        });
    }
}
