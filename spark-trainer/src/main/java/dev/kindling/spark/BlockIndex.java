// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Which sample numbers each packed partition holds, as sorted runs {@code [start, end)}: what the driver needs to
 * send a step only to the partitions holding rows of its batch. Partitions hold runs of consecutive numbers (the
 * input partitions they were coalesced from, or a range), so this is a few numbers per partition, not one per row:
 * the driver's memory does not grow with the data.
 */
final class BlockIndex implements Serializable {
    private final long[][] starts;
    private final long[][] ends;

    /** What one packed partition holds: its index, its runs of sample numbers, and its row count. */
    @com.esotericsoftware.kryo.DefaultSerializer(com.esotericsoftware.kryo.serializers.JavaSerializer.class)
    record Summary(int partition, long[] starts, long[] ends, long rows) implements Serializable {

        /** The runs of the sample numbers in a partition's chunks, in the order they come. */
        static Summary of(int partition, java.util.Iterator<Block> chunks) {
            long[] starts = new long[4];
            long[] ends = new long[4];
            int runs = 0;
            long rows = 0;
            while (chunks.hasNext()) {
                for (long id : chunks.next().ids()) {
                    rows++;
                    if (runs > 0 && ends[runs - 1] == id) {
                        ends[runs - 1] = id + 1;
                        continue;
                    }
                    if (runs == starts.length) {
                        starts = Arrays.copyOf(starts, runs * 2);
                        ends = Arrays.copyOf(ends, runs * 2);
                    }
                    starts[runs] = id;
                    ends[runs++] = id + 1;
                }
            }
            return new Summary(partition, Arrays.copyOf(starts, runs), Arrays.copyOf(ends, runs), rows);
        }
    }

    BlockIndex(int partitions, List<Summary> summaries) {
        starts = new long[partitions][];
        ends = new long[partitions][];
        for (int p = 0; p < partitions; p++) {
            starts[p] = new long[0];
            ends[p] = new long[0];
        }
        for (Summary s : summaries) {
            starts[s.partition()] = s.starts();
            ends[s.partition()] = s.ends();
        }
    }

    int partitions() {
        return starts.length;
    }

    /** The partitions holding at least one of the given sample numbers (sorted ascending), ascending. */
    int[] partitionsHolding(int[] sortedIds) {
        int[] out = new int[starts.length];
        int found = 0;
        for (int p = 0; p < starts.length; p++) {
            if (holdsAny(starts[p], ends[p], sortedIds)) {
                out[found++] = p;
            }
        }
        return Arrays.copyOf(out, found);
    }

    /** The partitions holding at least one sample numbered {@code from} or more, ascending. */
    int[] partitionsFrom(long from) {
        int[] out = new int[starts.length];
        int found = 0;
        for (int p = 0; p < starts.length; p++) {
            for (long end : ends[p]) {
                if (end > from) {
                    out[found++] = p;
                    break;
                }
            }
        }
        return Arrays.copyOf(out, found);
    }

    /** Whether some id of the sorted batch falls in some run: one binary search per run. */
    private static boolean holdsAny(long[] starts, long[] ends, int[] sortedIds) {
        for (int r = 0; r < starts.length; r++) {
            int i = Arrays.binarySearch(sortedIds, (int) Math.min(Integer.MAX_VALUE, starts[r]));
            int at = i >= 0 ? i : -i - 1;
            if (at < sortedIds.length && sortedIds[at] < ends[r]) {
                return true;
            }
        }
        return false;
    }
}
