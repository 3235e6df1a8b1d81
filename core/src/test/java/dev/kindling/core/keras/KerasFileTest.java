// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.TestData;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.AveragePooling2D;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.GlobalAveragePooling2D;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras's {@code .keras} file: Kindling -> {@code .keras} -> Kindling predicts the same, bit for bit; the file's
 * structure is compared with a file written by real Keras 3.15.1 (a test resource, see its README) for the same
 * architecture; and that real file loads and classifies the shipped digits.
 */
class KerasFileTest {
    private static final String REAL_KERAS = "/keras/akshatv25-mnist-cnn.keras";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Tensor images;
    private static Tensor rows;
    private static Tensor labels;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadDigits() throws IOException {
        Mnist mnist = Mnist.load(TestData.mnistDigits());
        images = Mnist.imagesAndScale(mnist.testImages());
        rows = Mnist.flattenAndScale(mnist.testImages());
        labels = mnist.testLabels();
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static byte[] realKeras() throws IOException {
        try (InputStream in = KerasFileTest.class.getResourceAsStream(REAL_KERAS)) {
            assertNotNull(in, REAL_KERAS);
            return in.readAllBytes();
        }
    }

    private static byte[] export(Sequential model) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        model.exportKeras(out);
        return out.toByteArray();
    }

    /** Every group and dataset of an HDF5 file: path -> "group [attrs]" or the dataset's shape and type. */
    private static Map<String, String> h5Tree(byte[] h5) {
        Map<String, String> tree = new TreeMap<>();
        try (HdfFile file = HdfFile.fromBytes(h5)) {
            walk(file, tree);
        }
        return tree;
    }

    private static void walk(Group group, Map<String, String> tree) {
        for (Node child : group.getChildren().values()) {
            String path = child.getPath().replaceAll("^/", "");
            if (child instanceof Group g) {
                Map<String, Object> attrs = new TreeMap<>();
                g.getAttributes().forEach((k, v) -> attrs.put(k, v.getData()));
                tree.put(path, "group " + attrs);
                walk(g, tree);
            } else if (child instanceof Dataset d) {
                tree.put(path, "dataset " + Shape.of(d.getDimensions()) + " " + d.getJavaType().getSimpleName());
            }
        }
    }

    private static void assertSamePredictions(Sequential expected, Sequential actual, Tensor x) {
        assertArrayEquals(expected.predict(x).toFloatArray(), actual.predict(x).toFloatArray(),
                "predictions after the round trip");
    }

    @Test
    void roundTripOfTheFourModelsPredictsTheSame() throws IOException {
        Sequential seed = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX));
        Sequential binary = new Sequential(new Dense(64, Activation.RELU, 784), new Dense(1, Activation.SIGMOID));
        Sequential regression = new Sequential(new Dense(64, Activation.TANH, 784), new Dense(1));
        Sequential convnet = Convnet.chapter5(1);
        for (Sequential model : List.of(seed, binary, regression)) {
            Path file = dir.resolve("model.keras");
            model.exportKeras(file);
            Sequential back = Sequential.loadKeras(file);
            assertEquals(model.network(), back.network());
            assertArrayEquals(model.weights().toFloatArray(), back.weights().toFloatArray());
            assertSamePredictions(model, back, rows);
        }
        Sequential back = Sequential.loadKeras(new ByteArrayInputStream(export(convnet)), "convnet");
        assertEquals(convnet.network(), back.network());
        assertSamePredictions(convnet, back, images);
    }

    @Test
    void roundTripOfEveryLayerKindAndOption() throws IOException {
        Sequential model = new Sequential(
                new Conv2D(6, 4, 2, 2, 1, Padding.SAME, Activation.TANH, Shape.of(28, 28, 1)),
                new MaxPooling2D(3, 3, 2, 2, Padding.SAME),
                new Conv2D(5, 3, Activation.SIGMOID),
                new AveragePooling2D(2, 3, 2, 3, Padding.VALID),
                new Dropout(0.25),
                new Conv2D(4, 1, Activation.LINEAR),
                new GlobalAveragePooling2D(),
                new Dense(10, Activation.SOFTMAX));
        Sequential back = Sequential.loadKeras(new ByteArrayInputStream(export(model)), "every layer");
        assertEquals(model.network(), back.network());
        assertSamePredictions(model, back, images.slice(0, 0, 200));

        Sequential flat = new Sequential(new Flatten(Shape.of(28, 28, 1)), new Dense(32, Activation.RELU),
                new Dropout(0.5), new Dense(10, Activation.SOFTMAX));
        Sequential flatBack = Sequential.loadKeras(new ByteArrayInputStream(export(flat)), "flatten");
        assertEquals(flat.network(), flatBack.network());
        assertSamePredictions(flat, flatBack, images.slice(0, 0, 200));
    }

    /**
     * Kindling's file for the real file's architecture has the real file's entries, the same HDF5 groups,
     * attributes, dataset paths, shapes and types (but Keras's optimizer state and empty groups), and
     * every layer's config holds the same keys with the same values but for Keras's non-reproducible ids.
     */
    @Test
    void theStructureIsTheStructureKerasWrites() throws IOException {
        Map<String, byte[]> real = unzip(realKeras());
        Sequential same = new Sequential(
                new Conv2D(32, 3, Activation.RELU).withInputShape(28, 28, 1), new MaxPooling2D(2),
                new Conv2D(64, 3, Activation.RELU), new MaxPooling2D(2), new Flatten(), new Dropout(0.3),
                new Dense(128, Activation.RELU), new Dense(10, Activation.SOFTMAX));
        Map<String, byte[]> ours = unzip(export(same));
        assertEquals(real.keySet(), ours.keySet(), "zip entries");

        JsonNode metadata = JSON.readTree(ours.get("metadata.json"));
        assertEquals(fieldNames(JSON.readTree(real.get("metadata.json"))), fieldNames(metadata));
        assertTrue(metadata.path("date_saved").asText().matches("\\d{4}-\\d\\d-\\d\\d@\\d\\d:\\d\\d:\\d\\d"),
                metadata.toString());

        Map<String, String> realTree = h5Tree(real.get("model.weights.h5"));
        // Not written by Kindling: the optimizer's state, and the empty groups (see KerasFile.weightsH5).
        realTree.keySet().removeIf(path -> path.startsWith("optimizer")
                || realTree.keySet().stream().noneMatch(p -> p.startsWith(path) && realTree.get(p).startsWith("dataset")));
        assertEquals(realTree, h5Tree(ours.get("model.weights.h5")));

        JsonNode realConfig = withoutIds(JSON.readTree(real.get("config.json")));
        JsonNode ourConfig = JSON.readTree(ours.get("config.json"));
        ((ObjectNode) realConfig).remove("compile_config");
        JsonNode realLayers = realConfig.path("config").path("layers");
        JsonNode ourLayers = ourConfig.path("config").path("layers");
        assertEquals(realLayers.size(), ourLayers.size());
        for (int i = 0; i < realLayers.size(); i++) {
            JsonNode r = realLayers.get(i);
            JsonNode o = ourLayers.get(i);
            // Keras 3.15 writes keys of newer options (Dense's quantization_config, initializers' input_axes):
            // present in Kindling's file with Keras's value, or absent where they postdate the layout we follow.
            assertEquals(r.path("class_name"), o.path("class_name"));
            for (String key : List.of("module", "registered_name", "build_config")) {
                assertEquals(r.path(key), o.path(key), "layer " + i + " " + key);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = o.path("config").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                JsonNode expected = r.path("config").path(f.getKey());
                if (f.getKey().endsWith("_initializer")) {
                    assertEquals(expected.path("class_name"), f.getValue().path("class_name"), f.getKey());
                    continue;
                }
                assertEquals(expected, f.getValue(), "layer " + i + " (" + r.path("class_name").asText()
                        + ") config " + f.getKey());
            }
            Set<String> missing = new LinkedHashSet<>(fieldNames(r.path("config")));
            missing.removeAll(fieldNames(o.path("config")));
            missing.removeAll(List.of("quantization_config"));
            assertEquals(Set.of(), missing, "layer " + i + " config keys Keras writes and Kindling does not");
        }
        for (String key : List.of("module", "class_name", "registered_name", "build_config")) {
            assertEquals(realConfig.path(key), ourConfig.path(key), key);
        }
        assertEquals(realConfig.path("config").path("build_input_shape"),
                ourConfig.path("config").path("build_input_shape"));
        assertEquals(fieldNames(realConfig.path("config")), fieldNames(ourConfig.path("config")));
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new LinkedHashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return new java.util.TreeSet<>(names);
    }

    /** Keras's {@code shared_object_id}s are object addresses of the saving process: not part of the layout. */
    private static JsonNode withoutIds(JsonNode node) {
        if (node.isObject()) {
            ((ObjectNode) node).remove("shared_object_id");
        }
        node.forEach(KerasFileTest::withoutIds);
        return node;
    }

    /** The file real Keras wrote loads, compiled as Keras compiled it, and classifies the shipped digits. */
    @Test
    void aFileWrittenByRealKerasLoadsAndClassifiesTheDigits() throws IOException {
        Sequential model = Sequential.loadKeras(new ByteArrayInputStream(realKeras()), REAL_KERAS);
        assertEquals(List.of("Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense",
                "Dense"), model.network().layers().stream().map(l -> l.typeName()).toList());
        assertEquals(225_034, model.weights().size(), "Keras's summary of this model: 225,034 parameters");
        assertEquals(Loss.SPARSE_CATEGORICAL_CROSSENTROPY, model.compileConfig().loss());
        assertEquals(Optimizer.adam(0.001), model.compileConfig().optimizer());
        Evaluation result = model.evaluate(images, labels);
        System.out.println("the real Keras file on the 2000 shipped test digits: " + result);
        // The shipped digits are MNIST digits, and the file's model was trained on MNIST's 60,000: a wrong kernel
        // layout or flatten order would fall to chance (about 0.1).
        assertTrue(result.accuracy() > 0.97, "accuracy " + result.accuracy());

        // Kindling -> .keras -> Kindling keeps it exactly, and Kindling's file of it loads again.
        Sequential back = Sequential.loadKeras(new ByteArrayInputStream(export(model)), "re-exported");
        assertSamePredictions(model, back, images.slice(0, 0, 200));
    }

    @Test
    void whatKindlingCannotComputeFailsNamingTheLayer() throws IOException {
        Map<String, byte[]> real = unzip(realKeras());
        ObjectNode config = (ObjectNode) JSON.readTree(real.get("config.json"));
        ObjectNode conv = (ObjectNode) config.path("config").path("layers").get(3).path("config");
        conv.putArray("dilation_rate").add(2).add(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.loadKeras(new ByteArrayInputStream(rezip(real, config)), "dilated.keras"));
        assertTrue(e.getMessage().contains("layer 3 (Conv2D 'conv2d_1')") && e.getMessage().contains("dilation_rate"),
                e.getMessage());

        ObjectNode other = (ObjectNode) JSON.readTree(real.get("config.json"));
        ((ObjectNode) other.path("config").path("layers").get(6)).put("class_name", "BatchNormalization");
        e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.loadKeras(new ByteArrayInputStream(rezip(real, other)), "bn.keras"));
        assertTrue(e.getMessage().contains("BatchNormalization"), e.getMessage());
    }

    private static byte[] rezip(Map<String, byte[]> entries, JsonNode config) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getKey().equals("config.json") ? JSON.writeValueAsBytes(config) : e.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** A layer of a user's own: a weighted per-feature scale, registered under a name of its own. */
    public record Scale(@com.fasterxml.jackson.annotation.JsonProperty("init") double init)
            implements dev.kindling.core.layers.Layer {
        @Override
        public String typeName() {
            return "Scale";
        }

        @Override
        public Shape outputShape(Shape inputShape) {
            return inputShape;
        }

        @Override
        public List<Shape> parameterShapes(Shape inputShape) {
            return List.of(inputShape);
        }

        @Override
        public dev.kindling.core.autodiff.Variable forwardPreActivation(dev.kindling.core.autodiff.Variable input,
                List<dev.kindling.core.autodiff.Variable> parameters, dev.kindling.core.layers.ForwardContext context) {
            return dev.kindling.core.autodiff.Ops.mul(input, parameters.get(0));
        }
    }

    @Test
    void aUsersOwnLayerTravelsUnderItsRegisteredName() throws IOException {
        Sequential model = new Sequential(new Dense(16, Activation.TANH, 784), new Scale(0.5),
                new Dense(10, Activation.SOFTMAX));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> export(model));
        assertTrue(e.getMessage().contains("Scale") && e.getMessage().contains("not registered"), e.getMessage());

        dev.kindling.core.registry.Registry.layer("test_scale", Scale.class);
        Tensor w = model.weights();
        Random rng = new Random(3);
        for (int i = 0; i < w.size(); i++) {
            w.setFlat(i, w.getFlat(i) + rng.nextGaussian() * 0.1);
        }
        model.setWeights(w);
        byte[] file = export(model);
        JsonNode scale = JSON.readTree(unzip(file).get("config.json")).path("config").path("layers").get(2);
        assertEquals("kindling>test_scale", scale.path("registered_name").asText(), scale.toString());
        assertEquals(0.5, scale.path("config").path("init").asDouble());
        Sequential back = Sequential.loadKeras(new ByteArrayInputStream(file), "scale");
        assertEquals(model.network(), back.network());
        assertSamePredictions(model, back, rows.slice(0, 0, 200));
    }

    @Test
    void theWeightsAreFloat32InKerasLayouts() throws IOException {
        Sequential model = Convnet.chapter5(1);
        Map<String, String> tree = h5Tree(unzip(export(model)).get("model.weights.h5"));
        List<String> datasets = new ArrayList<>();
        tree.forEach((path, what) -> {
            if (what.startsWith("dataset")) {
                datasets.add(path + " " + what);
            }
        });
        assertEquals(List.of(
                "layers/conv2d/vars/0 dataset (3, 3, 1, 32) float",
                "layers/conv2d/vars/1 dataset (32,) float",
                "layers/conv2d_1/vars/0 dataset (3, 3, 32, 64) float",
                "layers/conv2d_1/vars/1 dataset (64,) float",
                "layers/conv2d_2/vars/0 dataset (3, 3, 64, 64) float",
                "layers/conv2d_2/vars/1 dataset (64,) float",
                "layers/dense/vars/0 dataset (576, 64) float",
                "layers/dense/vars/1 dataset (64,) float",
                "layers/dense_1/vars/0 dataset (64, 10) float",
                "layers/dense_1/vars/1 dataset (10,) float"), datasets);
    }
}
