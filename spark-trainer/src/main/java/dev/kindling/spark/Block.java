// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.kindling.core.model.Features;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.Arrays;

/**
 * A run of one partition's samples packed once into contiguous tensors (a partition holds one block, or several
 * when it is larger than {@link Packing#MAX_CHUNK_ELEMENTS}), so a step runs GEMM on a block instead of looping
 * over rows. Each sample keeps its number in the whole data set ({@code ids}, ascending): batches are
 * chosen by number, so which partition holds a sample never changes what is learned.
 *
 * @param ids      global sample numbers, ascending
 * @param features {@code (rows, inputDim)} in the model's dtype: dense rows, or sparse rows (CSR) for a column of
 *                 sparse vectors
 * @param targets  {@code (rows, targetWidth)} in the model's dtype
 * @param weights  {@code (rows)} loss weights in the model's dtype, or null when the data has none
 */
@DefaultSerializer(JavaSerializer.class)
record Block(long[] ids, Features features, Tensor targets, Tensor weights) implements Serializable {

    /** The weights of the rows at {@code positions}, or null. */
    Tensor weightsAt(int[] positions) {
        return weights == null ? null : weights.take(0, positions);
    }

    int rows() {
        return ids.length;
    }

    /** Positions in this block of the given global numbers (sorted ascending) that it holds. */
    int[] positionsOf(int[] sortedIds) {
        int[] positions = new int[Math.min(sortedIds.length, ids.length)];
        int found = 0;
        for (int id : sortedIds) {
            int p = Arrays.binarySearch(ids, id);
            if (p >= 0) {
                positions[found++] = p;
            }
        }
        return Arrays.copyOf(positions, found);
    }

    /** Positions of the samples numbered {@code from} or more. */
    int[] positionsFrom(long from) {
        int start = Arrays.binarySearch(ids, from);
        if (start < 0) {
            start = -start - 1;
        }
        int[] positions = new int[ids.length - start];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = start + i;
        }
        return positions;
    }

    long[] idsAt(int[] positions) {
        long[] out = new long[positions.length];
        for (int i = 0; i < positions.length; i++) {
            out[i] = ids[positions[i]];
        }
        return out;
    }
}
