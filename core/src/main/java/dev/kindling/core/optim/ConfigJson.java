// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.LinkedHashMap;

/** The Jackson mapping behind {@link Optimizer#config()}: the registry's, which writes optimizers into saved models. */
final class ConfigJson {
    static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

    private ConfigJson() {
    }
}
