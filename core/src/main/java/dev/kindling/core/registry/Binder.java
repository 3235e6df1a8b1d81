// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyName;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.jsontype.TypeDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds what a user wrote to the core's types and says what is wrong at the key where it is wrong: a job file's
 * sections (records that declare their ranges with {@link Range} and {@link NonEmpty}) and, through the registry,
 * the kinds inside them (layers, optimizers, callbacks, losses, metrics), or a layer or optimizer a Spark ML stage
 * got as text. Kinds are bound from the same JSON a model file holds, so each takes exactly a model file's
 * {@code type} names, parameters, defaults and checks, a user's own kind included; Jackson's and the core's
 * complaints come back as one line each at the offending key ({@code model.layers[0].units: expected an integer,
 * got string "ten"}), in the user's spelling: Keras's snake case ({@code kernel_size}) or, for a configuration
 * file, kebab case ({@code kernel-size}). A value that does not bind is reported and takes its default, so that one
 * pass reports every problem.
 */
public final class Binder {
    /** Where each problem goes: the key as the user spells it ({@code fit.callbacks[0].mode}) and the message. */
    @FunctionalInterface
    public interface Problems {
        void at(String key, String message);
    }

    /** An integer section key's range: {@code must be in [min, max], got v} (or {@code >= min}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Range {
        long min();

        long max() default Integer.MAX_VALUE;
    }

    /** A section key that must be a non-empty string. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface NonEmpty {
    }

    private static final Pattern MISSING = Pattern.compile("Missing required creator property '([^']+)'");

    private final Problems problems;
    private final boolean kebab;
    private final SimpleModule kinds = new SimpleModule("kinds");

    /** @param kebab whether the user spells keys in kebab case (a configuration file) rather than snake case */
    public Binder(Problems problems, boolean kebab) {
        // Each problem once: a section bound again after a default replaced a bad value binds its kinds again.
        java.util.Set<String> seen = new java.util.HashSet<>();
        this.problems = (key, message) -> {
            if (seen.add(key + '\n' + message)) {
                problems.at(key, message);
            }
        };
        this.kebab = kebab;
    }

    /**
     * Binds each {@code type} inside a section through the registry: an object whose {@code idProperty} is one of
     * {@code names}, its left-out parameters taken from {@code defaults.apply(name)} (or the type's own defaults
     * when that is null); a name alone stands for the kind with its defaults ({@code optimizer = adam}).
     *
     * @param example the kind as the user would write it, for the message when something else is found
     * @param listed  whether the kind comes in a list ({@code model.layers}) rather than alone
     */
    public <T> Binder withKind(Class<T> type, String kind, String idProperty, Supplier<Collection<String>> names,
                           Function<String, ?> defaults, String example, boolean listed) {
        kinds.addDeserializer(type, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext c) throws IOException {
                String path = path(p);
                JsonNode node = p.readValueAsTree();
                if (node.isTextual() && !listed) {
                    node = json().createObjectNode().put(idProperty, node.asText());
                }
                if (!node.isObject()) {
                    problems.at(path, notOne(path, node));
                    return null;
                }
                JsonNode id = node.get(idProperty);
                Object base = id == null || !id.isTextual() ? null : defaults.apply(id.asText().toLowerCase(Locale.ROOT));
                return Binder.this.kind((ObjectNode) node, path, type, kind, idProperty, base, names.get());
            }

            /** Kinds are polymorphic ({@code type} names the class): this deserializer reads the type id itself. */
            @Override
            public Object deserializeWithType(JsonParser p, DeserializationContext c, TypeDeserializer t)
                    throws IOException {
                return deserialize(p, c);
            }

            @Override
            public T getNullValue(DeserializationContext c) {
                if (c.getParser().currentToken() == JsonToken.VALUE_NULL) {
                    String path = path(c.getParser());
                    problems.at(path, notOne(path, com.fasterxml.jackson.databind.node.NullNode.getInstance()));
                }
                return null;
            }

            private String notOne(String path, JsonNode node) {
                return (!listed ? "expected " + example + " or a name" : path.endsWith("]") ? "expected a " + kind
                        + " object like " + example : "expected a list of " + kind + "s, e.g. [" + example + "]")
                        + ", got " + describe(node);
            }
        });
        return this;
    }

    /** Binds each {@code type} inside a section by name ({@code loss = binary_crossentropy}); {@code resolve} throws
     * an {@link IllegalArgumentException} that says what is wrong with a name. */
    public <T> Binder withNamed(Class<T> type, Function<String, T> resolve) {
        kinds.addDeserializer(type, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext c) throws IOException {
                String path = path(p);
                JsonNode node = p.readValueAsTree();
                try {
                    if (node.isTextual()) {
                        return resolve.apply(node.asText());
                    }
                    problems.at(path, "expected a name, got " + describe(node));
                } catch (IllegalArgumentException e) {
                    problems.at(path, e.getMessage());
                }
                return null;
            }

            @Override
            public T getNullValue(DeserializationContext c) {
                if (c.getParser().currentToken() == JsonToken.VALUE_NULL) {
                    problems.at(path(c.getParser()), "missing");
                }
                return null;
            }
        });
        return this;
    }

    // ---- sections -----------------------------------------------------------------------------------------------

    /**
     * {@code written} bound to the record {@code type}. A key of {@code defaults} missing from it, or a section that
     * is not an object, is reported and takes its default ({@code open} lists the sections whose inner keys are
     * checked by their own rules); an unknown key is reported with a did-you-mean and the keys known there, and
     * dropped; a value that does not bind is reported and takes its default; then each record's
     * {@link Range} and {@link NonEmpty} components are checked. Null if even the defaults do not bind.
     */
    public <T> T section(ObjectNode written, ObjectNode defaults, Class<T> type, Set<String> open) {
        complete("", defaults, written, open);
        ObjectMapper sections = sections();
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                T bound = sections.treeToValue(written, type);
                check(bound, "");
                return bound;
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
                if (e instanceof UnrecognizedPropertyException u && item.isEmpty()) {
                    if (fields.isEmpty() || !fields.get(fields.size() - 1).equals(u.getPropertyName())) {
                        fields.add(u.getPropertyName());
                    }
                    List<String> known = u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
                    problems.at(String.join(".", fields), "unknown key" + Suggestions.didYouMean(u.getPropertyName(),
                            known) + "; known keys here: " + String.join(", ", known));
                    JsonNode parent = written;
                    for (String f : fields.subList(0, fields.size() - 1)) {
                        parent = parent.path(f);
                    }
                    if (!(parent instanceof ObjectNode object) || object.remove(u.getPropertyName()) == null) {
                        return null;
                    }
                    continue;
                }
                JsonNode given = written;
                for (String f : fields) {
                    given = given.path(f);
                }
                String key = String.join(".", fields) + item;
                if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
                    problems.at(key, unknownValue(String.valueOf(f.getValue()), keywords(f.getTargetType())));
                } else {
                    problems.at(key, given.isMissingNode() || given.isNull() ? "missing, expected " + expected(e)
                            : "expected " + expected(e) + ", got " + describe(given));
                }
                JsonNode parent = written;
                JsonNode fallback = defaults;
                for (int i = 0; i < fields.size() - 1; i++) {
                    parent = parent.path(fields.get(i));
                    fallback = fallback.path(fields.get(i));
                }
                String last = fields.isEmpty() ? null : fields.get(fields.size() - 1);
                if (last == null || !(parent instanceof ObjectNode object) || fallback.path(last).equals(object.get(last))) {
                    return null;   // nothing to fall back on, or the default itself does not bind
                }
                object.set(last, fallback.path(last));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a section did not render as JSON", e);
            }
        }
        return null;
    }

    private void complete(String prefix, ObjectNode ref, ObjectNode node, Set<String> open) {
        for (var e : ref.properties()) {
            String key = prefix + e.getKey();
            JsonNode given = node.get(e.getKey());
            if (open.contains(key)) {
                continue;
            }
            if (given == null || e.getValue().isObject() && !given.isObject()) {
                problems.at(key, given == null ? "missing (the default is " + e.getValue() + ")"
                        : "expected an object (a section of keys), got " + describe(given));
                node.set(e.getKey(), e.getValue());
            } else if (e.getValue().isObject()) {
                complete(key + ".", (ObjectNode) e.getValue(), (ObjectNode) given, open);
            }
        }
    }

    /** The declared checks of a bound record and of the records in it. */
    private void check(Object record, String prefix) {
        if (record == null || !record.getClass().isRecord()) {
            return;
        }
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            Object v;
            try {
                c.getAccessor().trySetAccessible();   // a caller's own records may be package-private
                v = c.getAccessor().invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            JsonProperty named = c.getAccessor().getAnnotation(JsonProperty.class);
            String key = prefix + (named != null && !named.value().isEmpty() ? named.value() : spell(c.getName()));
            Range range = c.getAnnotation(Range.class);
            if (range != null && v instanceof Number n && (n.longValue() < range.min() || n.longValue() > range.max())) {
                problems.at(key, "must be " + (range.max() >= Integer.MAX_VALUE ? ">= " + range.min()
                        : "in [" + range.min() + ", " + range.max() + "]") + ", got " + v);
            }
            if (c.isAnnotationPresent(NonEmpty.class) && (v == null || v.toString().isEmpty())) {
                problems.at(key, "must not be empty");
            }
            if (v == null && c.getType().isEnum()) {
                problems.at(key, "missing, expected one of " + String.join(", ", keywords(c.getType())));
            }
            check(v, key + ".");
        }
    }

    private String spell(String javaName) {
        return kebab ? new PropertyNamingStrategies.KebabCaseStrategy().translate(javaName)
                : new PropertyNamingStrategies.SnakeCaseStrategy().translate(javaName);
    }

    /**
     * Typesafe Config's leniency, as its own getters: a number's or boolean's text is a string, "64" is a number,
     * one value is a list of one, yes/no and on/off are booleans, 2.0 is an integer; but 2.5 is not. Enums are
     * named in any case.
     */
    private ObjectMapper sections() {
        ObjectMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(kebab ? PropertyNamingStrategies.KEBAB_CASE : PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .addModule(new SimpleModule("lenient scalars")
                        .addDeserializer(Boolean.class, scalar(Boolean.class, false, Binder::bool))
                        .addDeserializer(boolean.class, scalar(Boolean.class, true, Binder::bool))
                        .addDeserializer(Integer.class, scalar(Integer.class, false, t -> whole(t).intValueExact()))
                        .addDeserializer(int.class, scalar(Integer.class, true, t -> whole(t).intValueExact()))
                        .addDeserializer(Long.class, scalar(Long.class, false, t -> whole(t).longValueExact()))
                        .addDeserializer(long.class, scalar(Long.class, true, t -> whole(t).longValueExact())))
                .addModule(kinds)
                .build();
        // A null list or map is an empty one (data.train = null): records need not check for null collections.
        mapper.configOverride(List.class).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.AS_EMPTY));
        mapper.configOverride(Map.class).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.AS_EMPTY));
        return mapper;
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

    // ---- kinds ------------------------------------------------------------------------------------------------

    /**
     * {@code written} (an object in the user's spelling) as a registered {@code type}, or null with the problems
     * reported at {@code path}'s keys. {@code defaults} (or null), an instance of the named type, supplies the
     * parameters the object leaves out.
     *
     * @param kind       "layer", "optimizer", "callback", for messages
     * @param idProperty the property naming the registered type: {@code type} or {@code name}
     */
    public <T> T kind(ObjectNode written, String path, Class<T> type, String kind, String idProperty, Object defaults,
                      Collection<String> knownIds) {
        Map<String, String> userKeys = new LinkedHashMap<>(); // Jackson's name -> the user's key
        ObjectNode node = json().createObjectNode();
        for (Map.Entry<String, JsonNode> e : written.properties()) {
            String name = e.getKey().replace('-', '_');
            userKeys.put(name, e.getKey());
            node.set(name, snakeKeys(e.getValue()));
        }
        JsonNode id = node.get(idProperty);
        if (id == null || id.isNull()) {
            problems.at(at(path, idProperty), "missing: each " + kind + " needs a " + idProperty + ", one of "
                    + String.join(", ", knownIds));
            return null;
        }
        String name = id.asText().toLowerCase(Locale.ROOT);
        if (!knownIds.contains(name)) {
            problems.at(at(path, idProperty), "unknown " + kind + (idProperty.equals("type") ? " type" : "") + " '"
                    + id.asText() + "'" + Suggestions.didYouMean(name, knownIds) + ", expected one of "
                    + String.join(", ", knownIds));
            return null;
        }
        node.put(idProperty, name);
        if (defaults != null) {
            // A key given by one of its aliases (initial-accumulator) must replace the default under the
            // canonical name, or Jackson sees the parameter twice.
            Map<String, String> canonical = canonicalNames(defaults.getClass());
            ObjectNode merged = json().valueToTree(defaults);
            Map<String, String> given = new LinkedHashMap<>(); // canonical name -> the user's key
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String property = canonical.getOrDefault(e.getKey(), e.getKey());
                String userKey = userKeys.getOrDefault(e.getKey(), e.getKey());
                if (given.containsKey(property)) {
                    problems.at(at(path, userKey), "the same parameter as " + given.get(property) + "; give one of"
                            + " them");
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
            return json().treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            List<String> known = new ArrayList<>();
            for (Object k : e.getKnownPropertyIds()) {
                if (!k.equals(idProperty)) {
                    known.add(user(String.valueOf(k)));
                }
            }
            known.sort(null);
            String key = userKeys.getOrDefault(e.getPropertyName(), user(e.getPropertyName()));
            problems.at(at(path, key), "unknown key for the " + name + " " + kind + Suggestions.didYouMean(key,
                    known) + "; it takes " + (known.isEmpty() ? "no parameters" : String.join(", ", known)));
        } catch (InvalidTypeIdException e) {
            problems.at(at(path, idProperty), e.getOriginalMessage());
        } catch (JsonMappingException e) {
            Matcher missing = MISSING.matcher(e.getOriginalMessage());
            String field = field(e);
            Throwable cause = rootCause(e);
            if (missing.find()) {
                // {type = dense, unit = 10}: Jackson sees units missing first; the misspelt key is the news.
                String wanted = user(missing.group(1));
                String misspelt = userKeys.values().stream()
                        .filter(k -> !k.equals(wanted) && !Suggestions.didYouMean(k, List.of(wanted)).isEmpty())
                        .findFirst().orElse(null);
                problems.at(at(path, misspelt != null ? misspelt : wanted), misspelt != null
                        ? "unknown key for the " + name + " " + kind + Suggestions.didYouMean(misspelt, List.of(wanted))
                        : "missing (the " + name + " " + kind + " needs it)");
            } else if (field != null) {
                String userKey = userKeys.getOrDefault(field, user(field));
                String message = cause instanceof IllegalArgumentException && cause.getMessage() != null
                        ? cause.getMessage() : "expected " + expected(e) + ", got " + describe(written.path(userKey));
                problems.at(at(path, userKey), userNames(message, userKeys));
            } else {
                // The core's own checks (ranges, sizes): point at the key the message names, if any.
                String message = cause.getMessage() == null ? e.getOriginalMessage() : cause.getMessage();
                String key = null;
                for (Map.Entry<String, String> k : userKeys.entrySet()) {
                    if (Pattern.compile("\\b" + Pattern.quote(k.getKey()) + "\\b").matcher(message).find()
                            && !k.getKey().equals(idProperty)) {
                        key = k.getValue();
                    }
                }
                problems.at(key == null ? path : at(path, key), userNames(message, userKeys));
            }
        } catch (JsonProcessingException e) {
            problems.at(path, e.getOriginalMessage());
        }
        return null;
    }

    /** {@code key} inside {@code path} ({@code model.layers[0]}), or alone for a kind written on its own. */
    private static String at(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static ObjectMapper json() {
        return Registry.json();
    }

    /** Each alias of {@code type}'s properties ({@code @JsonAlias}), by the property's own name. */
    private static Map<String, String> canonicalNames(Class<?> type) {
        Map<String, String> names = new LinkedHashMap<>();
        var config = json().getDeserializationConfig();
        for (BeanPropertyDefinition p : config.introspect(json().constructType(type)).findProperties()) {
            for (PropertyName alias : p.findAliases()) {
                names.put(alias.getSimpleName(), p.getName());
            }
        }
        return names;
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

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** A Keras name ({@code kernel_size}) as the user spells it. */
    private String user(String name) {
        return kebab ? name.replace('_', '-') : name;
    }

    /** The core's messages name parameters as Keras does (kernel_size); put them in the user's spelling. */
    private static String userNames(String message, Map<String, String> userKeys) {
        String out = message;
        for (Map.Entry<String, String> k : userKeys.entrySet()) {
            if (k.getKey().contains("_")) {
                out = out.replaceAll("\\b" + Pattern.quote(k.getKey()) + "\\b", Matcher.quoteReplacement(k.getValue()));
            }
        }
        return out;
    }

    /** A layer inside a layer ({@code bidirectional}'s {@code layer}) is spelled as the outer one. */
    private static JsonNode snakeKeys(JsonNode value) {
        if (value.isObject()) {
            ObjectNode out = json().createObjectNode();
            value.properties().forEach(e -> out.set(e.getKey().replace('-', '_'), snakeKeys(e.getValue())));
            return out;
        }
        if (value.isArray()) {
            ArrayNode out = json().createArrayNode();
            value.forEach(v -> out.add(snakeKeys(v)));
            return out;
        }
        return value;
    }

    // ---- words ------------------------------------------------------------------------------------------------

    /** The key of the value the parser is at, in the form {@code model.layers[0]}. */
    static String path(JsonParser p) {
        JsonStreamContext c = p.getParsingContext();
        if (p.currentToken() == JsonToken.START_OBJECT || p.currentToken() == JsonToken.START_ARRAY) {
            c = c.getParent();
        }
        StringBuilder path = new StringBuilder();
        for (; c != null && !c.inRoot(); c = c.getParent()) {
            path.insert(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
        }
        return path.length() > 0 && path.charAt(0) == '.' ? path.substring(1) : path.toString();
    }

    /** What Jackson wanted, in words. */
    public static String expected(JsonMappingException e) {
        Class<?> type = e instanceof MismatchedInputException m && m.getTargetType() != null ? m.getTargetType()
                : Object.class;
        return type == Integer.class || type == int.class || type == Long.class || type == long.class ? "an integer"
                : type == Double.class || type == double.class ? "a number"
                : type == Boolean.class || type == boolean.class ? "true or false"
                : type == String.class ? "a string" : List.class.isAssignableFrom(type) ? "a list of strings"
                : type == int[].class ? "an integer or a list of integers"
                : type.isRecord() ? "an object (a section of keys)" : type.getSimpleName();
    }

    /** A value as the user would see it: {@code string "ten"}, {@code number 2.5}, {@code list [3,3,3]}. */
    public static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isNull()) {
            return "null";
        }
        String type = v.isTextual() ? "string" : v.isNumber() ? "number" : v.isBoolean() ? "boolean"
                : v.isArray() ? "list" : "object";
        String rendered = v.toString();
        return type + " " + (rendered.length() > 60 ? rendered.substring(0, 57) + "..." : rendered);
    }

    /** {@code unknown value 'x' (did you mean 'y'?), expected one of ...}: a word that is none of {@code allowed}. */
    public static String unknownValue(String value, List<String> allowed) {
        return "unknown value '" + value + "'" + Suggestions.didYouMean(value, allowed) + ", expected one of "
                + String.join(", ", allowed);
    }

    private static List<String> keywords(Class<?> enumType) {
        return Arrays.stream(enumType.getEnumConstants()).map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
                .toList();
    }
}
