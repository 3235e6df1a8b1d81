// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

/**
 * A data set read, checked and packed for one model ({@link SparkTrainer#prepare}): its rows sit in cached blocks
 * on the executors, ready for {@link SparkTrainer#fit(dev.kindling.core.model.Sequential, PreparedData,
 * dev.kindling.core.model.FitOptions) fit} or {@link SparkTrainer#evaluate(dev.kindling.core.model.Sequential,
 * PreparedData) evaluate}. Preparing every input first (test data too) finds every data problem before the first
 * training step. {@link #close} frees the cached blocks.
 */
public final class PreparedData implements AutoCloseable {
    private final Packing.Packed packed;
    private final Packing.Layout layout;
    private final boolean labelIsArray;

    PreparedData(Packing.Packed packed, Packing.Layout layout, boolean labelIsArray) {
        this.packed = packed;
        this.layout = layout;
        this.labelIsArray = labelIsArray;
    }

    Packing.Layout layout() {
        return layout;
    }

    /** Whether labels were arrays (targets as they are) rather than class indices. */
    boolean labelIsArray() {
        return labelIsArray;
    }

    /** Number of rows. */
    public long rows() {
        return packed.samples();
    }

    /** Whether the features were packed as sparse rows (a column of sparse vectors into a first Dense layer). */
    public boolean sparseFeatures() {
        return layout.sparse();
    }

    /**
     * Bytes the packed features' arrays hold, summed over every block (one job over the cached blocks): {@code rows x
     * width x 4} for dense float32 rows, {@code 4 x (rows + blocks) + 8 x non-zeros} for sparse ones. What the
     * cached blocks hold besides (targets, ids, object headers) is not counted.
     */
    public long featureBytes() {
        return packed.withLostBlocksRebuilt(() -> packed.forSteps().map(b -> b.features().packedBytes())
                .fold(0L, Long::sum));
    }

    /** Number of packed partitions (tasks per step). */
    public int partitions() {
        return packed.blocks().getNumPartitions();
    }

    Packing.Packed packed() {
        return packed;
    }

    /** Throws unless this data was packed as {@code expected} (the layout the model at hand needs). */
    void requireLayout(Packing.Layout expected, String call) {
        if (layout.inputDim() != expected.inputDim() || !layout.targets().equals(expected.targets())
                || layout.loss() != expected.loss() || layout.dtype() != expected.dtype()) {
            throw new IllegalArgumentException(call + ": the data was prepared for " + layout.inputDim()
                    + " features, " + layout.targets().width() + " target value(s) per row, loss "
                    + layout.loss().keyword() + ", " + layout.dtype() + "; this model needs " + expected.inputDim()
                    + ", " + expected.targets().width() + ", " + expected.loss().keyword() + ", " + expected.dtype());
        }
    }

    @Override
    public void close() {
        packed.release();
    }
}
