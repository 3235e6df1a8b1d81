package dev.kindling.core.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.OptimizerState;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The saved-model file: a zip holding {@code model.json} (format version, architecture with its input shape,
 * compile configuration, sizes), {@code weights.bin} (the flat weight vector) and, once trained, {@code optimizer.bin} (the optimizer
 * state's slot vectors). Binary entries are big-endian IEEE numbers of the model's dtype, so a round trip is
 * exact. Writes go to a temporary file in the same directory that is then atomically moved into place.
 */
final class ModelFiles {
    static final String FORMAT = "kindling-model";
    static final int VERSION = 1;
    private static final String MODEL_JSON = "model.json";
    private static final String WEIGHTS = "weights.bin";
    private static final String OPTIMIZER = "optimizer.bin";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelFiles() {
    }

    static void write(Path path, Network network, Tensor weights, CompileConfig compiled, OptimizerState state)
            throws IOException {
        ObjectNode json = JSON.createObjectNode();
        json.put("format", FORMAT);
        json.put("version", VERSION);
        json.put("dtype", network.dtype().keyword());
        // inputShape since convolutions; inputDim (its size) stays, and is all that files written before have.
        json.set("inputShape", JSON.valueToTree(network.inputShape()));
        json.put("inputDim", network.inputDim());
        // An array, not a List: Jackson keeps the element type, and with it each layer's "type" id.
        json.set("layers", JSON.valueToTree(network.layers().toArray(new Layer[0])));
        json.put("parameters", weights.size());
        if (compiled != null) {
            ObjectNode compile = json.putObject("compile");
            compile.set("optimizer", JSON.valueToTree(compiled.optimizer()));
            compile.put("loss", compiled.loss().keyword());
            compile.set("metrics", JSON.valueToTree(compiled.metrics()));
        }
        if (state != null) {
            ObjectNode s = json.putObject("optimizerState");
            s.put("iterations", state.iterations());
            s.put("slots", state.slots().size());
        }

        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName() + ".", ".tmp");
        try {
            try (OutputStream file = Files.newOutputStream(tmp);
                 ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(file))) {
                zip.putNextEntry(new ZipEntry(MODEL_JSON));
                zip.write(JSON.writeValueAsBytes(json));
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
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static Sequential read(Path path) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(Files.newInputStream(path)))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (IOException e) {
            throw new IOException(path + ": not a readable Kindling model file (" + e.getMessage() + ")", e);
        }
        byte[] modelJson = require(entries, path, MODEL_JSON);
        JsonNode json = JSON.readTree(modelJson);
        String format = json.path("format").asText();
        int version = json.path("version").asInt(-1);
        if (!FORMAT.equals(format) || version != VERSION) {
            throw new IOException(path + ": " + MODEL_JSON + " has format '" + format + "' version " + version
                    + ", expected '" + FORMAT + "' version " + VERSION);
        }
        Network network;
        try {
            DType dtype = DType.fromKeyword(json.path("dtype").asText());
            List<Layer> layers = JSON.convertValue(json.path("layers"), new TypeReference<List<Layer>>() { });
            network = new Network(layers, inputShape(json), dtype);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": invalid architecture in " + MODEL_JSON + ": " + e.getMessage(), e);
        }
        int size = network.layout().size();
        if (json.path("parameters").asInt(-1) != size) {
            throw new IOException(path + ": " + MODEL_JSON + " declares " + json.path("parameters").asInt(-1)
                    + " parameters, the architecture has " + size);
        }
        Tensor weights = readNumbers(require(entries, path, WEIGHTS), path, WEIGHTS, network.dtype(), 1, size).get(0);

        CompileConfig compiled = null;
        if (json.has("compile")) {
            JsonNode c = json.get("compile");
            try {
                compiled = new CompileConfig(JSON.treeToValue(c.get("optimizer"), Optimizer.class),
                        Loss.fromKeyword(c.path("loss").asText()),
                        JSON.convertValue(c.path("metrics"), new TypeReference<List<Metric>>() { }));
            } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(path + ": invalid compile configuration in " + MODEL_JSON + ": " + e.getMessage(), e);
            }
        }
        OptimizerState state = null;
        if (json.has("optimizerState")) {
            JsonNode s = json.get("optimizerState");
            int slots = s.path("slots").asInt();
            List<Tensor> slotTensors = readNumbers(require(entries, path, OPTIMIZER), path, OPTIMIZER,
                    network.dtype(), slots, size);
            state = new OptimizerState(s.path("iterations").asLong(), slotTensors);
        }
        return Sequential.restore(network, weights, compiled, state);
    }

    /** {@code inputShape} if the file has it, else the flat {@code inputDim} of files written before it existed. */
    private static Shape inputShape(JsonNode json) {
        if (!json.has("inputShape")) {
            return Shape.of(json.path("inputDim").asInt());
        }
        Shape shape = JSON.convertValue(json.get("inputShape"), Shape.class);
        if (json.has("inputDim") && json.get("inputDim").asInt() != shape.size()) {
            throw new IllegalArgumentException("inputShape " + shape + " has " + shape.size()
                    + " values but inputDim is " + json.get("inputDim").asInt());
        }
        return shape;
    }

    private static byte[] require(Map<String, byte[]> entries, Path path, String name) throws IOException {
        byte[] bytes = entries.get(name);
        if (bytes == null) {
            throw new IOException(path + ": entry " + name + " is missing; entries are " + entries.keySet());
        }
        return bytes;
    }

    private static void writeNumbers(OutputStream out, Tensor t) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        for (int i = 0; i < t.size(); i++) {
            if (t.dtype() == DType.FLOAT32) {
                data.writeFloat((float) t.getFlat(i));
            } else {
                data.writeDouble(t.getFlat(i));
            }
        }
        data.flush();
    }

    /** Reads {@code count} vectors of {@code size} numbers; the entry must hold exactly that many bytes. */
    private static List<Tensor> readNumbers(byte[] bytes, Path path, String entry, DType dtype, int count, int size)
            throws IOException {
        long expected = (long) count * size * dtype.bytes();
        if (bytes.length != expected) {
            throw new IOException(path + ": entry " + entry + " has " + bytes.length + " bytes, expected " + expected
                    + " (" + count + " x " + size + " " + dtype + " values)");
        }
        List<Tensor> out = new ArrayList<>(count);
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            for (int c = 0; c < count; c++) {
                Tensor t = Tensor.zeros(dtype, size);
                for (int i = 0; i < size; i++) {
                    t.setFlat(i, dtype == DType.FLOAT32 ? in.readFloat() : in.readDouble());
                }
                out.add(t);
            }
        } catch (EOFException e) {
            throw new IOException(path + ": entry " + entry + " is truncated", e);
        }
        return out;
    }

}
