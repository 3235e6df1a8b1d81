// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.keras;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.CompileConfig;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.ParameterLayout;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Keras 3's own model file, {@code .keras} (what {@code save_model} writes and {@code load_model} reads in Python's
 * Keras and R's keras3): a zip of
 * <ul>
 *   <li>{@code metadata.json}: {@code {"keras_version": ..., "date_saved": ...}};</li>
 *   <li>{@code config.json}: the model as {@code serialize_keras_object} writes it, a {@code Sequential} whose
 *       {@code layers} start with an {@code InputLayer} ({@code batch_shape: [null, ...]}), each layer
 *       {@code {"module", "class_name", "config", "registered_name", "build_config"}};</li>
 *   <li>{@code model.weights.h5}: the weights in HDF5, layer {@code i}'s {@code j}-th variable at
 *       {@code layers/<snake_case(class name), numbered per class>/vars/<j>} (a group with attribute {@code name}
 *       for each layer with weights), in Keras's shapes: Dense kernel {@code (in, units)}, Conv2D
 *       kernel {@code (kh, kw, in, filters)}, biases {@code (units)}; Kindling's shapes are the same.</li>
 * </ul>
 * Written: architecture and weights, float32. Not written: the compile configuration and the optimizer's state
 * (compile again after loading). Read: the same, from Kindling or from Keras, for the layer kinds Kindling has
 * ({@code Dense}, {@code Dropout}, {@code Conv2D}, {@code MaxPooling2D}, {@code AveragePooling2D},
 * {@code GlobalAveragePooling2D}, {@code Flatten}), and Keras's {@code compile_config} when its optimizer, loss and
 * metrics are known to the registry; anything Kindling cannot compute the same way (a dilation, {@code use_bias =
 * false}, channels-first data) fails naming the layer.
 */
public final class KerasFile {
    static final String CONFIG = "config.json";
    static final String METADATA = "metadata.json";
    static final String WEIGHTS = "model.weights.h5";
    /** The Keras release whose layout this follows (checked against a file written by Keras 3.15.1). */
    static final String KERAS_VERSION = "3.15.1";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private KerasFile() {
    }

    // ---- writing ------------------------------------------------------------------------------------------

    /** Writes {@code network} with {@code weights} as a {@code .keras} zip to {@code out} (not closed). */
    public static void write(Network network, Tensor weights, OutputStream out) throws IOException {
        ObjectNode config = config(network);
        byte[] h5 = weightsH5(network, weights);
        ZipOutputStream zip = new ZipOutputStream(out);
        put(zip, METADATA, MAPPER.writeValueAsBytes(metadata()));
        put(zip, CONFIG, MAPPER.writeValueAsBytes(config));
        put(zip, WEIGHTS, h5);
        zip.finish();
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    static ObjectNode metadata() {
        ObjectNode m = JSON.objectNode();
        m.put("keras_version", KERAS_VERSION);
        m.put("date_saved", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd@HH:mm:ss",
                Locale.ROOT)));
        return m;
    }

    /** The {@code config.json} tree of {@code network}. */
    public static ObjectNode config(Network network) {
        List<Shape> shapes = Network.outputShapes(network.layers(), network.inputShape());
        ArrayNode layers = JSON.arrayNode();
        ObjectNode input = JSON.objectNode();
        input.put("module", "keras.layers");
        input.put("class_name", "InputLayer");
        ObjectNode inputConfig = input.putObject("config");
        inputConfig.set("batch_shape", batchShape(network.inputShape()));
        inputConfig.put("dtype", "float32");
        inputConfig.put("sparse", false);
        inputConfig.put("ragged", false);
        inputConfig.put("name", "input_layer");
        inputConfig.put("optional", false);
        input.putNull("registered_name");
        layers.add(input);
        List<String> names = network.kerasLayerNames();
        for (int i = 0; i < network.layers().size(); i++) {
            layers.add(KerasLayers.toKeras(network.layers().get(i), names.get(i), shapes.get(i)));
        }
        ObjectNode model = JSON.objectNode();
        model.put("module", "keras");
        model.put("class_name", "Sequential");
        ObjectNode c = model.putObject("config");
        c.put("name", "sequential");
        c.put("trainable", true);
        c.set("dtype", KerasLayers.dtypePolicy());
        c.set("layers", layers);
        c.set("build_input_shape", batchShape(network.inputShape()));
        model.putNull("registered_name");
        model.putObject("build_config").set("input_shape", batchShape(network.inputShape()));
        return model;
    }

    static ArrayNode batchShape(Shape sample) {
        ArrayNode a = JSON.arrayNode();
        a.addNull();
        for (int d : sample.dims()) {
            a.add(d);
        }
        return a;
    }

    /**
     * The {@code model.weights.h5} bytes: {@code layers/<name>/vars} (attribute {@code name}) with one float32
     * dataset per weight. Keras also writes an empty {@code vars} group (attribute {@code name}) for the model and
     * for each layer without weights; jhdf (0.9.4 to 0.11.0) writes empty groups that neither it nor h5py can read
     * back, so those are left out: Keras's {@code H5IOStore.get} reads a missing group as an empty store, which is
     * what a layer without weights loads. jhdf writes to a file only, so a temporary file holds it meanwhile.
     */
    static byte[] weightsH5(Network network, Tensor weights) throws IOException {
        ParameterLayout layout = network.layout();
        List<String> names = network.kerasLayerNames();
        Path tmp = Files.createTempFile("kindling-keras-", ".h5");
        try {
            try (WritableHdfFile h5 = HdfFile.write(tmp)) {
                WritableGroup layers = h5.putGroup("layers");
                for (int i = 0; i < network.layers().size(); i++) {
                    List<Tensor> views = layout.views(weights, i);
                    if (views.isEmpty()) {
                        continue;
                    }
                    WritableGroup vars = layers.putGroup(names.get(i)).putGroup("vars");
                    vars.putAttribute("name", names.get(i));
                    for (int j = 0; j < views.size(); j++) {
                        vars.putDataset(Integer.toString(j), nested(views.get(j)));
                    }
                }
            }
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A float32 Java array nested as deep as {@code t}'s rank ({@code float[][]} for a matrix): jhdf's input. */
    static Object nested(Tensor t) {
        int[] dims = t.shape().dims();
        float[] flat = t.toFloatArray();
        if (dims.length == 1) {
            return flat;
        }
        Object array = Array.newInstance(float.class, dims);
        fill(array, dims, 0, flat, 0);
        return array;
    }

    private static int fill(Object array, int[] dims, int axis, float[] flat, int at) {
        if (axis == dims.length - 1) {
            System.arraycopy(flat, at, array, 0, dims[axis]);
            return at + dims[axis];
        }
        for (int i = 0; i < dims[axis]; i++) {
            at = fill(Array.get(array, i), dims, axis + 1, flat, at);
        }
        return at;
    }

    // ---- reading ------------------------------------------------------------------------------------------

    /**
     * A model from a {@code .keras} file: its layers, its weights, and compiled when the file's
     * {@code compile_config} names an optimizer, a loss and metrics the registry knows.
     *
     * @param source names the file in error messages
     * @throws IllegalArgumentException naming the layer or entry that Kindling cannot read
     */
    public static Sequential read(InputStream in, String source) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        ZipInputStream zip = new ZipInputStream(in);
        for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
            entries.put(e.getName(), zip.readAllBytes());
        }
        for (String required : List.of(CONFIG, WEIGHTS)) {
            if (!entries.containsKey(required)) {
                throw new IllegalArgumentException(source + ": not a .keras file, no " + required + " in it (entries "
                        + entries.keySet() + ")");
            }
        }
        JsonNode config = MAPPER.readTree(entries.get(CONFIG));
        if (!"Sequential".equals(config.path("class_name").asText())) {
            throw new IllegalArgumentException(source + ": Kindling reads Sequential models, this one is a "
                    + config.path("class_name").asText());
        }
        Shape inputShape = null;
        List<Layer> layers = new ArrayList<>();
        List<String> classNames = new ArrayList<>();
        for (JsonNode layer : config.path("config").path("layers")) {
            String className = layer.path("class_name").asText();
            if (className.equals("InputLayer")) {
                inputShape = sampleShape(layer.path("config").path("batch_shape"), source);
                continue;
            }
            if (inputShape == null && layer.path("build_config").has("input_shape")) {
                inputShape = sampleShape(layer.path("build_config").path("input_shape"), source);
            }
            try {
                layers.add(KerasLayers.fromKeras(layer, layers.isEmpty() ? inputShape : null));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": layer " + (layers.size() + 1) + " ("
                        + className + " '" + layer.path("config").path("name").asText() + "'): " + e.getMessage(), e);
            }
            classNames.add(className);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(source + ": the model has no layers");
        }
        if (inputShape == null && config.path("config").has("build_input_shape")) {
            inputShape = sampleShape(config.path("config").path("build_input_shape"), source);
        }
        if (inputShape == null) {
            throw new IllegalArgumentException(source + ": the model declares no input shape (no InputLayer, no"
                    + " build_config): Kindling builds its weights from it");
        }
        Sequential model = new Sequential(layers);
        model.build(inputShape);
        model.setWeights(readWeights(model.network(), HdfFile.fromBytes(entries.get(WEIGHTS)), classNames, source));
        CompileConfig compiled = compileConfig(config.path("compile_config"));
        if (compiled != null) {
            model.compile(compiled.optimizer(), compiled.loss(), compiled.metrics().toArray(new Metric[0]));
        }
        return model;
    }

    private static Shape sampleShape(JsonNode batchShape, String source) {
        if (!batchShape.isArray() || batchShape.size() < 2) {
            throw new IllegalArgumentException(source + ": expected a batch shape [null, ...], got " + batchShape);
        }
        int[] dims = new int[batchShape.size() - 1];
        for (int i = 1; i < batchShape.size(); i++) {
            if (!batchShape.get(i).canConvertToInt() || batchShape.get(i).asInt() <= 0) {
                throw new IllegalArgumentException(source + ": input shape " + batchShape + " has a dimension that is"
                        + " not a positive integer; Kindling needs every sample dimension fixed");
            }
            dims[i - 1] = batchShape.get(i).asInt();
        }
        return Shape.of(dims);
    }

    /** Keras's weight paths: the class name in snake case, numbered per class in the order of the layers. */
    static List<String> weightPaths(List<String> classNames) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> paths = new ArrayList<>();
        for (String className : classNames) {
            String base = snakeCase(className);
            int n = seen.merge(base, 1, Integer::sum) - 1;
            paths.add("layers/" + (n == 0 ? base : base + "_" + n));
        }
        return paths;
    }

    /** Keras's {@code to_snake_case}: {@code MaxPooling2D -> max_pooling2d}. */
    static String snakeCase(String className) {
        String s = className.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static Tensor readWeights(Network network, HdfFile h5, List<String> classNames, String source) {
        try (h5) {
            ParameterLayout layout = network.layout();
            Tensor flat = Tensor.zeros(network.dtype(), layout.size());
            List<String> paths = weightPaths(classNames);
            for (ParameterLayout.Entry e : layout.entries()) {
                String path = paths.get(e.layerIndex()) + "/vars/" + indexWithinLayer(layout, e);
                Node node;
                try {
                    node = h5.getByPath(path);
                } catch (RuntimeException missing) {
                    throw new IllegalArgumentException(source + ": " + WEIGHTS + " has no " + path + " (layer "
                            + (e.layerIndex() + 1) + "'s " + e.name() + ", shape " + e.shape() + ")", missing);
                }
                if (!(node instanceof Dataset dataset)) {
                    throw new IllegalArgumentException(source + ": " + path + " is not a dataset");
                }
                int[] dims = dataset.getDimensions();
                if (!Shape.of(dims).equals(e.shape())) {
                    throw new IllegalArgumentException(source + ": " + path + " (layer " + (e.layerIndex() + 1) + "'s "
                            + e.name() + ") has shape " + Shape.of(dims) + ", the layer needs " + e.shape());
                }
                Object data = dataset.getDataFlat();
                Tensor view = layout.views(flat, e.layerIndex()).get(indexWithinLayer(layout, e));
                if (data instanceof float[] f) {
                    view.assignInPlace(Tensor.of(f, dims));
                } else if (data instanceof double[] d) {
                    view.assignInPlace(Tensor.of(d, dims).astype(network.dtype()));
                } else {
                    throw new IllegalArgumentException(source + ": " + path + " holds " + dataset.getJavaType()
                            + ", expected float32 or float64 numbers");
                }
            }
            return flat;
        }
    }

    private static int indexWithinLayer(ParameterLayout layout, ParameterLayout.Entry entry) {
        int j = 0;
        for (ParameterLayout.Entry e : layout.entries()) {
            if (e == entry) {
                return j;
            }
            if (e.layerIndex() == entry.layerIndex()) {
                j++;
            }
        }
        throw new IllegalStateException("entry not in layout");
    }

    /** Keras's {@code compile_config}, if its optimizer, loss and metrics are all known here; else null. */
    static CompileConfig compileConfig(JsonNode c) {
        if (c == null || c.isMissingNode() || c.isNull() || !c.has("loss") || !c.path("loss").isTextual()) {
            return null;
        }
        Loss loss = Registry.lossOrNull(c.path("loss").asText());
        JsonNode opt = c.path("optimizer");
        String optName = opt.isTextual() ? opt.asText() : opt.path("class_name").asText();
        Optimizer optimizer = Registry.optimizerDefaults(optName);
        if (loss == null || optimizer == null) {
            return null;
        }
        if (opt.path("config").path("learning_rate").isNumber()) {
            // Keras stores a float32 rate (0.0010000000474974513): round back to the float the user wrote.
            optimizer = optimizer.withLearningRate(Double.parseDouble(Float.toString(
                    (float) opt.path("config").path("learning_rate").asDouble())));
        }
        List<Metric> metrics = new ArrayList<>();
        for (Iterator<JsonNode> it = c.path("metrics").elements(); it.hasNext(); ) {
            JsonNode m = it.next();
            Metric metric = m.isTextual() ? Registry.metricOrNull(m.asText()) : null;
            if (metric == null) {
                return null;
            }
            metrics.add(metric);
        }
        return new CompileConfig(optimizer, loss, metrics);
    }

    /** A mapper like the registry's but lenient: Keras's configs carry keys Kindling checks itself, then drops. */
    static ObjectMapper lenientLayers() {
        return Registry.json().copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }
}
