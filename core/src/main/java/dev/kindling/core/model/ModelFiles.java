// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.BuildInfo;
import dev.kindling.core.io.LocalFiles;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.OptimizerState;
import dev.kindling.core.registry.Binder;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The saved-model file: a zip holding {@code model.json} (format version, architecture with its input shape,
 * compile configuration, sizes, and under {@code writtenBy} the Kindling version and commit that wrote it),
 * {@code weights.bin} (the flat weight vector) and, once trained, {@code optimizer.bin} (the optimizer state's slot
 * vectors). Binary entries are big-endian IEEE numbers of the model's dtype, so a round trip is exact.
 * {@code model.json} also counts the epochs trained, so a loaded model goes on with the next epoch, and holds
 * {@code trainable}, one flag per layer (absent in files written before frozen layers: all trainable); the
 * optimizer's slots then hold the trainable weights' values only. A model trained on string labels has
 * {@code classes.json}, the name of each class index. A file on disk is
 * written through {@link LocalFiles#writeAtomically}; a checkpoint is a model file with more entries.
 */
final class ModelFiles {
    static final String FORMAT = "kindling-model";
    static final int VERSION = 1;
    private static final String MODEL_JSON = "model.json";
    private static final String WEIGHTS = "weights.bin";
    private static final String OPTIMIZER = "optimizer.bin";
    /** The class names, a JSON array of strings; only in files of models trained on string labels. */
    static final String CLASSES = "classes.json";

    private ModelFiles() {
    }

    /** The parts of a model file, plus any further entries a checkpoint adds. */
    record Parts(Network network, Tensor weights, CompileConfig compiled, OptimizerState state, int epochsTrained,
                 Map<String, byte[]> entries) {
    }

    /**
     * A model file names each kind by its registered name; one that is not registered could be written but not
     * read back, so it fails here, before anything is written.
     */
    static void requireRegistered(Network network, CompileConfig compiled) {
        for (int i = 0; i < network.layers().size(); i++) {
            Class<?> type = network.layers().get(i).getClass();
            if (Registry.layerName(type) == null) {
                throw new IllegalArgumentException("layer " + (i + 1) + " (" + type.getSimpleName() + ") is not"
                        + " registered, so a model file could not name it: call Registry.layer(\"my_layer\", "
                        + type.getSimpleName() + ".class) first");
            }
        }
        if (compiled != null) {
            if (Registry.lossOrNull(compiled.loss().keyword()) == null) {
                throw new IllegalArgumentException("the loss '" + compiled.loss().keyword() + "' is not registered,"
                        + " so a model file could not name it: call Registry.loss(\"" + compiled.loss().keyword()
                        + "\", ...) first");
            }
            for (Metric m : compiled.metrics()) {
                try {
                    Registry.metric(m.keyword());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("the metric '" + m.keyword() + "' is not registered, so a"
                            + " model file could not name it: call Registry.metric(\"" + m.keyword() + "\", ...)"
                            + " first", e);
                }
            }
            Class<?> optimizer = compiled.optimizer().getClass();
            if (Registry.optimizerName(optimizer) == null) {
                throw new IllegalArgumentException("the optimizer " + optimizer.getSimpleName() + " is not"
                        + " registered, so a model file could not name it: call Registry.optimizer(...) first");
            }
        }
    }

    /**
     * Writes a model file to a stream, with further named entries (a checkpoint's position); does not close
     * {@code out}. {@code level} is the zip's deflate level: checkpoints use a fast one.
     */
    static void write(OutputStream out, Network network, Tensor weights, CompileConfig compiled, OptimizerState state,
                      int epochsTrained, Map<String, byte[]> extra, int level) throws IOException {
        requireRegistered(network, compiled);
        ObjectNode json = Registry.json().createObjectNode();
        json.put("format", FORMAT);
        json.put("version", VERSION);
        json.put("dtype", network.dtype().keyword());
        // inputShape since convolutions; inputDim (its size) stays, and is all that files written before have.
        json.set("inputShape", Registry.json().valueToTree(network.inputShape()));
        json.put("inputDim", network.inputDim());
        // An array, not a List: Jackson keeps the element type, and with it each layer's "type" id.
        json.set("layers", Registry.json().valueToTree(network.layers().toArray(new Layer[0])));
        json.set("trainable", Registry.json().valueToTree(network.trainable()));
        json.put("parameters", weights.size());
        json.put("epochsTrained", epochsTrained);
        // Which Kindling wrote the file; informational, reading does not depend on it.
        BuildInfo build = BuildInfo.current();
        ObjectNode writtenBy = json.putObject("writtenBy");
        writtenBy.put("kindling", build.version());
        build.commit().ifPresent(commit -> writtenBy.put("commit", commit).put("uncommittedChanges", build.dirty()));
        if (compiled != null) {
            ObjectNode compile = json.putObject("compile");
            compile.set("optimizer", Registry.json().valueToTree(compiled.optimizer()));
            compile.put("loss", compiled.loss().keyword());
            compile.set("metrics", Registry.json().valueToTree(compiled.metrics().stream().map(Metric::keyword).toList()));
        }
        if (state != null) {
            ObjectNode s = json.putObject("optimizerState");
            s.put("iterations", state.iterations());
            s.put("slots", state.slots().size());
        }
        ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(new FilterOutputStream(out) {
            @Override
            public void close() throws IOException {
                flush(); // the caller owns the stream
            }
        }, 1 << 16));
        zip.setLevel(level);
        zip.putNextEntry(new ZipEntry(MODEL_JSON));
        zip.write(Registry.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
        zip.closeEntry();
        zip.putNextEntry(new ZipEntry(WEIGHTS));
        writeNumbers(zip, weights);
        zip.closeEntry();
        if (state != null) {
            zip.putNextEntry(new ZipEntry(OPTIMIZER));
            for (Tensor slot : state.slots()) {
                writeNumbers(zip, slot);
            }
            zip.closeEntry();
        }
        for (Map.Entry<String, byte[]> e : extra.entrySet()) {
            zip.putNextEntry(new ZipEntry(e.getKey()));
            zip.write(e.getValue());
            zip.closeEntry();
        }
        zip.close();
    }

    static Sequential read(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, path.toString());
        }
    }

    static Sequential read(InputStream in, String source) throws IOException {
        Parts p = readParts(in, source);
        Sequential model = Sequential.restore(p.network(), p.weights(), p.compiled(), p.state(), p.epochsTrained());
        byte[] classes = p.entries().get(CLASSES);
        if (classes != null) {
            try {
                model.classNames(Registry.json().readValue(classes, new TypeReference<List<String>>() { }));
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException(source + ": " + CLASSES + " is not a list of distinct class names ("
                        + e.getMessage() + ")", e);
            }
        }
        return model;
    }

    /** The {@link #CLASSES} entry for {@code names}, or no entry for null. */
    static Map<String, byte[]> classEntries(List<String> names) throws IOException {
        return names == null ? Map.of() : Map.of(CLASSES, Registry.json().writeValueAsBytes(names));
    }

    /**
     * Reads and checks every part of a model file; {@code source} names it in messages. A truncated or corrupt
     * file (a torn write) fails here: the zip's entries carry CRCs and the sizes are checked against model.json.
     */
    static Parts readParts(InputStream in, String source) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(in))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (IOException e) {
            throw new IOException(source + ": not a readable Kindling model file (" + e.getMessage() + ")", e);
        }
        byte[] modelJson = require(entries, source, MODEL_JSON);
        JsonNode json;
        try {
            json = Registry.json().readTree(modelJson);
        } catch (IOException e) {
            throw new IOException(source + ": " + MODEL_JSON + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        String format = json.path("format").asText();
        int version = json.path("version").asInt(-1);
        if (!FORMAT.equals(format) || version != VERSION) {
            throw new IOException(source + ": " + MODEL_JSON + " has format '" + format + "' version " + version
                    + ", expected '" + FORMAT + "' version " + VERSION);
        }
        Network network;
        try {
            DType dtype = DType.fromKeyword(json.path("dtype").asText());
            List<Layer> layers = layers(json.path("layers"));
            List<Boolean> trainable = json.has("trainable") ? Registry.json().convertValue(json.get("trainable"),
                    new TypeReference<List<Boolean>>() { }) : null;
            network = new Network(layers, inputShape(json), dtype, trainable);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": invalid architecture in " + MODEL_JSON + ": " + e.getMessage(), e);
        }
        int size = network.layout().size();
        if (json.path("parameters").asInt(-1) != size) {
            throw new IOException(source + ": " + MODEL_JSON + " declares " + json.path("parameters").asInt(-1)
                    + " parameters, the architecture has " + size);
        }
        Tensor weights = readNumbers(require(entries, source, WEIGHTS), source, WEIGHTS, network.dtype(), 1, size)
                .get(0);

        CompileConfig compiled = null;
        if (json.has("compile")) {
            JsonNode c = json.get("compile");
            try {
                List<Metric> metrics = new ArrayList<>();
                for (JsonNode m : c.path("metrics")) {
                    metrics.add(Registry.metric(m.asText()));
                }
                compiled = new CompileConfig(bind(c.path("optimizer"), "compile.optimizer", Optimizer.class,
                        "optimizer", "name", Registry.optimizerNames()), Registry.loss(c.path("loss").asText()), metrics);
            } catch (IllegalArgumentException e) {
                throw new IOException(source + ": invalid compile configuration in " + MODEL_JSON + ": "
                        + e.getMessage(), e);
            }
        }
        OptimizerState state = null;
        if (json.has("optimizerState")) {
            JsonNode s = json.get("optimizerState");
            int slots = s.path("slots").asInt();
            List<Tensor> slotTensors = readNumbers(require(entries, source, OPTIMIZER), source, OPTIMIZER,
                    network.dtype(), slots, network.trainableWeights().size());
            state = new OptimizerState(s.path("iterations").asLong(), slotTensors);
        }
        // Files written before epochs were counted hold no "epochsTrained": they continue from epoch 1.
        int epochsTrained = json.path("epochsTrained").asInt(0);
        return new Parts(network, weights, compiled, state, epochsTrained, entries);
    }

    /**
     * The layers of a model file, each bound through the registry by the {@link Binder} that binds a job file's: a
     * layer type this JVM has not registered (a custom layer saved elsewhere) is named with the ones it knows.
     *
     * @throws IllegalArgumentException naming each layer that does not bind, at its key
     */
    private static List<Layer> layers(JsonNode list) {
        if (!list.isArray()) {
            throw new IllegalArgumentException("layers: missing");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            layers.add(bind(list.get(i), "layers[" + i + "]", Layer.class, "layer", "type", Registry.layerNames()));
        }
        return layers;
    }

    /** One registered kind of a model file, bound as a job file's; its problems in one line. */
    private static <T> T bind(JsonNode node, String key, Class<T> type, String kind, String idProperty,
                              java.util.Collection<String> names) {
        List<String> problems = new ArrayList<>();
        T bound = node instanceof ObjectNode object ? new Binder((k, message) -> problems.add(k + ": " + message),
                false).kind(object, key, type, kind, idProperty, null, names) : null;
        if (bound == null) {
            String message = problems.isEmpty() ? key + ": expected a " + kind + " object, got "
                    + Binder.describe(node) : String.join("; ", problems);
            throw new IllegalArgumentException(message + (message.contains("unknown " + kind)
                    ? " (register your own kinds before loading: docs/training.md)" : ""));
        }
        return bound;
    }

    /** {@code inputShape} if the file has it, else the flat {@code inputDim} of files written before it existed. */
    private static Shape inputShape(JsonNode json) {
        if (!json.has("inputShape")) {
            return Shape.of(json.path("inputDim").asInt());
        }
        Shape shape = Registry.json().convertValue(json.get("inputShape"), Shape.class);
        if (json.has("inputDim") && json.get("inputDim").asInt() != shape.size()) {
            throw new IllegalArgumentException("inputShape " + shape + " has " + shape.size()
                    + " values but inputDim is " + json.get("inputDim").asInt());
        }
        return shape;
    }

    static byte[] require(Map<String, byte[]> entries, String source, String name) throws IOException {
        byte[] bytes = entries.get(name);
        if (bytes == null) {
            throw new IOException(source + ": entry " + name + " is missing; entries are " + entries.keySet());
        }
        return bytes;
    }

    /** Big-endian IEEE numbers of the tensor's dtype, converted in bulk (no per-element stream calls). */
    private static void writeNumbers(OutputStream out, Tensor t) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(t.size() * t.dtype().bytes());
        if (t.dtype() == DType.FLOAT32) {
            bytes.asFloatBuffer().put(t.toFloatArray());
        } else {
            bytes.asDoubleBuffer().put(t.toDoubleArray());
        }
        out.write(bytes.array());
    }

    /** Reads {@code count} vectors of {@code size} numbers; the entry must hold exactly that many bytes. */
    private static List<Tensor> readNumbers(byte[] bytes, String path, String entry, DType dtype, int count, int size)
            throws IOException {
        long expected = (long) count * size * dtype.bytes();
        if (bytes.length != expected) {
            throw new IOException(path + ": entry " + entry + " has " + bytes.length + " bytes, expected " + expected
                    + " (" + count + " x " + size + " " + dtype + " values)");
        }
        List<Tensor> out = new ArrayList<>(count);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        for (int c = 0; c < count; c++) {
            if (dtype == DType.FLOAT32) {
                float[] values = new float[size];
                buffer.asFloatBuffer().get(values);
                out.add(Tensor.of(values, size));
            } else {
                double[] values = new double[size];
                buffer.asDoubleBuffer().get(values);
                out.add(Tensor.of(values, size));
            }
            buffer.position(buffer.position() + size * dtype.bytes());
        }
        return out;
    }
}
