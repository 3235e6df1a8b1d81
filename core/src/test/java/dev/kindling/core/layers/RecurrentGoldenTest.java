// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.core.Tolerances;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The recurrent layers and the embedding against values computed independently: a SimpleRNN, an embedding and an
 * LSTM step worked out by hand below, and PyTorch's float64 {@code nn.LSTM} and {@code nn.GRU} (Keras's weights
 * mapped onto PyTorch's gate layout) committed in {@code rnn-goldens.json} by {@code scripts/make-rnn-goldens}:
 * forward values and the gradients of {@code sum(output * weights)}, last state and sequences, forwards and
 * backwards.
 */
class RecurrentGoldenTest {

    // ---- by hand --------------------------------------------------------------------------------------------

    /**
     * One unit, one feature, two steps x = (1, 2): kernel 0.5, recurrent 2, bias 0.1.
     * h1 = tanh(0.5 + 0.1) = tanh(0.6); h2 = tanh(1.0 + 2*tanh(0.6) + 0.1).
     */
    @Test
    void simpleRnnWorkedOutByHand() {
        List<Variable> w = List.of(Variable.constant(Tensor.of(new double[] {0.5}, 1, 1)),
                Variable.constant(Tensor.of(new double[] {2}, 1, 1)), Variable.constant(Tensor.of(new double[] {0.1}, 1)));
        Variable x = Variable.constant(Tensor.of(new double[] {1, 2}, 1, 2, 1));
        double h1 = Math.tanh(0.6);
        double h2 = Math.tanh(1.1 + 2 * h1);
        assertEquals(h2, new SimpleRNN(1).forward(x, w, ForwardContext.inference()).value().item(), 1e-15);
        assertEquals(Tensor.of(new double[] {h1, h2}, 1, 2, 1), new SimpleRNN(1).withReturnSequences(true)
                .forward(x, w, ForwardContext.inference()).value());
        // backwards: reads 2 then 1; the outputs in the order read
        double b1 = Math.tanh(1.1);
        double b2 = Math.tanh(0.6 + 2 * b1);
        assertEquals(Tensor.of(new double[] {b1, b2}, 1, 2, 1), new SimpleRNN(1).withReturnSequences(true)
                .withGoBackwards(true).forward(x, w, ForwardContext.inference()).value());
    }

    /**
     * One LSTM step of one unit from the zero state: x = 1, kernel (i, f, c, o) = (1, 2, 3, 4), bias 0 except
     * f's 1: i = σ(1), f = σ(3), c = i*tanh(3) (f multiplies the zero cell), h = σ(4)*tanh(c). Pins Keras's gate
     * order: any other order gives another number.
     */
    @Test
    void lstmGateOrderWorkedOutByHand() {
        List<Variable> w = List.of(Variable.constant(Tensor.of(new double[] {1, 2, 3, 4}, 1, 4)),
                Variable.constant(Tensor.zeros(DType.FLOAT64, 1, 4)),
                Variable.constant(Tensor.of(new double[] {0, 1, 0, 0}, 4)));
        double c = sigmoid(1) * Math.tanh(3);
        double h = sigmoid(4) * Math.tanh(c);
        assertEquals(h, new LSTM(1).forward(Variable.constant(Tensor.of(new double[] {1}, 1, 1, 1)), w,
                ForwardContext.inference()).value().item(), 1e-15);
    }

    /** Ids pick rows; the table's gradient adds each row's gradients, twice for an id used twice. */
    @Test
    void embeddingWorkedOutByHand() {
        Variable table = Variable.leaf(Tensor.of(new double[] {0, 1, 10, 11, 20, 21}, 3, 2));
        Variable y = new Embedding(3, 2).forward(Variable.constant(Tensor.of(new double[] {2, 0, 2}, 1, 3)),
                List.of(table), ForwardContext.inference());
        assertEquals(Tensor.of(new double[] {20, 21, 0, 1, 20, 21}, 1, 3, 2), y.value());
        Ops.sum(Ops.mul(y, Variable.constant(Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 1, 3, 2)))).backward();
        assertEquals(Tensor.of(new double[] {3, 4, 0, 0, 6, 8}, 3, 2), table.grad());
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    // ---- PyTorch --------------------------------------------------------------------------------------------

    static Stream<JsonNode> goldens() throws IOException {
        try (InputStream in = RecurrentGoldenTest.class.getResourceAsStream(
                "/dev/kindling/core/autodiff/rnn-goldens.json")) {
            JsonNode doc = new ObjectMapper().readTree(in);
            List<JsonNode> cases = new ArrayList<>();
            doc.get("cases").forEach(cases::add);
            return cases.stream();
        }
    }

    private static RecurrentLayer layer(JsonNode golden) {
        int units = golden.get("units").asInt();
        RecurrentLayer layer = golden.get("cell").asText().equals("lstm") ? new LSTM(units)
                .withReturnSequences(golden.get("return_sequences").asBoolean())
                : new GRU(units).withReturnSequences(golden.get("return_sequences").asBoolean());
        return layer.withGoBackwards(golden.get("go_backwards").asBoolean());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void forwardAndGradientsMatchPyTorch(JsonNode golden) {
        RecurrentLayer layer = layer(golden);
        Tensor xt = tensor(golden, "input", shape(golden, "input_shape"), DType.FLOAT64);
        List<Shape> shapes = layer.parameterShapes(xt.shape().drop(1));
        Variable x = Variable.leaf(xt);
        List<Variable> w = new ArrayList<>();
        String[] names = {"kernel", "recurrent_kernel", "bias"};
        for (int i = 0; i < 3; i++) {
            w.add(Variable.leaf(tensor(golden, names[i], shapes.get(i), DType.FLOAT64)));
        }
        Variable y = layer.forward(x, w, ForwardContext.inference());
        Shape out = shape(golden, "output_shape");
        assertClose(tensor(golden, "output", out, DType.FLOAT64), y.value(), Tolerances.FLOAT64, "output");
        Ops.sum(Ops.mul(y, Variable.constant(tensor(golden, "output_weights", out, DType.FLOAT64)))).backward();
        assertClose(tensor(golden, "input_grad", xt.shape(), DType.FLOAT64), x.grad(), Tolerances.FLOAT64,
                "input gradient");
        for (int i = 0; i < 3; i++) {
            assertClose(tensor(golden, names[i] + "_grad", shapes.get(i), DType.FLOAT64), w.get(i).grad(),
                    Tolerances.FLOAT64, names[i] + " gradient");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void float32ForwardMatchesPyTorch(JsonNode golden) {
        RecurrentLayer layer = layer(golden);
        Tensor xt = tensor(golden, "input", shape(golden, "input_shape"), DType.FLOAT32);
        List<Shape> shapes = layer.parameterShapes(xt.shape().drop(1));
        String[] names = {"kernel", "recurrent_kernel", "bias"};
        List<Variable> w = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            w.add(Variable.constant(tensor(golden, names[i], shapes.get(i), DType.FLOAT32)));
        }
        Tensor y = layer.forward(Variable.constant(xt), w, ForwardContext.inference()).value();
        assertEquals(DType.FLOAT32, y.dtype());
        assertClose(tensor(golden, "output", shape(golden, "output_shape"), DType.FLOAT64), y.astype(DType.FLOAT64),
                Tolerances.FLOAT32, "float32 output");
    }

    @Test
    void theGoldensCoverBothCellsSequencesAndBackwards() throws IOException {
        List<JsonNode> cases = goldens().toList();
        for (String cell : List.of("lstm", "gru")) {
            for (boolean sequences : new boolean[] {false, true}) {
                assertTrue(cases.stream().anyMatch(c -> c.get("cell").asText().equals(cell)
                        && c.get("return_sequences").asBoolean() == sequences), cell + " " + sequences);
            }
            assertTrue(cases.stream().anyMatch(c -> c.get("cell").asText().equals(cell)
                    && c.get("go_backwards").asBoolean()), cell + " backwards");
        }
    }

    private static Shape shape(JsonNode golden, String name) {
        JsonNode s = golden.get(name);
        int[] dims = new int[s.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = s.get(i).asInt();
        }
        return Shape.of(dims);
    }

    private static Tensor tensor(JsonNode golden, String values, Shape shape, DType dtype) {
        JsonNode v = golden.get(values);
        double[] d = new double[v.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = v.get(i).asDouble();
        }
        Tensor t = Tensor.of(d, shape.dims());
        return dtype == DType.FLOAT64 ? t : t.astype(dtype);
    }

    private static void assertClose(Tensor expected, Tensor actual, double tolerance, String what) {
        assertEquals(expected.shape(), actual.shape(), what + " shape");
        assertTrue(Tensors.allClose(actual, expected, tolerance, tolerance), what + ": max |diff| "
                + actual.sub(expected).map(Math::abs).max().item() + "\nexpected " + expected + "\ngot " + actual);
    }
}
