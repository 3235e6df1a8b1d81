// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * What a forward pass needs besides inputs and weights: whether it is training (dropout on), and where its
 * randomness comes from. Randomness is drawn per <em>sample</em>, seeded by the step seed, the layer and the
 * sample's global row id, so a sample gets the same dropout mask whichever partition or batch slot computes it.
 */
public record ForwardContext(boolean training, long stepSeed, long[] rowIds, int layerIndex) {

    /** Inference: no dropout, no randomness. */
    public static ForwardContext inference() {
        return new ForwardContext(false, 0L, new long[0], 0);
    }

    /** Training on the rows with these global ids, with the randomness of one optimizer step. */
    public static ForwardContext training(long stepSeed, long[] rowIds) {
        return new ForwardContext(true, stepSeed, rowIds, 0);
    }

    /** The same context as seen by layer {@code index} of a model. */
    public ForwardContext forLayer(int index) {
        return new ForwardContext(training, stepSeed, rowIds, index);
    }

    /**
     * The same context with randomness of its own, for a layer that draws more than one mask per sample (a
     * recurrent layer's input and recurrent masks, a {@code Bidirectional}'s two layers): still a function of the
     * step seed, the layer and the sample only.
     */
    public ForwardContext salted(long salt) {
        return new ForwardContext(training, mix(stepSeed, salt), rowIds, layerIndex);
    }

    /**
     * An inverted-dropout mask for a batch {@code (rows, width)}: each entry is 0 with probability {@code rate}
     * and {@code 1/(1-rate)} otherwise, as Keras scales kept units during training.
     */
    public Tensor dropoutMask(int rows, int width, DType dtype, double rate) {
        if (rowIds.length != rows) {
            throw new IllegalStateException("dropout needs one row id per sample: " + rows + " rows, "
                    + rowIds.length + " ids");
        }
        Tensor mask = Tensor.zeros(dtype, rows, width);
        double keep = 1.0 / (1.0 - rate);
        for (int r = 0; r < rows; r++) {
            SplittableRandom rng = new SplittableRandom(mix(mix(stepSeed, layerIndex), rowIds[r]));
            for (int c = 0; c < width; c++) {
                if (rng.nextDouble() >= rate) {
                    mask.setFlat(r * width + c, keep);
                }
            }
        }
        return mask;
    }

    /** A 64-bit mix (SplitMix64's finalizer) so that nearby seeds give unrelated streams. */
    public static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
