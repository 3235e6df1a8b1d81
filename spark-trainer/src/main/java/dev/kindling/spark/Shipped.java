// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import java.io.Serializable;

/**
 * A value Kindling hands to Spark's data serializer (in a broadcast), always written with Java serialization. With
 * {@code spark.serializer=KryoSerializer}, Kryo would otherwise write it field by field, bypassing the bulk
 * serialization of tensors; the annotation makes Kryo delegate to Java serialization. The other classes that cross
 * the data serializer (task results, cached blocks) carry the same annotation.
 */
@DefaultSerializer(JavaSerializer.class)
record Shipped<T extends Serializable>(T value) implements Serializable {
}
