// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.core.Tolerances;
import dev.kindling.core.autodiff.GradientCheck;
import dev.kindling.core.autodiff.SequenceOps;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.blas.Products;
import dev.kindling.core.tensor.Tensors;
import dev.kindling.core.tensor.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the contract harness does not pin for the sequence layers: Keras's initializers, JSON forms, dropout masks
 * that follow the sample and stay fixed over the timesteps, how Bidirectional is assembled, and 1-d convolution
 * and pooling on numbers worked out by hand.
 */
class SequenceLayersTest {

    private static List<Tensor> initialized(Layer layer, Shape input, long seed) {
        List<Tensor> params = new ArrayList<>();
        for (Shape s : layer.parameterShapes(input)) {
            params.add(Tensor.full(s, DType.FLOAT64, 7.0));
        }
        layer.initialize(params, new Random(seed));
        return params;
    }

    @Test
    void recurrentLayersUseKerasInitializers() {
        // LSTM(16) on 10 features: kernel (10, 64) glorot, recurrent (16, 64) with orthonormal rows, forget bias 1
        List<Tensor> lstm = initialized(new LSTM(16), Shape.of(5, 10), 1);
        double limit = Math.sqrt(6.0 / (10 + 64));
        double maxAbs = lstm.get(0).map(Math::abs).max().item();
        assertTrue(maxAbs <= limit && maxAbs > 0.95 * limit, "max |w| " + maxAbs + " vs limit " + limit);
        Tensor u = lstm.get(1);
        assertTrue(Tensors.allClose(Products.matmul(u, Tensors.transpose(u)), identity(16), Tolerances.FLOAT64, Tolerances.FLOAT64), "U·Uᵀ = I");
        for (int j = 0; j < 64; j++) {
            assertEquals(j >= 16 && j < 32 ? 1.0 : 0.0, lstm.get(2).getFlat(j), "bias " + j);
        }
        // SimpleRNN(8): a square recurrent kernel, orthogonal both ways; GRU: bias (2, 3*units) zeros
        Tensor v = initialized(new SimpleRNN(8), Shape.of(5, 3), 2).get(1);
        assertTrue(Tensors.allClose(Products.matmul(Tensors.transpose(v), v), identity(8), Tolerances.FLOAT64, Tolerances.FLOAT64), "Vᵀ·V = I");
        List<Tensor> gru = initialized(new GRU(4), Shape.of(5, 3), 3);
        assertEquals(Shape.of(2, 12), gru.get(2).shape());
        assertEquals(Tensor.zeros(DType.FLOAT64, 2, 12), gru.get(2));
        assertEquals(List.of("kernel", "recurrent_kernel", "bias"), new GRU(4).parameterNames());
    }

    @Test
    void embeddingStartsUniformInKerasRange() {
        Tensor table = initialized(new Embedding(1000, 16), Shape.of(4), 4).get(0);
        double maxAbs = table.map(Math::abs).max().item();
        assertTrue(maxAbs <= Embedding.INITIAL_RANGE && maxAbs > 0.99 * Embedding.INITIAL_RANGE, "max " + maxAbs);
        assertEquals(0.0, TestTensors.mean(table).item(), 0.002);
    }

    private static Tensor identity(int n) {
        Tensor t = Tensor.zeros(DType.FLOAT64, n, n);
        for (int i = 0; i < n; i++) {
            t.set(1.0, i, i);
        }
        return t;
    }

    @Test
    void jsonFormsAreKerasConfigs() throws Exception {
        ObjectMapper json = Registry.json();
        assertEquals("{\"type\":\"embedding\",\"input_dim\":10000,\"output_dim\":32,\"input_length\":500}",
                json.writeValueAsString(new Embedding(10000, 32).withInputLength(500)));
        assertEquals("{\"type\":\"lstm\",\"units\":32,\"return_sequences\":true,\"go_backwards\":false,"
                + "\"dropout\":0.2,\"recurrent_dropout\":0.1,\"input_shape\":null}",
                json.writeValueAsString(new LSTM(32).withReturnSequences(true).withDropout(0.2).withRecurrentDropout(0.1)));
        assertEquals(new GRU(8), json.readValue("{\"type\":\"gru\",\"units\":8}", Layer.class));
        assertEquals(new SimpleRNN(4).withInputShape(10, 3), json.readValue("{\"type\":\"simple_rnn\",\"units\":4,"
                + "\"input_shape\":[10,3]}", Layer.class));
        assertEquals(new Bidirectional(new LSTM(32)), json.readValue("{\"type\":\"bidirectional\","
                + "\"layer\":{\"type\":\"lstm\",\"units\":32}}", Layer.class));
        assertEquals(new Conv1D(32, 7, Activation.RELU), json.readValue("{\"type\":\"conv1d\",\"filters\":32,"
                + "\"kernel_size\":7,\"activation\":\"relu\"}", Layer.class));
        assertEquals(new Conv1D(32, 7, 2, Padding.SAME, Activation.LINEAR, null), json.readValue("{\"type\":"
                + "\"conv1d\",\"filters\":32,\"kernel_size\":[7],\"strides\":[2],\"padding\":\"same\"}", Layer.class));
        assertEquals(new MaxPooling1D(5), json.readValue("{\"type\":\"max_pooling1d\",\"pool_size\":5}", Layer.class));
        assertEquals(new MaxPooling1D(2), json.readValue("{\"type\":\"max_pooling1d\"}", Layer.class));
        assertEquals(new GlobalMaxPooling1D(), json.readValue("{\"type\":\"global_max_pooling1d\"}", Layer.class));
        assertTrue(assertThrows(Exception.class, () -> json.readValue("{\"type\":\"lstm\",\"units\":8,"
                + "\"recurrent_dropout\":1.5}", Layer.class)).getMessage().contains("got 1.5"));
    }

    @Test
    void badConfigurationsAreRejectedNamingTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LSTM(0)).getMessage().contains("got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GRU(3).withDropout(1.0)).getMessage()
                .contains("got 1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Embedding(0, 3)).getMessage()
                .contains("got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bidirectional(new Dense(3))).getMessage()
                .contains("Dense"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bidirectional(new LSTM(3), "sum"))
                .getMessage().contains("'sum'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LSTM(3).outputShape(Shape.of(20)))
                .getMessage().contains("Embedding"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Conv1D(4, 7, Activation.RELU)
                .outputShape(Shape.of(5, 2))).getMessage().contains("5 < 7"));
    }

    /**
     * Recurrent dropout's mask is one per sample for all timesteps, and follows the sample: two samples swapped
     * in the batch (with their ids) give swapped outputs, and a sample alone gives what it gives in a batch.
     */
    @Test
    void dropoutMasksFollowTheSample() {
        for (Layer layer : List.<Layer>of(new LSTM(4).withDropout(0.4).withRecurrentDropout(0.4).withReturnSequences(true),
                new Bidirectional(new GRU(3).withDropout(0.5).withRecurrentDropout(0.5)))) {
            Shape in = Shape.of(6, 3);
            List<Variable> w = initialized(layer, in, 5).stream().map(Variable::constant).toList();
            Tensor x = GradientCheck.input(6, -1, 1, 2, 6, 3);
            Tensor swapped = x.take(0, new int[] {1, 0});
            Tensor ab = layer.forward(Variable.constant(x), w, ForwardContext.training(3L, new long[] {40, 41})).value();
            Tensor ba = layer.forward(Variable.constant(swapped), w, ForwardContext.training(3L, new long[] {41, 40}))
                    .value();
            assertEquals(ab.slice(0, 0, 1), ba.slice(0, 1, 2), layer.typeName());
            Tensor alone = layer.forward(Variable.constant(x.slice(0, 1, 2)), w,
                    ForwardContext.training(3L, new long[] {41})).value();
            assertEquals(ab.slice(0, 1, 2), alone, layer.typeName());
            Tensor inference = layer.forward(Variable.constant(x), w, ForwardContext.inference()).value();
            assertNotEquals(inference, ab, "dropout changes a training pass");
            assertNotEquals(ab, layer.forward(Variable.constant(x), w, ForwardContext.training(4L,
                    new long[] {40, 41})).value(), "another step, other masks");
        }
    }

    /** Forward half = the layer with the first weights; backward half = go_backwards with the second, re-reversed. */
    @Test
    void bidirectionalConcatenatesAForwardAndAReversedBackwardLayer() {
        LSTM lstm = new LSTM(3).withReturnSequences(true);
        Bidirectional both = new Bidirectional(lstm);
        Shape in = Shape.of(5, 2);
        List<Variable> w = initialized(both, in, 7).stream().map(Variable::constant).toList();
        Tensor x = GradientCheck.input(8, -1, 1, 2, 5, 2);
        Tensor y = both.forward(Variable.constant(x), w, ForwardContext.inference()).value();
        assertEquals(Shape.of(2, 5, 6), y.shape());
        assertEquals(Shape.of(5, 6), both.outputShape(in));
        Tensor forwards = lstm.forward(Variable.constant(x), w.subList(0, 3), ForwardContext.inference()).value();
        Tensor backwards = lstm.withGoBackwards(true).forward(Variable.constant(x), w.subList(3, 6),
                ForwardContext.inference()).value();
        for (int n = 0; n < 2; n++) {
            for (int t = 0; t < 5; t++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(forwards.get(n, t, j), y.get(n, t, j), Tolerances.FLOAT64);
                    assertEquals(backwards.get(n, 4 - t, j), y.get(n, t, 3 + j), Tolerances.FLOAT64);
                }
            }
        }
        assertEquals(List.of("forward_kernel", "forward_recurrent_kernel", "forward_bias", "backward_kernel",
                "backward_recurrent_kernel", "backward_bias"), both.parameterNames());
        assertNotEquals(w.get(0).value(), w.get(3).value(), "each direction has weights of its own");
    }

    /**
     * x = (1, 2, 3, 4) with one channel, kernel (1, 10) for one filter, bias 0.5: valid gives 21.5, 32.5, 43.5;
     * 'same' with stride 2 gives ceil(4 / 2) = 2 outputs and needs no padding: (1*1 + 2*10, 3*1 + 4*10) + 0.5.
     * Pooling: windows of two steps, per channel; a third step left over is dropped ('valid').
     */
    @Test
    void conv1dAndPoolingWorkedOutByHand() {
        Variable x = Variable.constant(Tensor.of(new double[] {1, 2, 3, 4}, 1, 4, 1));
        List<Variable> w = List.of(Variable.constant(Tensor.of(new double[] {1, 10}, 2, 1, 1)),
                Variable.constant(Tensor.of(new double[] {0.5}, 1)));
        assertEquals(Tensor.of(new double[] {21.5, 32.5, 43.5}, 1, 3, 1),
                new Conv1D(1, 2, Activation.LINEAR).forward(x, w, ForwardContext.inference()).value());
        assertEquals(Tensor.of(new double[] {21.5, 43.5}, 1, 2, 1), new Conv1D(1, 2, Activation.LINEAR)
                .withStrides(2).withPadding(Padding.SAME).forward(x, w, ForwardContext.inference()).value());
        Variable y = Variable.constant(Tensor.of(new double[] {1, -1, 5, -5, 2, 7, 3, 0, 4, 4}, 1, 5, 2));
        assertEquals(Tensor.of(new double[] {5, -1, 3, 7}, 1, 2, 2),
                new MaxPooling1D(2).forward(y, List.of(), ForwardContext.inference()).value());
        assertEquals(Tensor.of(new double[] {5, 7}, 1, 2),
                new GlobalMaxPooling1D().forward(y, List.of(), ForwardContext.inference()).value());
        assertEquals(Tensor.of(new double[] {3, 1}, 1, 2),
                new GlobalAveragePooling1D().forward(y, List.of(), ForwardContext.inference()).value());
    }

    @Test
    void theRecurrenceRefusesWeightsOfTheWrongShape() {
        Variable x = Variable.constant(Tensor.zeros(DType.FLOAT64, 2, 3, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SequenceOps.recurrence(
                SequenceOps.Cell.LSTM, x, Variable.constant(Tensor.zeros(DType.FLOAT64, 4, 6)),
                Variable.constant(Tensor.zeros(DType.FLOAT64, 2, 8)), Variable.constant(Tensor.zeros(DType.FLOAT64, 8)),
                false, false, null, null));
        assertTrue(e.getMessage().contains("(4, 6)") && e.getMessage().contains("(2, 8)"), e.getMessage());
    }
}
