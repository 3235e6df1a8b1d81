// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyName;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.registry.Suggestions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds one object of the job file (a layer, an optimizer) to the core's type through the registry's Jackson
 * mapper, so the job file takes exactly what a model file holds: the same {@code type} names, the same
 * parameters (Keras's names, in the job file's kebab case: {@code kernel-size} is {@code kernel_size}), the same
 * defaults and the same checks. A layer or optimizer registered by a user is bound like a built-in one.
 * Jackson's and the core's complaints come back as problems at the offending key, with its origin.
 */
final class Binding {
    private static final Pattern MISSING = Pattern.compile("Missing required creator property '([^']+)'");

    /** A complaint about one key: where it was set, its full path, what is wrong. */
    record Problem(ConfigOrigin origin, String path, String message) {
    }

    private final ConfigObject object;
    private final String path;
    private final String kind;
    private final String idProperty;
    private final List<Problem> problems;
    /** The object's keys as the user wrote them, by the name Jackson knows them by. */
    private final Map<String, String> userKeys = new LinkedHashMap<>();

    /**
     * @param kind       "layer" or "optimizer", for messages
     * @param idProperty the property naming the registered type: {@code type} or {@code name}
     */
    private Binding(ConfigObject object, String path, String kind, String idProperty, List<Problem> problems) {
        this.object = object;
        this.path = path;
        this.kind = kind;
        this.idProperty = idProperty;
        this.problems = problems;
    }

    /**
     * The value of {@code object} as a {@code type}, or null with the problems added. {@code defaults} (or null),
     * an instance of the named type, supplies the parameters the object leaves out.
     */
    static <T> T bind(ConfigObject object, String path, Class<T> type, String kind, String idProperty,
                      Object defaults, Collection<String> knownIds, List<Problem> problems) {
        return new Binding(object, path, kind, idProperty, problems).bind(type, defaults, knownIds);
    }

    private <T> T bind(Class<T> type, Object defaults, Collection<String> knownIds) {
        ObjectNode node;
        try {
            JsonNode rendered = Registry.json().readTree(object.render(ConfigRenderOptions.concise()));
            node = Registry.json().createObjectNode();
            for (Map.Entry<String, JsonNode> e : rendered.properties()) {
                String name = e.getKey().replace('-', '_');
                userKeys.put(name, e.getKey());
                node.set(name, snakeKeys(e.getValue()));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("HOCON rendered invalid JSON for " + path, e);
        }
        JsonNode id = node.get(idProperty);
        if (id == null || id.isNull()) {
            add(object.origin(), idProperty, "missing: each " + kind + " needs a " + idProperty + ", one of "
                    + String.join(", ", knownIds));
            return null;
        }
        String name = id.asText().toLowerCase(Locale.ROOT);
        if (!knownIds.contains(name)) {
            add(idProperty, "unknown " + kind + (idProperty.equals("type") ? " type" : "") + " '" + id.asText() + "'"
                    + Suggestions.didYouMean(name, knownIds) + ", expected one of " + String.join(", ", knownIds));
            return null;
        }
        node.put(idProperty, name);
        if (defaults != null) {
            // A key given by one of its aliases (initial-accumulator) must replace the default under the
            // canonical name, or Jackson sees the parameter twice.
            Map<String, String> canonical = canonicalNames(defaults.getClass());
            ObjectNode merged = Registry.json().valueToTree(defaults);
            Map<String, String> given = new LinkedHashMap<>(); // canonical name -> the user's key
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String property = canonical.getOrDefault(e.getKey(), e.getKey());
                String userKey = userKeys.get(e.getKey());
                if (given.containsKey(property)) {
                    add(userKey, "the same parameter as " + given.get(property) + "; give one of them");
                    return null;
                }
                given.put(property, userKey);
                merged.set(property, e.getValue());
            }
            userKeys.clear();
            userKeys.putAll(given);
            node = merged;
        }
        try {
            return Registry.json().treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            List<String> known = new ArrayList<>();
            for (Object k : e.getKnownPropertyIds()) {
                if (!k.equals(idProperty)) {
                    known.add(kebab(String.valueOf(k)));
                }
            }
            known.sort(null);
            String key = userKeys.getOrDefault(e.getPropertyName(), kebab(e.getPropertyName()));
            add(key, "unknown key for the " + name + " " + kind + Suggestions.didYouMean(key, known) + "; it takes "
                    + (known.isEmpty() ? "no parameters" : String.join(", ", known)) + hint(key));
        } catch (InvalidTypeIdException e) {
            add(idProperty, e.getOriginalMessage());
        } catch (JsonMappingException e) {
            Matcher missing = MISSING.matcher(e.getOriginalMessage());
            String field = field(e);
            if (missing.find()) {
                // {type = dense, unit = 10}: Jackson sees units missing first; the misspelt key is the news.
                String wanted = kebab(missing.group(1));
                String misspelt = userKeys.values().stream()
                        .filter(k -> !k.equals(wanted) && !Suggestions.didYouMean(k, List.of(wanted)).isEmpty())
                        .findFirst().orElse(null);
                if (misspelt != null) {
                    add(misspelt, "unknown key for the " + name + " " + kind + Suggestions.didYouMean(misspelt,
                            List.of(wanted)));
                } else {
                    add(object.origin(), wanted, "missing (the " + name + " " + kind + " needs it)");
                }
            } else if (field != null) {
                Throwable cause = rootCause(e);
                String message = cause instanceof IllegalArgumentException && cause.getMessage() != null
                        ? cause.getMessage() : "expected " + expected(e) + ", got " + JobConfigLoader.describe(
                        object.get(userKeys.getOrDefault(field, field)));
                add(userKeys.getOrDefault(field, kebab(field)), kebabNames(message));
            } else {
                // The core's own checks (ranges, sizes): point at the key the message names, if any.
                Throwable cause = rootCause(e);
                String message = cause.getMessage() == null ? e.getOriginalMessage() : cause.getMessage();
                String key = null;
                for (Map.Entry<String, String> k : userKeys.entrySet()) {
                    if (Pattern.compile("\\b" + Pattern.quote(k.getKey()) + "\\b").matcher(message).find()
                            && !k.getKey().equals(idProperty)) {
                        key = k.getValue();
                    }
                }
                if (key != null) {
                    add(key, kebabNames(message));
                } else {
                    problems.add(new Problem(object.origin(), path, kebabNames(message)));
                }
            }
        } catch (JsonProcessingException e) {
            problems.add(new Problem(object.origin(), path, e.getOriginalMessage()));
        }
        return null;
    }

    /** Each alias of {@code type}'s properties ({@code @JsonAlias}), by the property's own name. */
    private static Map<String, String> canonicalNames(Class<?> type) {
        Map<String, String> names = new LinkedHashMap<>();
        var config = Registry.json().getDeserializationConfig();
        for (BeanPropertyDefinition p : config.introspect(Registry.json().constructType(type)).findProperties()) {
            for (PropertyName alias : p.findAliases()) {
                names.put(alias.getSimpleName(), p.getName());
            }
        }
        return names;
    }

    private static String hint(String key) {
        return key.equals("input-dim") || key.equals("input-shape")
                ? " (a model's input shape is model.input-shape)" : "";
    }

    /** The first named property on the exception's path: the key whose value Jackson could not take. */
    private static String field(JsonMappingException e) {
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                return r.getFieldName();
            }
        }
        return null;
    }

    private static String expected(JsonMappingException e) {
        String type = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
                && m.getTargetType() != null ? m.getTargetType().getSimpleName() : "another type";
        return switch (type) {
            case "int", "Integer", "long", "Long" -> "an integer";
            case "double", "Double", "float", "Float" -> "a number";
            case "boolean", "Boolean" -> "true or false";
            case "int[]" -> "an integer or a list of integers";
            default -> type;
        };
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** The core's messages name parameters as Keras does (kernel_size); the job file spells them kernel-size. */
    private String kebabNames(String message) {
        String out = message;
        for (Map.Entry<String, String> k : userKeys.entrySet()) {
            if (k.getKey().contains("_")) {
                out = out.replaceAll("\\b" + Pattern.quote(k.getKey()) + "\\b", Matcher.quoteReplacement(k.getValue()));
            }
        }
        return out;
    }

    /**
     * The keys of objects nested in a value in snake case too: a layer inside a layer ({@code bidirectional}'s
     * {@code layer = {type = lstm, return-sequences = true}}) is written in the job file's kebab case as well.
     */
    private static JsonNode snakeKeys(JsonNode value) {
        if (value.isObject()) {
            ObjectNode out = Registry.json().createObjectNode();
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                out.set(e.getKey().replace('-', '_'), snakeKeys(e.getValue()));
            }
            return out;
        }
        if (value.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode out = Registry.json().createArrayNode();
            value.forEach(v -> out.add(snakeKeys(v)));
            return out;
        }
        return value;
    }

    private static String kebab(String name) {
        return name.replace('_', '-');
    }

    private void add(String key, String message) {
        ConfigValue v = object.get(key);
        add(v == null ? object.origin() : v.origin(), key, message);
    }

    private void add(ConfigOrigin origin, String key, String message) {
        problems.add(new Problem(origin, path + "." + key, message));
    }
}
