package dev.kindling.spark.ml;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.layers.Layer;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Layers written as text, Keras's words in a short form: {@code "dense(512, relu), dropout(0.5), dense(10, softmax)"}.
 * Each layer is its type name (the {@code type} of the model file) and its arguments, by position in the order
 * of the layer's record components or by name ({@code dense(units=10, activation=softmax, inputDim=784)}). An
 * omitted argument is absent from the JSON object the text becomes (the same object the model file holds, from
 * which Jackson builds the layer): a number is then 0 (a dense layer's {@code inputDim}: from the data), and a
 * layer that needs the value says so (a dense layer's activation). Any layer the model file knows can be written.
 */
final class LayerSpec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Class<?>> TYPES = new LinkedHashMap<>();

    static {
        for (JsonSubTypes.Type t : Layer.class.getAnnotation(JsonSubTypes.class).value()) {
            TYPES.put(t.name(), t.value());
        }
    }

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
        Class<?> type = TYPES.get(name);
        if (type == null) {
            throw new IllegalArgumentException(where + ": unknown layer '" + name + "', expected one of "
                    + String.join(", ", TYPES.keySet()));
        }
        RecordComponent[] components = type.getRecordComponents();
        ObjectNode node = JSON.createObjectNode();
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
                if (components == null || a >= components.length) {
                    throw new IllegalArgumentException(where + ": " + args.size() + " arguments, a " + name
                            + " layer takes at most " + (components == null ? 0 : components.length));
                }
                key = components[a].getName();
                value = arg;
            }
            put(node, key, value);
        }
        try {
            return (Layer) JSON.convertValue(node, type);
        } catch (IllegalArgumentException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            String detail = cause.getMessage() == null ? e.getMessage() : cause.getMessage();
            throw new IllegalArgumentException(where + ": " + detail.lines().findFirst().orElse(detail), e);
        }
    }

    private static void put(ObjectNode node, String key, String value) {
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
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                if (depth < 0) {
                    throw new IllegalArgumentException("layers: unbalanced ')' at position " + i + " of \"" + spec + "\"");
                }
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("layers: unclosed '(' in \"" + spec + "\"");
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
