// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * Integer token sequences of any lengths made into a {@code (samples, maxlen)} tensor, Keras's
 * {@code pad_sequences}, the input an {@code Embedding} takes. Keras's defaults: {@code maxlen} the longest
 * sequence, padding and truncating both {@code pre} (zeros in front; a long sequence keeps its <em>last</em>
 * {@code maxlen} tokens), padding value 0.
 * <pre>{@code
 * Tensor x = Sequences.padSequences(reviews, 500);   // pad_sequences(reviews, maxlen = 500)
 * Tensor y = Sequences.padSequences(reviews, 500, Sequences.Side.POST, Sequences.Side.POST, 0);
 * }</pre>
 * Token ids are whole numbers; a tensor holds them exactly in float32 up to 2^24 (16,777,216), far beyond any
 * vocabulary an embedding table fits.
 */
public final class Sequences {
    private Sequences() {
    }

    /** Where padding goes, or which end truncation cuts: Keras's {@code "pre"} and {@code "post"}. */
    public enum Side {
        PRE, POST;

        /** {@code "pre"} or {@code "post"}, any case. */
        public static Side fromKeyword(String keyword) {
            try {
                return valueOf(keyword.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("padding and truncating are 'pre' or 'post', got '" + keyword + "'");
            }
        }
    }

    /** The largest token id a float32 tensor holds exactly. */
    public static final int MAX_EXACT_ID = 1 << 24;

    /** Keras's defaults: every sequence padded in front to the longest one's length. */
    public static Tensor padSequences(List<int[]> sequences) {
        int longest = 0;
        for (int[] s : sequences) {
            longest = Math.max(longest, s.length);
        }
        return padSequences(sequences, longest);
    }

    /** Keras's defaults for {@code maxlen}: padded in front, long sequences keep their last {@code maxlen} ids. */
    public static Tensor padSequences(List<int[]> sequences, int maxlen) {
        return padSequences(sequences, maxlen, Side.PRE, Side.PRE, 0);
    }

    /**
     * {@code (samples, maxlen)} float32 token ids.
     *
     * @throws IllegalArgumentException for {@code maxlen < 1}, or naming the sequence and position of an id that
     *                                  is negative or above {@link #MAX_EXACT_ID}
     */
    public static Tensor padSequences(List<int[]> sequences, int maxlen, Side padding, Side truncating, int value) {
        if (maxlen < 1) {
            throw new IllegalArgumentException("padSequences: maxlen must be >= 1, got " + maxlen);
        }
        float[] out = new float[sequences.size() * maxlen];
        for (int row = 0; row < sequences.size(); row++) {
            int[] padded = pad(sequences.get(row), maxlen, padding, truncating, value);
            for (int j = 0; j < maxlen; j++) {
                if (padded[j] < 0 || padded[j] > MAX_EXACT_ID) {
                    throw new IllegalArgumentException("padSequences: sequence " + row + ", position " + j
                            + " has id " + padded[j] + ", expected a whole number in [0, " + MAX_EXACT_ID + "]");
                }
                out[row * maxlen + j] = padded[j];
            }
        }
        return Tensor.wrap(out, 0, Shape.of(sequences.size(), maxlen));
    }

    /** One sequence padded or truncated to {@code maxlen}, as {@link #padSequences} does each row. */
    public static int[] pad(int[] sequence, int maxlen, Side padding, Side truncating, int value) {
        int[] out = new int[maxlen];
        int kept = Math.min(sequence.length, maxlen);
        int from = truncating == Side.PRE ? sequence.length - kept : 0;
        int at = padding == Side.PRE ? maxlen - kept : 0;
        java.util.Arrays.fill(out, value);
        System.arraycopy(sequence, from, out, at, kept);
        return out;
    }
}
