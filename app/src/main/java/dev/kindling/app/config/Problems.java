// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import dev.kindling.core.registry.Suggestions;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The problems of one job configuration, each at its key and where that key was set, and the binder that finds
 * them: a section of the merged configuration is rendered as JSON and bound by Jackson to its record (kebab-case
 * names, as the file spells them), and a value Jackson cannot take is reported at its key, with the HOCON origin,
 * then replaced by its default so that the rest of the section is still bound and checked.
 */
final class Problems {
    /**
     * Keras-style leniency, as Typesafe Config's own getters: a number's or boolean's text is a string, "64" is a
     * number, one value is a list of one, yes/no and on/off are booleans, 2.0 is an integer; but 2.5 is not.
     */
    private static final ObjectMapper SECTIONS = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            // Unknown keys are found against reference.conf first, with a did-you-mean (JobConfigLoader).
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .addModule(new SimpleModule()
                    .addDeserializer(Boolean.class, scalar(Boolean.class, false, Problems::bool))
                    .addDeserializer(boolean.class, scalar(Boolean.class, true, Problems::bool))
                    .addDeserializer(Integer.class, scalar(Integer.class, false, t -> whole(t).intValueExact()))
                    .addDeserializer(int.class, scalar(Integer.class, true, t -> whole(t).intValueExact()))
                    .addDeserializer(Long.class, scalar(Long.class, false, t -> whole(t).longValueExact()))
                    .addDeserializer(long.class, scalar(Long.class, true, t -> whole(t).longValueExact())))
            .build();

    private final List<String> lines = new ArrayList<>();
    private final Path file;
    private Config merged;
    private Config reference;

    Problems(Path file) {
        this.file = file;
    }

    /** From now on, keys are looked up in {@code merged}, and a value that does not bind takes its default. */
    void over(Config merged, Config reference) {
        this.merged = merged;
        this.reference = reference;
    }

    /** A problem already worded with its place (a HOCON syntax error). */
    void add(String line) {
        lines.add(line);
    }

    void at(String key, String message) {
        at(merged == null ? null : origin(merged, key), key, message);
    }

    void at(ConfigOrigin origin, String key, String message) {
        lines.add(where(origin, file) + key + ": " + message);
    }

    /** An integer in {@code [min, max]}. */
    void range(String key, long value, long min, long max) {
        if (value < min || value > max) {
            at(key, "must be " + (max >= Integer.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]")
                    + ", got " + value);
        }
    }

    /** A string that is neither null nor empty. */
    String nonEmpty(String key, String value) {
        if (value == null || value.isEmpty()) {
            at(key, "must not be empty");
        }
        return value;
    }

    /** {@code value} lower-cased if it is one of {@code allowed}; else null, with the problem. */
    String choice(String key, String value, List<String> allowed) {
        String lower = value == null ? null : value.toLowerCase(Locale.ROOT);
        if (lower == null) {
            at(key, "missing, expected one of " + String.join(", ", allowed));
        } else if (!allowed.contains(lower)) {
            at(key, "unknown value '" + value + "'" + Suggestions.didYouMean(lower, allowed) + ", expected one of "
                    + String.join(", ", allowed));
            return null;
        }
        return lower;
    }

    /** The value at {@code key} of the merged configuration, a null value included; null if absent. */
    ConfigValue value(String key) {
        return value(merged, key);
    }

    void failIfAny() throws BadConfigurationException {
        if (!lines.isEmpty()) {
            throw new BadConfigurationException(lines);
        }
    }

    /**
     * The merged configuration bound to {@code type}: each key that does not bind is a problem ({@code expected an
     * integer, got string "five"}) and takes its default, so that one run reports them all; null if one cannot.
     */
    <T> T bind(Class<T> type) {
        ObjectNode node = (ObjectNode) json(merged.root());
        ObjectNode defaults = (ObjectNode) json(reference.root());
        complete("", defaults, node);
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                return SECTIONS.treeToValue(node, type);
            } catch (JsonMappingException e) {
                List<String> fields = new ArrayList<>();
                String item = "";
                for (JsonMappingException.Reference r : e.getPath()) {
                    if (r.getFieldName() == null) {
                        item = "[" + r.getIndex() + "]";
                        break;   // an item of a list: the whole list takes its default
                    }
                    fields.add(r.getFieldName());
                }
                String key = String.join(".", fields);
                ConfigValue v = value(merged, key);
                at(key + item, v == null || v.unwrapped() == null ? "missing, expected " + expected(e)
                        : "expected " + expected(e) + ", got " + describe(v));
                JsonNode parent = node;
                JsonNode fallback = defaults;
                for (int i = 0; i < fields.size() - 1; i++) {
                    parent = parent.path(fields.get(i));
                    fallback = fallback.path(fields.get(i));
                }
                if (fields.isEmpty() || !(parent instanceof ObjectNode object)) {
                    return null;
                }
                object.set(fields.get(fields.size() - 1), fallback.path(fields.get(fields.size() - 1)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("HOCON rendered invalid JSON", e);
            }
        }
        return null;
    }

    /**
     * Each key of {@code ref} in {@code node}, and each section of it an object (a null can block HOCON's fallback
     * on the defaults): one that is not is reported and takes its default. Open sections are checked by their own
     * rules.
     */
    private void complete(String prefix, ObjectNode ref, ObjectNode node) {
        for (var e : ref.properties()) {
            String key = prefix + e.getKey();
            JsonNode given = node.get(e.getKey());
            if (JobConfigLoader.OPEN_SECTIONS.contains(key)) {
                continue;
            }
            if (given == null || e.getValue().isObject() && !given.isObject()) {
                at(key, given == null ? "missing (the default is " + e.getValue() + ")"
                        : "expected an object (a section of keys), got " + describe(value(merged, key)));
                node.set(e.getKey(), e.getValue());
            } else if (e.getValue().isObject()) {
                complete(key + ".", (ObjectNode) e.getValue(), (ObjectNode) given);
            }
        }
    }

    private static JsonNode json(ConfigValue value) {
        try {
            return SECTIONS.readTree(value.render(ConfigRenderOptions.concise()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("HOCON rendered invalid JSON", e);
        }
    }

    static String expected(JsonMappingException e) {
        Class<?> type = e instanceof MismatchedInputException m && m.getTargetType() != null ? m.getTargetType()
                : Object.class;
        return type == Integer.class || type == int.class || type == Long.class || type == long.class ? "an integer"
                : type == Double.class || type == double.class ? "a number"
                : type == Boolean.class || type == boolean.class ? "true or false"
                : type == String.class ? "a string" : List.class.isAssignableFrom(type) ? "a list of strings"
                : type == int[].class ? "an integer or a list of integers"
                : type.isRecord() ? "an object (a section of keys)" : type.getSimpleName();
    }

    /** A scalar read from its text, or Jackson's own refusal (reported as "expected ..., got ..."). */
    private static <T> JsonDeserializer<T> scalar(Class<T> type, boolean primitive, Function<String, T> read) {
        return new JsonDeserializer<>() {
            @Override
            public T getNullValue(DeserializationContext c) throws JsonMappingException {
                if (primitive) {
                    throw MismatchedInputException.from(c.getParser(), type, "null");
                }
                return null;
            }

            @Override
            public T deserialize(JsonParser p, DeserializationContext c) throws IOException {
                if (p.currentToken().isScalarValue()) {
                    try {
                        return read.apply(p.getText().trim());
                    } catch (IllegalArgumentException | ArithmeticException notThisType) {
                        // refused below
                    }
                }
                return type.cast(c.handleUnexpectedToken(type, p));
            }
        };
    }

    private static BigDecimal whole(String text) {
        BigDecimal d = new BigDecimal(text);
        if (d.stripTrailingZeros().scale() > 0) {
            throw new ArithmeticException("not a whole number");
        }
        return d;
    }

    private static Boolean bool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException(text);
        };
    }

    // ---- origins -----------------------------------------------------------------------------------------------

    /** The value at {@code path}, a null value included (Config.getValue refuses those); null if absent. */
    static ConfigValue value(Config config, String path) {
        ConfigValue current = config.root();
        for (String part : ConfigUtil.splitPath(path)) {
            if (!(current instanceof ConfigObject object) || !object.containsKey(part)) {
                return null;
            }
            current = object.get(part);
        }
        return current;
    }

    /**
     * Where {@code key} was set (for an item, {@code data.train[1]}, the list's item); null when there is no such
     * key.
     */
    static ConfigOrigin origin(Config config, String key) {
        try {
            java.util.regex.Matcher item = java.util.regex.Pattern.compile("([\\w.-]+)\\[(\\d+)].*").matcher(key);
            ConfigValue v = value(config, item.matches() ? item.group(1) : key);
            if (item.matches() && v instanceof List<?> list && Integer.parseInt(item.group(2)) < list.size()) {
                v = (ConfigValue) list.get(Integer.parseInt(item.group(2)));
            }
            return v == null ? null : v.origin();
        } catch (RuntimeException notAKey) {
            return null;   // an option (--resume), or no single value to point at
        }
    }

    /**
     * {@code file:line: } or {@code --set k=v: } for a value the user gave; for a default (or nothing), the job
     * file's name, since the fix goes there.
     */
    static String where(ConfigOrigin origin, Path file) {
        if (origin != null && origin.filename() != null) {
            return origin.filename() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "") + ": ";
        }
        if (origin != null && origin.description().startsWith("--set ")) {
            return origin.description().replaceFirst(": \\d+$", "") + ": ";
        }
        return file == null ? "" : file + ": ";
    }

    static String describe(ConfigValue v) {
        if (v == null || v.unwrapped() == null) {
            return v == null ? "nothing" : "null";
        }
        String rendered = v.render(ConfigRenderOptions.concise());
        return v.valueType().name().toLowerCase(Locale.ROOT) + " " + (rendered.length() > 60
                ? rendered.substring(0, 57) + "..." : rendered);
    }
}
