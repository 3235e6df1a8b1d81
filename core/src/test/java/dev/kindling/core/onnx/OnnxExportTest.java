// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.kindling.core.TestData;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.AveragePooling2D;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.layers.GlobalAveragePooling2D;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.model.ParameterLayout;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every built-in layer kind, exported and scored by ONNX Runtime, against Kindling's own {@code predict} on real
 * digits (the first {@value #ROWS} of the shipped test set): outputs within {@link OnnxRuntimeCheck#TOLERANCE},
 * the same predicted classes. Weights are the layers' own initializers with random biases (zero biases would
 * hide a bias wired to the wrong axis).
 */
class OnnxExportTest {
    private static final int ROWS = 200;
    private static Tensor images;     // (ROWS, 28, 28, 1) in [0, 1]
    private static Tensor rows;       // (ROWS, 784)

    @TempDir
    Path dir;

    @BeforeAll
    static void loadDigits() throws IOException {
        Mnist mnist = Mnist.load(TestData.mnistDigits());
        images = Mnist.imagesAndScale(mnist.testImages()).slice(0, 0, ROWS);
        rows = Mnist.flattenAndScale(mnist.testImages()).slice(0, 0, ROWS);
    }

    /** The model's initial weights with every bias drawn from U(-0.2, 0.2). */
    private static Sequential withRandomBiases(Sequential model, long seed) {
        Tensor w = model.weights();
        Random rng = new Random(seed);
        for (ParameterLayout.Entry e : model.network().layout().entries()) {
            if (e.shape().rank() == 1) {
                for (int i = 0; i < e.shape().size(); i++) {
                    w.setFlat(e.offset() + i, rng.nextDouble() * 0.4 - 0.2);
                }
            }
        }
        model.setWeights(w);
        return model;
    }

    static Stream<Activation> builtInActivations() {
        return Stream.of(Activation.LINEAR, Activation.RELU, Activation.SIGMOID, Activation.TANH, Activation.SOFTMAX);
    }

    /** An activation of a user's own: a registered kind, with no ONNX form. */
    enum Softsign implements Activation {
        INSTANCE;

        @Override
        public Variable apply(Variable z) {
            return z;   // never run here: the export is refused first
        }

        @Override
        public String keyword() {
            return "test_softsign";
        }
    }

    @Test
    void anActivationWithoutAnOnnxFormFailsNamingItBeforeAnythingIsWritten() throws Exception {
        Registry.activation(Softsign.INSTANCE);
        Sequential model = new Sequential(new Dense(16, Softsign.INSTANCE, 784), new Dense(10, Activation.SOFTMAX));
        Path file = dir.resolve("softsign.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.exportOnnx(file));
        assertTrue(e.getMessage().contains("layer 1 (Dense) uses the activation 'test_softsign'"), e.getMessage());
        assertFalse(Files.exists(file));
    }

    @ParameterizedTest
    @MethodSource("builtInActivations")
    void denseWithEachActivation(Activation activation) throws Exception {
        Sequential model = withRandomBiases(new Sequential(new Dense(32, activation, 784),
                new Dense(10, activation)).seed(3), 4);
        OnnxRuntimeCheck.assertAgrees(model, rows, dir.resolve("dense.onnx"), "Dense(" + activation.keyword() + ")",
                activation != Activation.LINEAR);
    }

    @Test
    void dropoutIsTheIdentity() throws Exception {
        Sequential model = withRandomBiases(new Sequential(new Dense(64, Activation.RELU, 784), new Dropout(0.5),
                new Dense(10, Activation.SOFTMAX)).seed(5), 6);
        OnnxRuntimeCheck.assertAgrees(model, rows, dir.resolve("dropout.onnx"), "Dropout(0.5)");
    }

    static Stream<Arguments> convolutions() {
        return Stream.of(
                Arguments.of(new Conv2D(8, 3, Activation.RELU)),
                Arguments.of(new Conv2D(8, 3, Activation.RELU).withStrides(2, 2)),
                Arguments.of(new Conv2D(8, 3, Activation.TANH).withPadding(Padding.SAME)),
                Arguments.of(new Conv2D(8, 3, Activation.RELU).withStrides(2, 2).withPadding(Padding.SAME)),
                // 28 is not a multiple of 3: same padding splits an odd total, the extra cell at the end.
                Arguments.of(new Conv2D(6, 4, 2, 3, 2, Padding.SAME, Activation.SIGMOID, null)),
                Arguments.of(new Conv2D(6, 5, 5, 3, 3, Padding.VALID, Activation.LINEAR, null)),
                // Softmax over the channels of every pixel: axis 1 in ONNX's NCHW.
                Arguments.of(new Conv2D(4, 3, Activation.SOFTMAX).withPadding(Padding.SAME)));
    }

    @ParameterizedTest
    @MethodSource("convolutions")
    void conv2dWithStridesAndPadding(Conv2D conv) throws Exception {
        Sequential model = withRandomBiases(new Sequential(conv.withInputShape(28, 28, 1),
                new Conv2D(5, 3, 3, 1, 2, Padding.SAME, Activation.RELU, null),
                new Flatten(), new Dense(10, Activation.SOFTMAX)).seed(7), 8);
        OnnxRuntimeCheck.assertAgrees(model, images, dir.resolve("conv.onnx"), conv.toString());
    }

    static Stream<Arguments> poolings() {
        return Stream.of(
                Arguments.of(new MaxPooling2D(2)),
                Arguments.of(new MaxPooling2D(3, 3, 2, 2, Padding.SAME)),
                Arguments.of(new MaxPooling2D(3, 2, 3, 1, Padding.VALID)),
                Arguments.of(new AveragePooling2D(2)),
                // Same padding with a 3x3 window moving by 2 over 26 cells: border windows hold padding cells,
                // which Kindling does not count (ONNX's count_include_pad = 0).
                Arguments.of(new AveragePooling2D(3, 3, 2, 2, Padding.SAME)),
                Arguments.of(new AveragePooling2D(2, 3, 2, 3, Padding.SAME)));
    }

    @ParameterizedTest
    @MethodSource("poolings")
    void poolingsWithStridesAndPadding(Layer pooling) throws Exception {
        Sequential model = withRandomBiases(new Sequential(new Conv2D(6, 3, Activation.RELU).withInputShape(28, 28, 1),
                pooling, new Flatten(), new Dense(10, Activation.SOFTMAX)).seed(9), 10);
        OnnxRuntimeCheck.assertAgrees(model, images, dir.resolve("pool.onnx"), pooling.toString());
    }

    @Test
    void globalAveragePooling() throws Exception {
        Sequential model = withRandomBiases(new Sequential(new Conv2D(12, 3, Activation.RELU).withInputShape(28, 28, 1),
                new GlobalAveragePooling2D(), new Dense(10, Activation.SOFTMAX)).seed(11), 12);
        OnnxRuntimeCheck.assertAgrees(model, images, dir.resolve("gap.onnx"), "GlobalAveragePooling2D");
    }

    @Test
    void flattenOfImagesWithoutConvolution() throws Exception {
        Sequential model = withRandomBiases(new Sequential(new Flatten(Shape.of(28, 28, 1)),
                new Dense(10, Activation.SOFTMAX)).seed(13), 14);
        OnnxRuntimeCheck.assertAgrees(model, images, dir.resolve("flatten.onnx"), "Flatten");
    }

    @Test
    void theFileDeclaresOpset13NamedInputAndOutputAndADynamicBatch() throws Exception {
        Sequential convnet = Convnet.chapter5(1);
        Path file = dir.resolve("convnet.onnx");
        convnet.exportOnnx(file);
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(OnnxExport.OPSET, model.getOpsetImport(0).getVersion());
        assertEquals("input", model.getGraph().getInput(0).getName());
        assertEquals("output", model.getGraph().getOutput(0).getName());
        List<TensorShapeProto.Dimension> in = model.getGraph().getInput(0).getType().getTensorType().getShape()
                .getDimList();
        assertEquals("batch", in.get(0).getDimParam());
        assertEquals(List.of(28L, 28L, 1L), in.subList(1, 4).stream().map(TensorShapeProto.Dimension::getDimValue)
                .toList());
        // Channels last in, one transpose to NCHW before the first Conv and one back before Flatten: the
        // poolings and convolutions between them pass NCHW along.
        long transposes = model.getGraph().getNodeList().stream().map(NodeProto::getOpType)
                .filter("Transpose"::equals).count();
        assertEquals(2, transposes, model.getGraph().getNodeList().stream().map(NodeProto::getName).toList()
                .toString());

        // ONNX Runtime sees the same, and scores batches of any size.
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            NodeInfo input = session.getInputInfo().get("input");
            assertEquals(Arrays.toString(new long[] {-1, 28, 28, 1}),
                    Arrays.toString(((TensorInfo) input.getInfo()).getShape()));
            for (int n : new int[] {1, 7, ROWS}) {
                Tensor x = images.slice(0, 0, n);
                float[][] out = OnnxRuntimeCheck.run(env, session, x, Shape.of(28, 28, 1));
                assertEquals(n, out.length);
                Tensor expected = convnet.predict(x);
                for (int j = 0; j < 10; j++) {
                    assertEquals(expected.getFlat((n - 1) * 10 + j), out[n - 1][j], OnnxRuntimeCheck.TOLERANCE);
                }
            }
        }
    }

    /**
     * The sequence layers of chapter 6 are not exportable yet (docs/sequences.md); an export of a model holding one
     * fails naming it, before anything is written.
     */
    private static final List<String> NOT_EXPORTABLE = List.of("embedding", "simple_rnn", "lstm", "gru",
            "bidirectional", "conv1d", "max_pooling1d", "global_max_pooling1d", "global_average_pooling1d");

    /** A layer kind added to the core without an exporter (and not listed above) fails here, not in a user's export. */
    @Test
    void everyBuiltInLayerKindHasAnExporter() {
        List<String> kinds = Registry.layerNames().stream()
                .filter(name -> Registry.layerType(name).getPackageName().equals("dev.kindling.core.layers"))
                .filter(name -> !NOT_EXPORTABLE.contains(name))
                .toList();
        assertEquals(7, kinds.size(), kinds.toString());
        for (String name : kinds) {
            assertTrue(Registry.onnxExporter(Registry.layerType(name)) != null, name + " has no ONNX exporter");
        }
        for (String name : NOT_EXPORTABLE) {
            assertTrue(Registry.layerType(name) != null && Registry.onnxExporter(Registry.layerType(name)) == null,
                    name + " is registered and has no exporter; move it out of NOT_EXPORTABLE once it has one");
        }
    }

    /** A layer of a user's own, registered for model files but with no ONNX exporter. */
    public record Doubling() implements Layer {
        @Override
        public String typeName() {
            return "Doubling";
        }

        @Override
        public Shape outputShape(Shape inputShape) {
            return inputShape;
        }

        @Override
        public List<Shape> parameterShapes(Shape inputShape) {
            return List.of();
        }

        @Override
        public Variable forwardPreActivation(Variable input, List<Variable> parameters, ForwardContext context) {
            return Ops.scale(input, 2.0);
        }
    }

    @Test
    void aLayerWithoutAnExporterFailsNamingItBeforeAnythingIsWritten() throws Exception {
        Registry.layer("test_doubling", Doubling.class);
        Sequential model = new Sequential(new Dense(16, Activation.RELU, 784), new Doubling(),
                new Dense(10, Activation.SOFTMAX));
        Path file = dir.resolve("doubling.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.exportOnnx(file));
        assertTrue(e.getMessage().contains("layer 2 (Doubling"), e.getMessage());
        assertTrue(e.getMessage().contains("test_doubling"), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "nothing written, not even a temporary file");
        }
        assertFalse(Files.exists(file));

        // Its author registers an exporter (2x = x + x), and the model exports and agrees with ONNX Runtime.
        Registry.onnxExporter(Doubling.class, (layer, graph, input, shape, weights) ->
                graph.node("Add", List.of(input, input)));
        OnnxRuntimeCheck.assertAgrees(withRandomBiases(model, 15), rows, file, "a user's layer with its exporter");
    }
}
