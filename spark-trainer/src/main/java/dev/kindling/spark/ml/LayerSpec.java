// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.registry.Binder;
import dev.kindling.core.registry.Registry;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Layers written as text, Keras's words in a short form: {@code "dense(512, relu), dropout(0.5), dense(10, softmax)"}.
 * Each layer is its registered type name (the {@code type} of the model file) and its arguments, by position in
 * the order of the layer's JSON form or by that form's names ({@code dense(units=10, activation=softmax,
 * input_dim=784)}, {@code conv2d(32, 3, activation=relu)}). An omitted argument is absent from the JSON object
 * the text becomes (the same object the model file holds, from which Jackson builds the layer): it takes the
 * layer's default (a dense layer's activation: linear; its {@code input_dim}: from the data), and a layer that
 * needs the value says so. Any registered layer, a custom one too, can be written. A regularizer is written as a
 * call: {@code dense(16, relu, kernel_regularizer=l2(0.001), bias_regularizer=l1_l2(l1=0.01, l2=0.01))}.
 */
final class LayerSpec {

    private LayerSpec() {
    }

    /** @throws IllegalArgumentException naming the layer, its position and the problem */
    static List<Layer> parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("layers: the spec is empty; expected e.g. \"dense(512, relu), "
                    + "dense(10, softmax)\"");
        }
        List<Layer> layers = new ArrayList<>();
        List<String> items = split(spec, spec);
        for (int i = 0; i < items.size(); i++) {
            layers.add(layer(items.get(i).trim(), i + 1, spec));
        }
        return List.copyOf(layers);
    }

    private static Layer layer(String item, int position, String spec) {
        String where = "layers: layer " + position + " '" + item + "' of \"" + spec + "\"";
        int open = item.indexOf('(');
        if (open <= 0 || !item.endsWith(")")) {
            throw new IllegalArgumentException(where + ": expected name(arguments), e.g. dense(64, relu)");
        }
        String name = item.substring(0, open).trim().toLowerCase(Locale.ROOT);
        Class<? extends Layer> type = Registry.layerType(name);
        if (type == null) {
            throw new IllegalArgumentException(where + ": unknown layer '" + name + "', expected one of "
                    + String.join(", ", Registry.layerNames()));
        }
        // Regularizers are given by name only (kernel_regularizer=l2(0.001)), as in Keras's calls.
        List<String> components = jsonNames(type).stream().filter(c -> !c.endsWith("_regularizer")).toList();
        ObjectNode node = Registry.json().createObjectNode();
        node.put("type", name);
        String inside = item.substring(open + 1, item.length() - 1);
        List<String> args = inside.isBlank() ? List.of() : split(inside, spec);
        boolean named = false;
        for (int a = 0; a < args.size(); a++) {
            String arg = args.get(a).trim();
            int eq = arg.indexOf('=');
            String key;
            String value;
            if (eq > 0) {
                key = arg.substring(0, eq).trim();
                value = arg.substring(eq + 1).trim();
                named = true;
            } else {
                if (named) {
                    throw new IllegalArgumentException(where + ": argument '" + arg + "' by position after one by name");
                }
                if (a >= components.size()) {
                    throw new IllegalArgumentException(where + ": " + args.size() + " arguments, a " + name
                            + " layer takes at most " + components.size() + " (" + String.join(", ", components) + ")");
                }
                key = components.get(a);
                value = arg;
            }
            put(node, key, value, where);
        }
        return bind(node, Layer.class, "layer", "type", null, Registry.layerNames(), where);
    }

    /**
     * {@code node} bound through the registry by the core's {@link Binder}, which a job file's layers and optimizer
     * go through too: the same words for the same mistakes.
     *
     * @throws IllegalArgumentException {@code where} and each problem at its key
     */
    private static <T> T bind(ObjectNode node, Class<T> type, String kind, String idProperty, Object defaults,
                              java.util.Collection<String> names, String where) {
        List<String> problems = new ArrayList<>();
        T bound = new Binder((key, message) -> problems.add(key.isEmpty() ? message : key + ": " + message), false)
                .kind(node, "", type, kind, idProperty, defaults, names);
        if (bound == null) {
            throw new IllegalArgumentException(where + ": " + String.join("; ", problems));
        }
        return bound;
    }

    /**
     * An optimizer written as the layers are: its registered name and Keras's arguments, by position (in the order
     * of its JSON form) or by name, over its Keras defaults: {@code "adam"}, {@code "adam(0.01)"},
     * {@code "adam(learning_rate=0.01, beta_1=0.8)"}, {@code "sgd(0.1, momentum=0.9, nesterov=true)"}.
     *
     * @throws IllegalArgumentException naming the optimizer, the argument and what it takes
     */
    static dev.kindling.core.optim.Optimizer optimizer(String spec) {
        String item = spec == null ? "" : spec.trim();
        int open = item.indexOf('(');
        String name = (open < 0 ? item : item.substring(0, open)).trim().toLowerCase(Locale.ROOT);
        dev.kindling.core.optim.Optimizer defaults = Registry.optimizerDefaults(name);
        String where = "optimizer \"" + spec + "\"";
        if (defaults == null) {
            throw new IllegalArgumentException(where + ": unknown optimizer '" + name + "', expected one of "
                    + String.join(", ", Registry.optimizerNames()) + ", e.g. \"adam(learning_rate=0.01)\"");
        }
        if (open < 0) {
            return defaults;
        }
        if (!item.endsWith(")")) {
            throw new IllegalArgumentException(where + ": expected name(arguments), e.g. adam(learning_rate=0.01)");
        }
        ObjectNode node = Registry.json().valueToTree(defaults);
        List<String> components = jsonNames(defaults.getClass());
        String inside = item.substring(open + 1, item.length() - 1);
        List<String> args = inside.isBlank() ? List.of() : split(inside, spec);
        for (int a = 0; a < args.size(); a++) {
            String arg = args.get(a).trim();
            int eq = arg.indexOf('=');
            if (eq < 0 && a >= components.size()) {
                throw new IllegalArgumentException(where + ": " + args.size() + " arguments, " + name + " takes at"
                        + " most " + components.size() + " (" + String.join(", ", components) + ")");
            }
            String key = eq > 0 ? arg.substring(0, eq).trim().replace('-', '_') : components.get(a);
            if (!components.contains(key)) {
                throw new IllegalArgumentException(where + ": " + name + " has no argument '" + key + "'; it takes "
                        + String.join(", ", components));
            }
            put(node, key, eq > 0 ? arg.substring(eq + 1).trim() : arg, where);
        }
        return bind(node, dev.kindling.core.optim.Optimizer.class, "optimizer", "name", null,
                Registry.optimizerNames(), where);
    }

    /**
     * The property names of a layer's JSON form, in order: the components of the record its {@code @JsonValue}
     * method returns (a Conv2D's Keras config), else the layer record's own; each under its {@code @JsonProperty}
     * name if it has one.
     */
    static List<String> jsonNames(Class<?> type) {
        Class<?> form = type;
        for (Method m : type.getDeclaredMethods()) {
            if (m.isAnnotationPresent(JsonValue.class) && m.getReturnType().isRecord()) {
                form = m.getReturnType();
            }
        }
        List<String> names = new ArrayList<>();
        RecordComponent[] components = form.getRecordComponents();
        for (RecordComponent c : components == null ? new RecordComponent[0] : components) {
            // @JsonProperty does not target record components: it lands on the accessor (and field, parameter).
            JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
            names.add(p != null && !p.value().isEmpty() ? p.value() : c.getName());
        }
        return names;
    }

    /** A regularizer argument: {@code l2(0.001)}, {@code l1_l2(l1=0.01, l2=0.01)}. */
    private static final java.util.regex.Pattern CALL =
            java.util.regex.Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*\\((.*)\\)", java.util.regex.Pattern.DOTALL);

    /**
     * A registered regularizer written as a call, {@code l2(0.001)} or {@code l1_l2(l1=0.01, l2=0.02)}: its JSON form
     * ({@code {"type": "l2", "l2": 0.001}}), arguments by position in its JSON form's order or by name; left out ones
     * take the regularizer's defaults (Keras's).
     */
    private static ObjectNode regularizer(String name, String inside, String where) {
        Class<?> type = Registry.regularizerType(name);
        if (type == null) {
            throw new IllegalArgumentException(where + ": unknown regularizer '" + name + "', expected one of "
                    + String.join(", ", Registry.regularizerNames()) + ", e.g. kernel_regularizer=l2(0.001)");
        }
        ObjectNode node = Registry.json().createObjectNode();
        node.put("type", name.toLowerCase(Locale.ROOT));
        List<String> components = jsonNames(type);
        List<String> args = inside.isBlank() ? List.of() : split(inside, inside);
        for (int a = 0; a < args.size(); a++) {
            String arg = args.get(a).trim();
            int eq = arg.indexOf('=');
            if (eq < 0 && a >= components.size()) {
                throw new IllegalArgumentException(where + ": " + name + " takes at most " + components.size()
                        + " arguments (" + String.join(", ", components) + ")");
            }
            put(node, eq > 0 ? arg.substring(0, eq).trim() : components.get(a), eq > 0 ? arg.substring(eq + 1).trim()
                    : arg, where);
        }
        return node;
    }

    private static void put(ObjectNode node, String key, String value, String where) {
        java.util.regex.Matcher call = CALL.matcher(value);
        if (call.matches()) {
            node.set(key, regularizer(call.group(1), call.group(2), where));
            return;
        }
        if (value.startsWith("[")) {
            try {
                node.set(key, Registry.json().readTree(value));   // a size or shape: [3, 3], [28, 28, 1]
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(where + ": " + key + " = " + value + " is not a list of numbers", e);
            }
            return;
        }
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            node.put(key, Boolean.parseBoolean(value));
            return;
        }
        try {
            node.put(key, Integer.parseInt(value));
            return;
        } catch (NumberFormatException notInt) {
            // not an integer: a decimal or a word
        }
        try {
            node.put(key, Double.parseDouble(value));
        } catch (NumberFormatException notNumber) {
            node.put(key, value.replaceAll("^[\"']|[\"']$", ""));
        }
    }

    /** Splits on the commas outside parentheses. */
    private static List<String> split(String text, String spec) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
                if (depth < 0) {
                    throw new IllegalArgumentException("layers: unbalanced '" + c + "' at position " + i + " of \"" + spec + "\"");
                }
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("layers: unclosed '(' or '[' in \"" + spec + "\"");
        }
        parts.add(text.substring(start));
        for (String p : parts) {
            if (p.isBlank()) {
                throw new IllegalArgumentException("layers: an empty item in \"" + spec + "\"");
            }
        }
        return parts;
    }
}
