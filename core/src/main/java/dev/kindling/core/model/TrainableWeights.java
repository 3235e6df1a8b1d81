// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainable part of a flat weight vector: the ranges of the trainable layers' weights, in layer order. The
 * optimizer and its slots see only these values, packed one after the other ({@link #gather}); a model with no
 * frozen layer has one range covering everything, and its packed form is the flat vector itself.
 *
 * @param offsets where each range starts in the flat vector
 * @param lengths how many values each range holds (ranges are disjoint, in increasing order, never empty)
 * @param total   the flat vector's size
 */
public record TrainableWeights(int[] offsets, int[] lengths, int total) implements Serializable {

    /** The trainable weights of {@code layout} for one flag per layer. */
    static TrainableWeights of(ParameterLayout layout, List<Boolean> trainable) {
        List<int[]> ranges = new ArrayList<>();
        for (ParameterLayout.Entry e : layout.entries()) {
            int n = e.shape().size();
            if (!trainable.get(e.layerIndex()) || n == 0) {
                continue;
            }
            int[] lastRange = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (lastRange != null && lastRange[0] + lastRange[1] == e.offset()) {
                lastRange[1] += n;
            } else {
                ranges.add(new int[] {e.offset(), n});
            }
        }
        int[] offsets = new int[ranges.size()];
        int[] lengths = new int[ranges.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = ranges.get(i)[0];
            lengths[i] = ranges.get(i)[1];
        }
        return new TrainableWeights(offsets, lengths, layout.size());
    }

    /** Number of trainable values. */
    public int size() {
        int n = 0;
        for (int length : lengths) {
            n += length;
        }
        return n;
    }

    /** Whether every value of the flat vector is trainable. */
    public boolean isAll() {
        return size() == total;
    }

    /** A new packed vector of the trainable values of {@code flat}. */
    public Tensor gather(Tensor flat) {
        Tensor packed = Tensor.zeros(flat.dtype(), size());
        gatherInto(flat, packed);
        return packed;
    }

    /** Copies the trainable values of {@code flat} into {@code packed} (of {@link #size()} values). */
    public void gatherInto(Tensor flat, Tensor packed) {
        copy(flat, packed, true);
    }

    /** Writes {@code packed}'s values back to their places in {@code flat}; the frozen values are not touched. */
    public void scatterInto(Tensor packed, Tensor flat) {
        copy(flat, packed, false);
    }

    private void copy(Tensor flat, Tensor packed, boolean toPacked) {
        if (flat.rank() != 1 || flat.size() != total || packed.rank() != 1 || packed.size() != size()
                || flat.dtype() != packed.dtype()) {
            throw new IllegalArgumentException("expected a flat vector of " + total + " and a packed one of " + size()
                    + " values of one dtype, got " + flat.dtype() + " " + flat.shape() + " and " + packed.dtype()
                    + " " + packed.shape());
        }
        int at = packed.offset();
        for (int r = 0; r < offsets.length; r++) {
            int from = flat.offset() + offsets[r];
            if (flat.dtype() == DType.FLOAT32) {
                if (toPacked) {
                    System.arraycopy(flat.floatStorage(), from, packed.floatStorage(), at, lengths[r]);
                } else {
                    System.arraycopy(packed.floatStorage(), at, flat.floatStorage(), from, lengths[r]);
                }
            } else if (toPacked) {
                System.arraycopy(flat.doubleStorage(), from, packed.doubleStorage(), at, lengths[r]);
            } else {
                System.arraycopy(packed.doubleStorage(), at, flat.doubleStorage(), from, lengths[r]);
            }
            at += lengths[r];
        }
    }
}
