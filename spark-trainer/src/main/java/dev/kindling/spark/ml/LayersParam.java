// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.registry.Registry;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import scala.runtime.AbstractFunction1;

/**
 * A Param holding a network's layers, first to last. Saved as the model file's {@code layers} JSON (each layer
 * with its {@code type}), so every layer the core can save can be a Param value.
 */
public final class LayersParam extends Param<List<Layer>> {
    public LayersParam(Identifiable parent, String name, String doc) {
        super(parent, name, doc, new NonEmpty());
    }

    @Override
    public String jsonEncode(List<Layer> value) {
        try {
            // An array, not a List: Jackson keeps the element type, and with it each layer's "type" id.
            return Registry.json().writeValueAsString(value.toArray(new Layer[0]));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("layers: cannot write " + value + " as JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Layer> jsonDecode(String json) {
        try {
            return List.of(Registry.json().readValue(json, Layer[].class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("layers: cannot read layers from " + json + ": " + e.getMessage(), e);
        }
    }

    /** At least one layer, no nulls; throws (Spark's validate would only say "invalid value") with the reason. */
    private static final class NonEmpty extends AbstractFunction1<List<Layer>, Object> implements java.io.Serializable {
        @Override
        public Object apply(List<Layer> layers) {
            if (layers == null || layers.isEmpty()) {
                throw new IllegalArgumentException("layers: at least one layer is needed, got " + layers);
            }
            for (Layer l : layers) {
                if (l == null) {
                    throw new IllegalArgumentException("layers: a null layer in " + layers);
                }
            }
            return Boolean.TRUE;
        }
    }
}
