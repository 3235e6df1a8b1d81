// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Java serialization (Spark ships optimizers and checkpoints states) and Jackson configs (model save/load). */
class OptimizerSerializationTest {

    private final ObjectMapper mapper = dev.kindling.core.registry.Registry.json();

    static Stream<Optimizer> optimizers() {
        return Stream.of(Optimizer.sgd(), Optimizer.sgd(0.05, 0.9, true), Optimizer.rmsprop(),
                new RmsProp(0.02, 0.8, 1e-5), Optimizer.adam(), new Adam(0.003, 0.8, 0.99, 1e-8),
                Optimizer.adagrad(), new Adagrad(0.2, 0.0, 0.01));
    }

    // ---- Java serialization --------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void optimizerJavaRoundTrip(Optimizer opt) throws Exception {
        Optimizer back = javaRoundTrip(opt);
        assertEquals(opt, back);
        assertEquals(opt.getClass(), back.getClass());
    }

    static Stream<Arguments> optimizersWithDtypes() {
        return optimizers().flatMap(o -> Stream.of(Arguments.of(o, DType.FLOAT32), Arguments.of(o, DType.FLOAT64)));
    }

    /** A checkpointed state resumes exactly where the original would have gone. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("optimizersWithDtypes")
    void stateJavaRoundTripResumesIdentically(Optimizer opt, DType dtype) throws Exception {
        Tensor w = Tensor.of(new double[] {1, -2, 3}, 3).astype(dtype);
        Tensor g1 = Tensor.of(new double[] {0.5, -1, 0.25}, 3).astype(dtype);
        Tensor g2 = Tensor.of(new double[] {0.1, 0.2, -0.3}, 3).astype(dtype);
        OptimizerState state = opt.init(3, dtype);
        state = opt.applyInPlace(state, w, g1);
        state = opt.applyInPlace(state, w, g1);

        OptimizerState restored = javaRoundTrip(state);
        assertEquals(state, restored);
        assertEquals(2, restored.iterations());
        for (int k = 0; k < state.slots().size(); k++) {
            assertNotSame(state.slot(k), restored.slot(k));
            assertEquals(dtype, restored.slot(k).dtype());
        }
        Tensor wRestored = javaRoundTrip(w);

        OptimizerState a = opt.applyInPlace(state, w, g2);
        OptimizerState b = opt.applyInPlace(restored, wRestored, g2);
        assertEquals(w, wRestored);
        assertEquals(a, b);
    }

    // ---- Jackson -------------------------------------------------------------------------------------

    @Test
    void jacksonWritesKerasStyleConfigs() throws Exception {
        assertEquals("{\"name\":\"rmsprop\",\"learning_rate\":0.001,\"rho\":0.9,\"epsilon\":1.0E-7}",
                mapper.writeValueAsString(Optimizer.rmsprop()));
        assertEquals("{\"name\":\"sgd\",\"learning_rate\":0.01,\"momentum\":0.0,\"nesterov\":false}",
                mapper.writeValueAsString(Optimizer.sgd()));
        assertEquals("{\"name\":\"adam\",\"learning_rate\":0.001,\"beta_1\":0.9,\"beta_2\":0.999,\"epsilon\":1.0E-7}",
                mapper.writeValueAsString(Optimizer.adam()));
        assertEquals("{\"name\":\"adagrad\",\"learning_rate\":0.001,\"initial_accumulator_value\":0.1,"
                + "\"epsilon\":1.0E-7}", mapper.writeValueAsString(Optimizer.adagrad()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void jacksonRoundTripByType(Optimizer opt) throws Exception {
        String json = mapper.writeValueAsString(opt);
        assertTrue(json.startsWith("{\"name\":\"" + opt.name() + "\""), json);
        assertEquals(opt, mapper.readValue(json, Optimizer.class));
        assertEquals(opt, mapper.readValue(json, opt.getClass()));
    }

    /** {@link Optimizer#config()} is the same map Jackson writes. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void configMatchesJackson(Optimizer opt) {
        Map<String, Object> viaJackson = mapper.convertValue(opt, new TypeReference<Map<String, Object>>() { });
        assertEquals(opt.config(), viaJackson);
        assertEquals(List.copyOf(opt.config().keySet()), List.copyOf(viaJackson.keySet()));
        assertEquals(opt, mapper.convertValue(opt.config(), Optimizer.class));
    }

    @Test
    void jacksonInsideAnEnclosingConfig() throws Exception {
        record CompileConfig(String loss, Optimizer optimizer) { }
        CompileConfig config = new CompileConfig("mse", Optimizer.sgd(0.1, 0.9, true));
        String json = mapper.writeValueAsString(config);
        assertEquals("{\"loss\":\"mse\",\"optimizer\":{\"name\":\"sgd\",\"learning_rate\":0.1,\"momentum\":0.9,"
                + "\"nesterov\":true}}", json);
        assertEquals(config, mapper.readValue(json, CompileConfig.class));
        // a bare collection loses its element type to erasure: write it with writerFor so the type ids are kept
        TypeReference<List<Optimizer>> listType = new TypeReference<>() { };
        List<Optimizer> list = List.of(Optimizer.adam(), Optimizer.adagrad());
        assertEquals(list, mapper.readValue(mapper.writerFor(listType).writeValueAsString(list), listType));
    }

    @Test
    void jacksonRejectsUnknownNamesAndBadValues() {
        assertThrows(InvalidTypeIdException.class,
                () -> mapper.readValue("{\"name\":\"nadam\",\"learning_rate\":0.1}", Optimizer.class));
        ValueInstantiationException e = assertThrows(ValueInstantiationException.class,
                () -> mapper.readValue("{\"name\":\"rmsprop\",\"learning_rate\":-0.1,\"rho\":0.9,\"epsilon\":1e-7}",
                        Optimizer.class));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertEquals("rmsprop: learning_rate must be > 0, got -0.1", e.getCause().getMessage());
    }

    @SuppressWarnings("unchecked")
    private static <T> T javaRoundTrip(T value) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
