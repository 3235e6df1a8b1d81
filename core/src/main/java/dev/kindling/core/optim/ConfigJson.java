// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Jackson mapping behind {@link Optimizer#config()}: the record's own annotations (Keras's keys), as in a saved
 * model. A plain mapper does not know the registered type names, so the {@code name} comes from the optimizer itself,
 * first, as a saved model has it.
 */
final class ConfigJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

    private ConfigJson() {
    }

    static Map<String, Object> of(Optimizer optimizer) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", optimizer.name());
        MAPPER.convertValue(optimizer, MAP).forEach((k, v) -> {
            if (!k.equals("name")) {
                config.put(k, v);
            }
        });
        return Collections.unmodifiableMap(config);
    }
}
