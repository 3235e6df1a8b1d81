// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import java.io.Serializable;

/**
 * One training sample for RDD input: its features and its target (a class index as a one-element array, a
 * one-hot vector, or regression outputs), with the same meaning as a DataFrame's label column.
 */
@DefaultSerializer(JavaSerializer.class)
public record Sample(float[] features, float[] target) implements Serializable {

    public Sample {
        if (features == null || target == null) {
            throw new IllegalArgumentException("a sample needs features and a target");
        }
    }

    /** A sample whose target is a class index. */
    public static Sample of(float[] features, int classIndex) {
        return new Sample(features, new float[] {classIndex});
    }
}
