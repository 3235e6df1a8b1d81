// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.layers.ForwardContext;
import java.util.Random;

/**
 * The order in which samples are visited. Epoch {@code e} visits the training samples in a permutation that
 * depends only on the seed and {@code e}; step {@code s} takes positions {@code [s*B, min((s+1)*B, n))} of it (the
 * last batch may be smaller, as in Keras). Anyone who knows seed, epoch and sample count can rebuild the same
 * batches, which is what lets a distributed trainer reproduce one-JVM training.
 */
public final class MiniBatches {
    private MiniBatches() {
    }

    /** Number of steps per epoch: ceil(n / batchSize), in long arithmetic (n may be close to 2^31). */
    public static int steps(int samples, int batchSize) {
        return (int) ((samples + (long) batchSize - 1) / batchSize);
    }

    /** A Fisher-Yates permutation of {@code 0..n-1} seeded by (seed, epoch); the identity when not shuffling. */
    public static int[] order(int samples, long seed, int epoch, boolean shuffle) {
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) {
            order[i] = i;
        }
        if (shuffle) {
            Random rng = new Random(ForwardContext.mix(seed, epoch));
            for (int i = samples - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** The sample indices of one step. */
    public static int[] batch(int[] order, int step, int batchSize) {
        long from = (long) step * batchSize;
        if (step < 0 || from >= order.length) {
            throw new IllegalArgumentException("step " + step + " of batch size " + batchSize + " starts at sample "
                    + from + ", past the " + order.length + " samples of an epoch");
        }
        int to = (int) Math.min(order.length, from + batchSize);
        int[] batch = new int[to - (int) from];
        System.arraycopy(order, (int) from, batch, 0, batch.length);
        return batch;
    }

    /** The seed of one step's randomness (dropout masks). */
    public static long stepSeed(long seed, int epoch, int step) {
        return ForwardContext.mix(ForwardContext.mix(seed, epoch), step + 0x5EEDL);
    }
}
