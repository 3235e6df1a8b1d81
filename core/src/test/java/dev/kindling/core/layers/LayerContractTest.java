// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import static dev.kindling.core.autodiff.GradientCheck.check;
import static dev.kindling.core.autodiff.GradientCheck.input;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import dev.kindling.core.tensor.TestTensors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer passes the same contract: shapes, gradients, determinism, and both serializations. Image layers run
 * on non-square samples with more than one channel, with strides, and with {@code same} padding (even kernels
 * too, whose padding is split unevenly).
 */
class LayerContractTest {
    private static final Shape IN = Shape.of(4);
    private static final Shape IMAGE = Shape.of(5, 6, 2);
    /** Sequences of 4 timesteps of 3 features. */
    private static final Shape SEQUENCE = Shape.of(4, 3);
    private static final int ROWS = 3;

    /** A layer and the shape of one input sample it is tested on. */
    record Case(Layer layer, Shape input) {
        @Override
        public String toString() {
            return layer + " on " + input;
        }
    }

    static Stream<Case> layers() {
        return Stream.of(
                new Case(new Dense(5, Activation.LINEAR), IN),
                new Case(new Dense(5, Activation.RELU), IN),
                new Case(new Dense(5, Activation.SIGMOID), IN),
                new Case(new Dense(5, Activation.TANH), IN),
                new Case(new Dense(5, Activation.SOFTMAX), IN),
                new Case(new Dense(2, Activation.RELU, 4), IN),
                new Case(new Dropout(0.0), IN),
                new Case(new Dropout(0.5), IN),
                new Case(new Dropout(0.5), IMAGE),
                new Case(new Conv2D(3, 3, Activation.LINEAR), IMAGE),
                new Case(new Conv2D(3, 3, Activation.RELU).withInputShape(5, 6, 2), IMAGE),
                new Case(new Conv2D(4, 2, 3, 2, 1, Padding.VALID, Activation.TANH, null), IMAGE),
                new Case(new Conv2D(2, 3, Activation.SIGMOID).withStrides(2, 2).withPadding(Padding.SAME), IMAGE),
                new Case(new Conv2D(2, 4, 2, 1, 1, Padding.SAME, Activation.LINEAR, null), IMAGE),
                new Case(new Conv2D(2, 3, Activation.LINEAR), Shape.of(3, 3, 1)),
                new Case(new MaxPooling2D(2), IMAGE),
                new Case(new MaxPooling2D(3, 3, 2, 2, Padding.SAME), IMAGE),
                new Case(new MaxPooling2D(2, 3, 1, 2, Padding.VALID), IMAGE),
                new Case(new AveragePooling2D(2), IMAGE),
                new Case(new AveragePooling2D(3, 2, 2, 1, Padding.SAME), IMAGE),
                new Case(new GlobalAveragePooling2D(), IMAGE),
                new Case(new Flatten(), IMAGE),
                new Case(new Flatten(IMAGE), IMAGE),
                new Case(new Flatten(), IN),
                new Case(new Flatten(), SEQUENCE),
                new Case(new Embedding(7, 3), Shape.of(5)),
                new Case(new Embedding(7, 2).withInputLength(5), Shape.of(5)),
                new Case(new SimpleRNN(5), SEQUENCE),
                new Case(new SimpleRNN(3).withReturnSequences(true).withGoBackwards(true), SEQUENCE),
                new Case(new SimpleRNN(3).withDropout(0.3).withRecurrentDropout(0.4), SEQUENCE),
                new Case(new LSTM(3), SEQUENCE),
                new Case(new LSTM(2).withReturnSequences(true), SEQUENCE),
                new Case(new LSTM(3).withGoBackwards(true).withInputShape(4, 3), SEQUENCE),
                new Case(new LSTM(2).withReturnSequences(true).withDropout(0.3).withRecurrentDropout(0.4), SEQUENCE),
                new Case(new GRU(3), SEQUENCE),
                new Case(new GRU(2).withReturnSequences(true).withGoBackwards(true), SEQUENCE),
                new Case(new GRU(3).withDropout(0.3).withRecurrentDropout(0.4), SEQUENCE),
                new Case(new Bidirectional(new LSTM(2)), SEQUENCE),
                new Case(new Bidirectional(new GRU(2).withReturnSequences(true).withRecurrentDropout(0.3)), SEQUENCE),
                new Case(new Bidirectional(new SimpleRNN(2).withDropout(0.3).withInputShape(4, 3)), SEQUENCE),
                new Case(new Conv1D(3, 2, Activation.LINEAR), SEQUENCE),
                new Case(new Conv1D(2, 3, Activation.RELU).withInputShape(4, 3), SEQUENCE),
                new Case(new Conv1D(2, 2, Activation.TANH).withStrides(2).withPadding(Padding.SAME), Shape.of(5, 3)),
                new Case(new MaxPooling1D(2), SEQUENCE),
                new Case(new MaxPooling1D(3, 2, Padding.SAME), Shape.of(5, 3)),
                new Case(new GlobalMaxPooling1D(), SEQUENCE),
                new Case(new GlobalAveragePooling1D(), SEQUENCE));
    }

    private static List<Tensor> parameters(Case c, long seed) {
        List<Tensor> params = new ArrayList<>();
        for (Shape s : c.layer().parameterShapes(c.input())) {
            params.add(Tensor.zeros(s, DType.FLOAT64));
        }
        c.layer().initialize(params, new Random(seed));
        // Biases start at zero; give them values so their gradient is checked at a generic point.
        for (Tensor p : params) {
            p.addInPlace(input(seed + p.size(), -0.1, 0.1, p.shape().dims()));
        }
        return params;
    }

    private static ForwardContext training() {
        return ForwardContext.training(42L, new long[] {10, 11, 12});
    }

    private static Tensor batch(Case c) {
        if (c.layer() instanceof Embedding e) {
            // token ids: whole numbers in [0, input_dim), each id used more than once across the batch
            Tensor ids = Tensor.zeros(c.input().prepend(ROWS), DType.FLOAT64);
            for (int i = 0; i < ids.size(); i++) {
                ids.setFlat(i, (i * 5 + 2) % e.inputDim());
            }
            return ids;
        }
        return input(2, -1, 1, c.input().prepend(ROWS).dims());
    }

    @ParameterizedTest
    @MethodSource("layers")
    void outputHasTheDeclaredShape(Case c) {
        List<Tensor> params = parameters(c, 1);
        assertEquals(c.layer().parameterShapes(c.input()).size(), c.layer().parameterNames().size());
        Variable out = c.layer().forward(Variable.constant(batch(c)), constants(params), ForwardContext.inference());
        assertEquals(c.layer().outputShape(c.input()).prepend(ROWS), out.value().shape());
    }

    @ParameterizedTest
    @MethodSource("layers")
    void gradientsMatchFiniteDifferences(Case c) {
        List<Tensor> params = parameters(c, 1);
        if (c.layer() instanceof Embedding) {
            // ids are data, not a differentiable input: only the table's gradient exists
            Variable ids = Variable.constant(batch(c));
            check(v -> c.layer().forward(ids, v, training()), params.toArray(Tensor[]::new));
            return;
        }
        Tensor[] inputs = new Tensor[params.size() + 1];
        inputs[0] = batch(c);
        for (int i = 0; i < params.size(); i++) {
            inputs[i + 1] = params.get(i);
        }
        check(v -> c.layer().forward(v.get(0), v.subList(1, v.size()), training()), inputs);
    }

    @ParameterizedTest
    @MethodSource("layers")
    void forwardIsDeterministicForTheSameContext(Case c) {
        List<Tensor> params = parameters(c, 1);
        Tensor x = batch(c);
        Tensor a = c.layer().forward(Variable.constant(x), constants(params), training()).value();
        Tensor b = c.layer().forward(Variable.constant(x), constants(params), training()).value();
        assertEquals(a, b);
    }

    @ParameterizedTest
    @MethodSource("layers")
    void survivesJavaAndJsonSerialization(Case c) throws Exception {
        Layer layer = c.layer();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(layer);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(layer, in.readObject());
        }
        ObjectMapper json = Registry.json();
        String written = json.writeValueAsString(layer);
        assertEquals(layer, json.readValue(written, Layer.class));
        assertTrue(written.startsWith("{\"type\":\"" + Registry.layerName(layer.getClass()) + "\""), written);
    }

    @Test
    void jsonFormsAreKerasConfigs() throws Exception {
        ObjectMapper json = Registry.json();
        assertEquals("{\"type\":\"conv2d\",\"filters\":8,\"kernel_size\":[5,3],\"strides\":[2,1],\"padding\":\"same\","
                + "\"activation\":\"tanh\",\"input_shape\":[28,28,1]}", json.writeValueAsString(new Conv2D(8, 5, 3, 2, 1,
                Padding.SAME, Activation.TANH, Shape.of(28, 28, 1))));
        assertEquals("{\"type\":\"max_pooling2d\",\"pool_size\":[3,3],\"strides\":[2,2],\"padding\":\"valid\"}",
                json.writeValueAsString(new MaxPooling2D(3, 3, 2, 2, Padding.VALID)));
        assertEquals("{\"type\":\"dense\",\"units\":10,\"activation\":\"softmax\",\"input_dim\":0}",
                json.writeValueAsString(new Dense(10, Activation.SOFTMAX)));
        // Keras's defaults for what a config leaves out; one integer for both axes.
        assertEquals(new Conv2D(4, 3, Activation.LINEAR), json.readValue("{\"type\":\"conv2d\",\"filters\":4,"
                + "\"kernel_size\":3}", Layer.class));
        assertEquals(new AveragePooling2D(2), json.readValue("{\"type\":\"average_pooling2d\"}", Layer.class));
        assertEquals(new MaxPooling2D(3, 3, 3, 3, Padding.VALID), json.readValue("{\"type\":\"max_pooling2d\","
                + "\"pool_size\":3}", Layer.class));
        assertEquals(new Dense(2), json.readValue("{\"type\":\"dense\",\"units\":2}", Layer.class));
        // Model files written before the Keras names: Dense's inputDim.
        assertEquals(new Dense(2, Activation.RELU, 3), json.readValue("{\"type\":\"dense\",\"units\":2,"
                + "\"activation\":\"relu\",\"inputDim\":3}", Layer.class));
    }

    /** A layer of one's own gets Keras's initializers without writing any: they are Dense's and Conv2D's. */
    @Test
    void theDefaultInitializerIsKerasGlorotUniformAndZeros() {
        Layer plain = new Layer() {
            @Override
            public String typeName() {
                return "Plain";
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
            public Variable forwardPreActivation(Variable input,
                    List<Variable> parameters, ForwardContext context) {
                return input;
            }
        };
        for (Layer layer : List.of(new Dense(30, Activation.RELU), new Conv2D(6, 3, 2, 1, 1, Padding.VALID,
                Activation.RELU, null))) {
            Shape in = layer instanceof Dense ? Shape.of(20) : Shape.of(9, 9, 4);
            List<Tensor> own = new ArrayList<>();
            List<Tensor> generic = new ArrayList<>();
            for (Shape s : layer.parameterShapes(in)) {
                own.add(Tensor.full(s, DType.FLOAT64, 7.0));
                generic.add(Tensor.full(s, DType.FLOAT64, 7.0));
            }
            layer.initialize(own, new Random(5));
            plain.initialize(generic, new Random(5));
            assertEquals(own, generic, layer.typeName());
        }
    }

    @Test
    void denseUsesGlorotUniformKernelAndZeroBias() {
        Dense dense = new Dense(300, Activation.RELU);
        List<Tensor> params = new ArrayList<>();
        for (Shape s : dense.parameterShapes(Shape.of(200))) {
            params.add(Tensor.full(s, DType.FLOAT32, 7.0));
        }
        dense.initialize(params, new Random(3));
        double limit = Math.sqrt(6.0 / (200 + 300));
        Tensor kernel = params.get(0);
        double maxAbs = 0;
        for (int i = 0; i < kernel.size(); i++) {
            maxAbs = Math.max(maxAbs, Math.abs(kernel.getFlat(i)));
        }
        assertTrue(maxAbs <= limit && maxAbs > 0.99 * limit, "max |w| " + maxAbs + " vs limit " + limit);
        assertEquals(0.0, TestTensors.mean(kernel).item(), 0.01 * limit);
        assertEquals(Tensor.zeros(DType.FLOAT32, 300), params.get(1));
    }

    @Test
    void conv2dUsesGlorotUniformOverTheReceptiveFieldAndZeroBias() {
        Conv2D conv = new Conv2D(64, 3, Activation.RELU);
        List<Tensor> params = new ArrayList<>();
        for (Shape s : conv.parameterShapes(Shape.of(13, 13, 32))) {
            params.add(Tensor.full(s, DType.FLOAT32, 7.0));
        }
        assertEquals(Shape.of(3, 3, 32, 64), params.get(0).shape());
        conv.initialize(params, new Random(3));
        double limit = Math.sqrt(6.0 / (9 * 32 + 9 * 64)); // Keras: fan_in = 3*3*32, fan_out = 3*3*64
        Tensor kernel = params.get(0);
        double maxAbs = kernel.map(Math::abs).max().item();
        assertTrue(maxAbs <= limit && maxAbs > 0.99 * limit, "max |w| " + maxAbs + " vs limit " + limit);
        assertEquals(0.0, TestTensors.mean(kernel).item(), 0.01 * limit);
        assertEquals(Tensor.zeros(DType.FLOAT32, 64), params.get(1));
    }

    @Test
    void dropoutDropsAboutTheRateAndScalesTheRest() {
        Dropout dropout = new Dropout(0.25);
        long[] ids = new long[1000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        Tensor ones = Tensor.ones(DType.FLOAT64, 1000, 20);
        Tensor out = dropout.forward(Variable.constant(ones), List.of(), ForwardContext.training(5L, ids)).value();
        int zeros = 0;
        for (int i = 0; i < out.size(); i++) {
            double v = out.getFlat(i);
            assertTrue(v == 0.0 || Math.abs(v - 1 / 0.75) < 1e-12, "unexpected value " + v);
            zeros += v == 0.0 ? 1 : 0;
        }
        assertEquals(0.25, zeros / 20000.0, 0.02);
        assertEquals(ones, dropout.forward(Variable.constant(ones), List.of(), ForwardContext.inference()).value());
    }

    @Test
    void dropoutMaskDependsOnTheSampleNotItsPositionInTheBatch() {
        Dropout dropout = new Dropout(0.5);
        Tensor ones = Tensor.ones(DType.FLOAT64, 2, 16);
        Tensor ab = dropout.forward(Variable.constant(ones), List.of(), ForwardContext.training(9L, new long[] {7, 8})).value();
        Tensor ba = dropout.forward(Variable.constant(ones), List.of(), ForwardContext.training(9L, new long[] {8, 7})).value();
        assertEquals(ab.slice(0, 0, 1), ba.slice(0, 1, 2));
        assertEquals(ab.slice(0, 1, 2), ba.slice(0, 0, 1));
    }

    @Test
    void badConfigurationsAreRejectedWithTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Dense(0, Activation.RELU))
                .getMessage().contains("got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0))
                .getMessage().contains("got 1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Registry.activation("swish"))
                .getMessage().contains("swish"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Conv2D(0, 3, Activation.RELU))
                .getMessage().contains("got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Conv2D(8, 3, Activation.RELU)
                .withStrides(0, 1)).getMessage().contains("0x1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Padding.fromKeyword("full"))
                .getMessage().contains("'full'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Conv2D(8, 3, Activation.RELU)
                .outputShape(Shape.of(28, 28))).getMessage().contains("(28, 28, 1)"));
    }

    private static List<Variable> constants(List<Tensor> params) {
        return params.stream().map(Variable::constant).toList();
    }
}
