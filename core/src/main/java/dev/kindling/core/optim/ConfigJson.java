package dev.kindling.core.optim;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;

/** The Jackson mapping behind {@link Optimizer#config()}: the same one that writes optimizers into saved models. */
final class ConfigJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

    private ConfigJson() {
    }
}
