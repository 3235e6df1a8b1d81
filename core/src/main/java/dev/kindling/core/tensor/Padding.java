// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kindling.core.registry.Suggestions;
import java.util.List;
import java.util.Locale;

/**
 * How a sliding window ({@link Window2D}) meets the border of an image, with Keras's names.
 * {@link #VALID}: no padding, the window stays inside, so the output is {@code floor((in - k) / s) + 1}.
 * {@link #SAME}: the output is {@code ceil(in / s)} and the input is padded by
 * {@code max((out - 1) * s + k - in, 0)} cells, the odd one at the end (bottom, right), as TensorFlow does.
 */
public enum Padding {
    VALID,
    SAME;

    /** Keras's spelling: {@code valid}, {@code same}. */
    @JsonValue
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Padding fromKeyword(String keyword) {
        for (Padding p : values()) {
            if (p.keyword().equalsIgnoreCase(keyword)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown padding '" + keyword + "'"
                + Suggestions.didYouMean(String.valueOf(keyword), List.of("valid", "same")) + ", expected valid or same");
    }
}
