// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Base64;

/** A callback's tensors in its checkpoint state: the dtype and the elements, exactly, as base64 big-endian bytes. */
final class States {
    private States() {
    }

    static JsonNode tensor(Tensor t) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("dtype", t.dtype().keyword());
        n.put("size", t.size());
        ByteBuffer bytes = ByteBuffer.allocate(t.size() * t.dtype().bytes());
        if (t.dtype() == DType.FLOAT32) {
            bytes.asFloatBuffer().put(t.toFloatArray());
        } else {
            bytes.asDoubleBuffer().put(t.toDoubleArray());
        }
        n.put("base64", Base64.getEncoder().encodeToString(bytes.array()));
        return n;
    }

    static Tensor tensor(JsonNode n) {
        DType dtype = DType.fromKeyword(n.path("dtype").asText());
        int size = n.path("size").asInt();
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(n.path("base64").asText()));
        if (dtype == DType.FLOAT32) {
            float[] v = new float[size];
            bytes.asFloatBuffer().get(v);
            return Tensor.of(v, size);
        }
        double[] v = new double[size];
        bytes.asDoubleBuffer().get(v);
        return Tensor.of(v, size);
    }
}
