// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;

/** Pretty-printed JSON with Jackson (the version Spark ships: the app does not carry its own). */
public final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    public static byte[] bytes(Object value) throws IOException {
        return MAPPER.writeValueAsBytes(value);
    }

    public static JsonNode parse(String json) throws IOException {
        return MAPPER.readTree(json);
    }
}
