// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

/** Element type of a {@link Tensor}. float32 is the default, as in Keras; float64 serves gradient checks. */
public enum DType {
    FLOAT32(4, "float32"),
    FLOAT64(8, "float64");

    private final int bytes;
    private final String keyword;

    DType(int bytes, String keyword) {
        this.bytes = bytes;
        this.keyword = keyword;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The numpy/Keras spelling: {@code float32} or {@code float64}. */
    public String keyword() {
        return keyword;
    }

    /** Parses {@code float32} / {@code float64} (case-insensitive). */
    public static DType fromKeyword(String keyword) {
        for (DType t : values()) {
            if (t.keyword.equalsIgnoreCase(keyword) || t.name().equalsIgnoreCase(keyword)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + keyword + "', expected float32 or float64");
    }

    @Override
    public String toString() {
        return keyword;
    }
}
