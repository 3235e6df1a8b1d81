// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Shape;
import java.util.List;

/**
 * One layer's entry in Keras's {@code config.json}, both ways. Kindling's own JSON form of a layer already uses
 * Keras's names ({@code units}, {@code kernel_size}, {@code pool_size}, {@code rate}), so a layer's Keras config
 * is its Kindling JSON without Kindling's {@code type} and input-shape keys, plus what Keras writes for every layer
 * ({@code name}, {@code trainable}, {@code dtype}) and the defaults Kindling's layers fix (a bias, channels last,
 * no dilation, Keras's initializers). A layer kind of one's own is written with
 * {@code registered_name = "kindling>" + its registry name} and read back through the registry.
 */
final class KerasLayers {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String KINDLING_PREFIX = "kindling>";
    /** Keras's class names of the built-in kinds Kindling computes the same way. */
    private static final List<String> BUILT_IN = List.of("Dense", "Dropout", "Conv2D", "MaxPooling2D",
            "AveragePooling2D", "GlobalAveragePooling2D", "Flatten");
    /** Those Keras builds in {@code __init__} ({@code Layer._build_at_init}): no {@code build_config}. */
    private static final List<String> BUILT_AT_INIT = List.of("Dropout", "MaxPooling2D", "AveragePooling2D",
            "GlobalAveragePooling2D");

    private KerasLayers() {
    }

    static ObjectNode dtypePolicy() {
        ObjectNode p = JSON.objectNode();
        p.put("module", "keras");
        p.put("class_name", "DTypePolicy");
        p.putObject("config").put("name", "float32");
        p.putNull("registered_name");
        return p;
    }

    private static ObjectNode initializer(String className) {
        ObjectNode i = JSON.objectNode();
        i.put("module", "keras.initializers");
        i.put("class_name", className);
        ObjectNode c = i.putObject("config");
        if (className.equals("GlorotUniform")) {
            c.putNull("seed");
        }
        i.putNull("registered_name");
        return i;
    }

    /** The Keras entry of {@code layer}, named {@code name}, built for samples of {@code inputShape}. */
    static ObjectNode toKeras(Layer layer, String name, Shape inputShape) {
        String className = layer.typeName();
        String registered = Registry.layerName(layer.getClass());
        if (registered == null) {
            throw new IllegalArgumentException("layer " + className + " (" + layer.getClass().getName()
                    + ") is not registered, so a file could not name it: call Registry.layer(name, type) first");
        }
        boolean builtIn = BUILT_IN.contains(className) && Registry.layerType(KerasFile.snakeCase(className))
                == layer.getClass();
        ObjectNode kindling = Registry.json().valueToTree(layer);
        kindling.remove(List.of("type", "input_dim", "input_shape"));
        ObjectNode config = JSON.objectNode();
        config.put("name", name);
        config.put("trainable", true);
        config.set("dtype", dtypePolicy());
        config.setAll(kindling);
        if (builtIn) {
            switch (className) {
                case "Dense" -> weighted(config);
                case "Conv2D" -> {
                    config.put("data_format", "channels_last");
                    config.putArray("dilation_rate").add(1).add(1);
                    config.put("groups", 1);
                    weighted(config);
                    config.putNull("activity_regularizer");
                }
                case "MaxPooling2D", "AveragePooling2D", "Flatten" -> config.put("data_format", "channels_last");
                case "GlobalAveragePooling2D" -> {
                    config.put("data_format", "channels_last");
                    config.put("keepdims", false);
                }
                case "Dropout" -> {
                    config.putNull("seed");
                    config.putNull("noise_shape");
                }
                default -> throw new IllegalStateException(className);
            }
        }
        ObjectNode entry = JSON.objectNode();
        entry.put("module", builtIn ? "keras.layers" : null);
        entry.put("class_name", className);
        entry.set("config", config);
        if (builtIn) {
            entry.putNull("registered_name");
        } else {
            entry.put("registered_name", KINDLING_PREFIX + registered);
        }
        // Keras's layers that are built at construction (poolings, Dropout) record no build_config.
        if (!(builtIn && BUILT_AT_INIT.contains(className))) {
            entry.putObject("build_config").set("input_shape", KerasFile.batchShape(inputShape));
        }
        return entry;
    }

    private static void weighted(ObjectNode config) {
        config.put("use_bias", true);
        config.set("kernel_initializer", initializer("GlorotUniform"));
        config.set("bias_initializer", initializer("Zeros"));
        config.set("kernel_regularizer", regularizerToKeras(config.get("kernel_regularizer")));
        config.set("bias_regularizer", regularizerToKeras(config.get("bias_regularizer")));
        config.putNull("kernel_constraint");
        config.putNull("bias_constraint");
    }

    /** Kindling's regularizer names and Keras 3's classes ({@code keras.regularizers}) that compute the same. */
    private static final java.util.Map<String, String> REGULARIZERS = java.util.Map.of("l1", "L1", "l2", "L2",
            "l1_l2", "L1L2");

    /**
     * Keras's entry of a regularizer from Kindling's JSON form ({@code {"type": "l2", "l2": 0.001}} becomes
     * {@code {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.001}, ...}}); null stays null. A
     * regularizer of one's own is written as layers of one's own are, with {@code registered_name = "kindling>name"}.
     */
    private static JsonNode regularizerToKeras(JsonNode kindling) {
        if (kindling == null || kindling.isNull()) {
            return JSON.nullNode();
        }
        ObjectNode fields = ((ObjectNode) kindling).deepCopy();
        String type = fields.remove("type").asText();
        String builtIn = REGULARIZERS.get(type);
        ObjectNode r = JSON.objectNode();
        r.put("module", builtIn != null ? "keras.regularizers" : null);
        r.put("class_name", builtIn != null ? builtIn : type);
        r.set("config", fields);
        if (builtIn != null) {
            r.putNull("registered_name");
        } else {
            r.put("registered_name", KINDLING_PREFIX + type);
        }
        return r;
    }

    /** Kindling's JSON form of Keras's entry of a regularizer, the inverse of {@link #regularizerToKeras}. */
    private static JsonNode regularizerFromKeras(JsonNode keras, String key) {
        if (keras == null || keras.isNull()) {
            return null;
        }
        String className = keras.path("class_name").asText();
        String registered = keras.path("registered_name").asText("");
        String type;
        if (registered.startsWith(KINDLING_PREFIX)) {
            type = registered.substring(KINDLING_PREFIX.length());
        } else {
            type = REGULARIZERS.entrySet().stream().filter(e -> e.getValue().equals(className))
                    .map(java.util.Map.Entry::getKey).findFirst().orElseThrow(() -> new IllegalArgumentException(key
                            + " " + keras + ": Kindling has no regularizer like Keras's " + className + " (it reads L1,"
                            + " L2, L1L2, and kinds of one's own saved by Kindling)"));
        }
        ObjectNode kindling = JSON.objectNode();
        kindling.put("type", type);
        keras.path("config").properties().forEach(e -> kindling.set(e.getKey(), e.getValue()));
        return kindling;
    }

    /**
     * The Kindling layer of a Keras entry: a built-in class name, or a kind of one's own by its
     * {@code kindling>name}. Options Kindling does not compute fail here, naming the option.
     *
     * @param declaredInput the model's input sample shape if this is its first layer, else null
     */
    static Layer fromKeras(JsonNode entry, Shape declaredInput) {
        String className = entry.path("class_name").asText();
        String registered = entry.path("registered_name").asText("");
        String kindName;
        if (registered.startsWith(KINDLING_PREFIX)) {
            kindName = registered.substring(KINDLING_PREFIX.length());
        } else if (BUILT_IN.contains(className)) {
            kindName = KerasFile.snakeCase(className);
        } else {
            throw new IllegalArgumentException("Kindling has no layer like Keras's " + className + " (it reads "
                    + String.join(", ", BUILT_IN) + ", and kinds of one's own saved by Kindling)");
        }
        Class<? extends Layer> type = Registry.layerType(kindName);
        if (type == null) {
            throw new IllegalArgumentException("no layer kind is registered as '" + kindName + "'");
        }
        JsonNode config = entry.path("config");
        require(config, "use_bias", JSON.booleanNode(true));
        require(config, "data_format", JSON.textNode("channels_last"));
        require(config, "groups", JSON.numberNode(1));
        require(config, "keepdims", JSON.booleanNode(false));
        JsonNode dilation = config.path("dilation_rate");
        if (!dilation.isMissingNode() && !dilation.isNull()) {
            for (JsonNode d : dilation.isArray() ? dilation : JSON.arrayNode().add(dilation)) {
                if (d.asInt() != 1) {
                    throw new IllegalArgumentException("dilation_rate " + dilation + " is not supported (1 only)");
                }
            }
        }
        if (config.path("activation").isObject()) {
            throw new IllegalArgumentException("activation " + config.path("activation") + " is not one of Kindling's"
                    + " (linear, relu, sigmoid, tanh, softmax)");
        }
        ObjectNode kindling = ((ObjectNode) config.deepCopy());
        JsonNode kernelRegularizer = regularizerFromKeras(config.get("kernel_regularizer"), "kernel_regularizer");
        JsonNode biasRegularizer = regularizerFromKeras(config.get("bias_regularizer"), "bias_regularizer");
        for (String keras : List.of("name", "trainable", "dtype", "use_bias", "data_format", "dilation_rate", "groups",
                "keepdims", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                "activity_regularizer", "kernel_constraint", "bias_constraint", "seed", "noise_shape",
                "quantization_config", "lora_rank", "lora_alpha")) {
            kindling.remove(keras);
        }
        if (kernelRegularizer != null) {
            kindling.set("kernel_regularizer", kernelRegularizer);
        }
        if (biasRegularizer != null) {
            kindling.set("bias_regularizer", biasRegularizer);
        }
        ObjectMapper mapper = KerasFile.lenientLayers();
        kindling.put("type", kindName);
        if (declaredInput != null) {
            // The first layer declares the model's input shape, as Kindling's own models do (and save).
            if (kindName.equals("dense") && declaredInput.rank() == 1) {
                kindling.put("input_dim", declaredInput.dim(0));
            } else if (kindName.equals("conv2d") || kindName.equals("flatten")) {
                kindling.set("input_shape", sample(declaredInput));
            }
        }
        try {
            return mapper.treeToValue(kindling, Layer.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read its config " + config + ": " + e.getOriginalMessage(), e);
        }
    }

    private static com.fasterxml.jackson.databind.node.ArrayNode sample(Shape shape) {
        com.fasterxml.jackson.databind.node.ArrayNode a = JSON.arrayNode();
        for (int d : shape.dims()) {
            a.add(d);
        }
        return a;
    }

    /** A Keras option Kindling computes only at this value: absent or equal, else an error naming it. */
    private static void require(JsonNode config, String key, JsonNode only) {
        JsonNode v = config.path(key);
        if (!v.isMissingNode() && !v.isNull() && !v.equals(only) && !(v.isNumber() && only.isNumber()
                && v.asDouble() == only.asDouble())) {
            throw new IllegalArgumentException(key + " " + v + " is not supported (Kindling computes " + key + " = "
                    + only + " only)");
        }
    }
}
