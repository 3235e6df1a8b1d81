package dev.kindling.core.layers;

import static dev.kindling.core.autodiff.GradientCheck.check;
import static dev.kindling.core.autodiff.GradientCheck.input;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every layer passes the same contract: shapes, gradients, determinism, and both serializations. */
class LayerContractTest {
    private static final int IN = 4;
    private static final int ROWS = 3;

    static Stream<Layer> layers() {
        return Stream.of(
                new Dense(5, Activation.LINEAR),
                new Dense(5, Activation.RELU),
                new Dense(5, Activation.SIGMOID),
                new Dense(5, Activation.TANH),
                new Dense(5, Activation.SOFTMAX),
                new Dense(2, Activation.RELU, IN),
                new Dropout(0.0),
                new Dropout(0.5));
    }

    private static List<Tensor> parameters(Layer layer, long seed) {
        List<Tensor> params = new ArrayList<>();
        for (Shape s : layer.parameterShapes(IN)) {
            params.add(Tensor.zeros(s, DType.FLOAT64));
        }
        layer.initialize(params, new Random(seed));
        // Biases start at zero; give them values so their gradient is checked at a generic point.
        for (Tensor p : params) {
            p.addInPlace(input(seed + p.size(), -0.1, 0.1, p.shape().dims()));
        }
        return params;
    }

    private static ForwardContext training() {
        return ForwardContext.training(42L, new long[] {10, 11, 12});
    }

    @ParameterizedTest
    @MethodSource("layers")
    void outputHasTheDeclaredWidth(Layer layer) {
        List<Tensor> params = parameters(layer, 1);
        assertEquals(layer.parameterShapes(IN).size(), layer.parameterNames().size());
        Variable out = layer.forward(Variable.constant(input(2, -1, 1, ROWS, IN)), constants(params),
                ForwardContext.inference());
        assertEquals(Shape.of(ROWS, layer.outputDim(IN)), out.value().shape());
    }

    @ParameterizedTest
    @MethodSource("layers")
    void gradientsMatchFiniteDifferences(Layer layer) {
        List<Tensor> params = parameters(layer, 1);
        Tensor[] inputs = new Tensor[params.size() + 1];
        inputs[0] = input(2, -1, 1, ROWS, IN);
        for (int i = 0; i < params.size(); i++) {
            inputs[i + 1] = params.get(i);
        }
        check(v -> layer.forward(v.get(0), v.subList(1, v.size()), training()), inputs);
    }

    @ParameterizedTest
    @MethodSource("layers")
    void forwardIsDeterministicForTheSameContext(Layer layer) {
        List<Tensor> params = parameters(layer, 1);
        Tensor x = input(2, -1, 1, ROWS, IN);
        Tensor a = layer.forward(Variable.constant(x), constants(params), training()).value();
        Tensor b = layer.forward(Variable.constant(x), constants(params), training()).value();
        assertEquals(a, b);
    }

    @ParameterizedTest
    @MethodSource("layers")
    void survivesJavaAndJsonSerialization(Layer layer) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(layer);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(layer, in.readObject());
        }
        ObjectMapper json = new ObjectMapper();
        assertEquals(layer, json.readValue(json.writeValueAsString(layer), Layer.class));
    }

    @Test
    void denseUsesGlorotUniformKernelAndZeroBias() {
        Dense dense = new Dense(300, Activation.RELU);
        List<Tensor> params = new ArrayList<>();
        for (Shape s : dense.parameterShapes(200)) {
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
        assertEquals(0.0, kernel.mean().item(), 0.01 * limit);
        assertEquals(Tensor.zeros(DType.FLOAT32, 300), params.get(1));
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
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Activation.fromKeyword("swish"))
                .getMessage().contains("swish"));
    }

    private static List<Variable> constants(List<Tensor> params) {
        return params.stream().map(Variable::constant).toList();
    }
}
