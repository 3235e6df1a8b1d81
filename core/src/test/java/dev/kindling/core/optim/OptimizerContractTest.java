// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Factories and defaults, state handling (init, iterations, in-place slots) and validation messages. */
class OptimizerContractTest {

    static Stream<Optimizer> all() {
        return Stream.of(Optimizer.sgd(), Optimizer.sgd(0.01, 0.9, false), Optimizer.sgd(0.01, 0.9, true),
                Optimizer.rmsprop(), Optimizer.adam(), Optimizer.adagrad());
    }

    // ---- factories -----------------------------------------------------------------------------------

    @Test
    void factoriesUseKerasDefaults() {
        assertEquals(new Sgd(0.01, 0.0, false), Optimizer.sgd());
        assertEquals(new RmsProp(0.001, 0.9, 1e-7), Optimizer.rmsprop());
        assertEquals(new Adam(0.001, 0.9, 0.999, 1e-7), Optimizer.adam());
        assertEquals(new Adagrad(0.001, 0.1, 1e-7), Optimizer.adagrad());

        assertEquals(new Sgd(0.5, 0.0, false), Optimizer.sgd(0.5));
        assertEquals(new RmsProp(0.5, 0.9, 1e-7), Optimizer.rmsprop(0.5));
        assertEquals(new Adam(0.5, 0.9, 0.999, 1e-7), Optimizer.adam(0.5));
        assertEquals(new Adagrad(0.5, 0.1, 1e-7), Optimizer.adagrad(0.5));
        assertEquals(new Sgd(0.1, 0.8, true), Optimizer.sgd(0.1, 0.8, true));
    }

    @Test
    void namesAndLearningRates() {
        assertEquals("sgd", Optimizer.sgd().name());
        assertEquals("rmsprop", Optimizer.rmsprop().name());
        assertEquals("adam", Optimizer.adam().name());
        assertEquals("adagrad", Optimizer.adagrad().name());
        assertEquals(0.01, Optimizer.sgd().learningRate());
        assertEquals(0.001, Optimizer.adam().learningRate());
        for (String name : List.of("sgd", "rmsprop", "adam", "adagrad")) {
            assertEquals(name, Registry.optimizer(name).name());
            assertEquals(Registry.optimizer(name), Registry.optimizer(name.toUpperCase()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registry.optimizer("nadam"));
        assertEquals("unknown optimizer 'nadam' (did you mean 'adam'?), expected one of sgd, rmsprop, adam, adagrad",
                e.getMessage());
    }

    @Test
    void withCopiesChangeOneHyperParameter() {
        assertEquals(new Sgd(0.2, 0.9, true), Optimizer.sgd().withLearningRate(0.2).withMomentum(0.9).withNesterov(true));
        assertEquals(new RmsProp(0.2, 0.5, 1e-3), Optimizer.rmsprop().withLearningRate(0.2).withRho(0.5).withEpsilon(1e-3));
        assertEquals(new Adam(0.2, 0.5, 0.6, 1e-3),
                Optimizer.adam().withLearningRate(0.2).withBeta1(0.5).withBeta2(0.6).withEpsilon(1e-3));
        assertEquals(new Adagrad(0.2, 0.0, 1e-3),
                Optimizer.adagrad().withLearningRate(0.2).withInitialAccumulatorValue(0.0).withEpsilon(1e-3));
        Optimizer generic = Optimizer.adam();
        assertEquals(0.3, generic.withLearningRate(0.3).learningRate());
        assertEquals(0.001, generic.learningRate(), "the original is unchanged");
    }

    @Test
    void configsUseKerasKeys() {
        assertEquals(List.of("name", "learning_rate", "momentum", "nesterov"),
                List.copyOf(Optimizer.sgd().config().keySet()));
        assertEquals(Map.of("name", "rmsprop", "learning_rate", 0.001, "rho", 0.9, "epsilon", 1e-7),
                Optimizer.rmsprop().config());
        assertEquals(Map.of("name", "adam", "learning_rate", 0.001, "beta_1", 0.9, "beta_2", 0.999, "epsilon", 1e-7),
                Optimizer.adam().config());
        assertEquals(Map.of("name", "adagrad", "learning_rate", 0.001, "initial_accumulator_value", 0.1,
                "epsilon", 1e-7), Optimizer.adagrad().config());
        assertThrows(UnsupportedOperationException.class, () -> Optimizer.adam().config().put("x", 1));
    }

    // ---- state ---------------------------------------------------------------------------------------

    @Test
    void slotNamesPerOptimizer() {
        assertEquals(List.of(), Optimizer.sgd().slotNames());
        assertEquals(List.of(), Optimizer.sgd(0.1, 0.0, true).slotNames());
        assertEquals(List.of("velocity"), Optimizer.sgd(0.1, 0.9, false).slotNames());
        assertEquals(List.of("mean_square"), Optimizer.rmsprop().slotNames());
        assertEquals(List.of("m", "v"), Optimizer.adam().slotNames());
        assertEquals(List.of("accumulator"), Optimizer.adagrad().slotNames());
    }

    static Stream<Arguments> allWithDtypes() {
        return all().flatMap(o -> Stream.of(Arguments.of(o, DType.FLOAT32), Arguments.of(o, DType.FLOAT64)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allWithDtypes")
    void initSizesSlots(Optimizer opt, DType dtype) {
        OptimizerState state = opt.init(5, dtype);
        assertEquals(0, state.iterations());
        assertEquals(opt.slotNames().size(), state.slots().size());
        double expected = opt instanceof Adagrad a ? a.initialAccumulatorValue() : 0.0;
        for (Tensor slot : state.slots()) {
            assertEquals(Shape.of(5), slot.shape());
            assertEquals(dtype, slot.dtype());
            for (int i = 0; i < 5; i++) {
                assertEquals(expected, slot.getFlat(i), 1e-7);
            }
        }
        // slots are independent tensors, not views of one another
        if (state.slots().size() == 2) {
            state.slot(0).setFlat(0, 42);
            assertEquals(0.0, state.slot(1).getFlat(0));
        }
        assertThrows(UnsupportedOperationException.class, () -> state.slots().add(Tensor.zeros(dtype, 5)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allWithDtypes")
    void stepsIncrementIterationsAndUpdateSlotsInPlace(Optimizer opt, DType dtype) {
        Tensor w = Tensor.of(new double[] {1, -2, 3}, 3).astype(dtype);
        Tensor g = Tensor.of(new double[] {0.5, -1, 0.25}, 3).astype(dtype);
        OptimizerState s0 = opt.init(3, dtype);
        List<double[]> before = s0.slots().stream().map(Tensor::toDoubleArray).toList();
        double[] w0 = w.toDoubleArray();

        OptimizerState s1 = opt.applyInPlace(s0, w, g);
        assertEquals(0, s0.iterations(), "the old record is not mutated");
        assertEquals(1, s1.iterations());
        assertEquals(s0.slots().size(), s1.slots().size());
        for (int k = 0; k < s1.slots().size(); k++) {
            assertSame(s0.slot(k), s1.slot(k), "slot " + k + " is the same tensor, updated in place");
            assertFalse(java.util.Arrays.equals(before.get(k), s1.slot(k).toDoubleArray()), "slot " + k + " changed");
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(w.getFlat(i) != w0[i], "param " + i + " moved");
            assertTrue(Math.signum(w.getFlat(i) - w0[i]) == -Math.signum(g.getFlat(i)), "param " + i + " went downhill");
        }
        assertArrayEquals(new double[] {0.5, -1, 0.25}, g.toDoubleArray(), "grads are read only");

        OptimizerState s2 = opt.applyInPlace(s1, w, g);
        assertEquals(2, s2.iterations());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allWithDtypes")
    void paramsCanBeAViewIntoALargerArray(Optimizer opt, DType dtype) {
        // a model's weights are views into one flat vector; the optimizer must honour offset() and size()
        Tensor whole = Tensor.of(new double[] {9, 9, 1, -2, 3, 9}, 6).astype(dtype);
        Tensor wholeGrads = Tensor.of(new double[] {7, 0.5, -1, 0.25, 7}, 5).astype(dtype);
        Tensor w = dtype == DType.FLOAT32
                ? Tensor.wrap(whole.floatStorage(), whole.offset() + 2, Shape.of(3))
                : Tensor.wrap(whole.doubleStorage(), whole.offset() + 2, Shape.of(3));
        Tensor g = dtype == DType.FLOAT32
                ? Tensor.wrap(wholeGrads.floatStorage(), wholeGrads.offset() + 1, Shape.of(3))
                : Tensor.wrap(wholeGrads.doubleStorage(), wholeGrads.offset() + 1, Shape.of(3));
        Tensor wCopy = w.copy();
        Tensor gCopy = g.copy();

        OptimizerState viaView = opt.applyInPlace(opt.init(3, dtype), w, g);
        OptimizerState viaCopy = opt.applyInPlace(opt.init(3, dtype), wCopy, gCopy);
        assertEquals(wCopy, w.copy());
        assertEquals(viaCopy.slots(), viaView.slots());
        assertEquals(9.0, whole.getFlat(0));
        assertEquals(9.0, whole.getFlat(1));
        assertEquals(9.0, whole.getFlat(5));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allWithDtypes")
    void operandsAtOneSharedOffsetStepLikeCompactOnes(Optimizer opt, DType dtype) {
        // the update loops index all arrays with one offset when params, grads and slots share it
        int offset = 2;
        Tensor w = viewAt(offset, dtype, 1, -2, 3);
        Tensor g = viewAt(offset, dtype, 0.5, -1, 0.25);
        OptimizerState fresh = opt.init(3, dtype);
        java.util.List<Tensor> slots = new java.util.ArrayList<>();
        for (Tensor slot : fresh.slots()) {
            slots.add(viewAt(offset, dtype, slot.toDoubleArray()));
        }
        Tensor wCopy = w.copy();
        OptimizerState viaViews = opt.applyInPlace(new OptimizerState(0, slots), w, g);
        OptimizerState viaCopies = opt.applyInPlace(fresh, wCopy, g.copy());
        viaViews = opt.applyInPlace(viaViews, w, g);
        viaCopies = opt.applyInPlace(viaCopies, wCopy, g.copy());
        assertEquals(wCopy, w.copy());
        for (int k = 0; k < slots.size(); k++) {
            assertEquals(viaCopies.slot(k), viaViews.slot(k).copy());
            assertSame(slots.get(k), viaViews.slot(k));
        }
    }

    /** A rank-1 view of {@code values} at {@code offset} in a larger array whose other elements are 9. */
    private static Tensor viewAt(int offset, DType dtype, double... values) {
        double[] whole = new double[offset + values.length + 1];
        java.util.Arrays.fill(whole, 9);
        System.arraycopy(values, 0, whole, offset, values.length);
        Tensor all = Tensor.of(whole, whole.length).astype(dtype);
        return dtype == DType.FLOAT32
                ? Tensor.wrap(all.floatStorage(), offset, Shape.of(values.length))
                : Tensor.wrap(all.doubleStorage(), offset, Shape.of(values.length));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void emptyParameterVectorIsANoOpStep(Optimizer opt) {
        OptimizerState s = opt.init(0, DType.FLOAT32);
        s = opt.applyInPlace(s, Tensor.zeros(DType.FLOAT32, 0), Tensor.zeros(DType.FLOAT32, 0));
        assertEquals(1, s.iterations());
    }

    // ---- validation of a step ------------------------------------------------------------------------

    @Test
    void rejectsNonFlatParamsOrGrads() {
        Adam adam = Optimizer.adam();
        OptimizerState s = adam.init(6, DType.FLOAT32);
        assertMessage("adam: params must be a flat rank-1 tensor, got shape (2, 3)",
                () -> adam.applyInPlace(s, Tensor.zeros(DType.FLOAT32, 2, 3), Tensor.zeros(DType.FLOAT32, 6)));
        assertMessage("adam: grads must be a flat rank-1 tensor, got shape (2, 3)",
                () -> adam.applyInPlace(s, Tensor.zeros(DType.FLOAT32, 6), Tensor.zeros(DType.FLOAT32, 2, 3)));
    }

    @Test
    void rejectsGradsOfAnotherSizeOrDtype() {
        Sgd sgd = Optimizer.sgd();
        OptimizerState s = sgd.init(3, DType.FLOAT32);
        assertMessage("sgd: grads must match params: expected float32 (3,), got float32 (4,)",
                () -> sgd.applyInPlace(s, Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT32, 4)));
        assertMessage("sgd: grads must match params: expected float32 (3,), got float64 (3,)",
                () -> sgd.applyInPlace(s, Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT64, 3)));
    }

    @Test
    void rejectsAStateOfAnotherSizeOrDtype() {
        Adam adam = Optimizer.adam();
        assertMessage("adam: state slot m does not match params: expected float32 (3,), got float32 (4,)",
                () -> adam.applyInPlace(adam.init(4, DType.FLOAT32),
                        Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT32, 3)));
        Adagrad adagrad = Optimizer.adagrad();
        assertMessage("adagrad: state slot accumulator does not match params: expected float32 (3,), got float64 (3,)",
                () -> adagrad.applyInPlace(adagrad.init(3, DType.FLOAT64),
                        Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT32, 3)));
    }

    @Test
    void rejectsAStateOfAnotherOptimizer() {
        Adam adam = Optimizer.adam();
        OptimizerState rmsState = Optimizer.rmsprop().init(3, DType.FLOAT32);
        assertMessage("adam: expected a state with 2 slot(s) [m, v], got 1 (was the state created by this "
                        + "optimizer's init?)",
                () -> adam.applyInPlace(rmsState, Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT32, 3)));
        Sgd momentum = Optimizer.sgd(0.1, 0.9, false);
        OptimizerState plain = Optimizer.sgd().init(3, DType.FLOAT32);
        assertMessage("sgd: expected a state with 1 slot(s) [velocity], got 0 (was the state created by this "
                        + "optimizer's init?)",
                () -> momentum.applyInPlace(plain, Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT32, 3)));
    }

    @Test
    void rejectsBadInitArguments() {
        assertMessage("rmsprop: parameterCount must be >= 0, got -1", () -> Optimizer.rmsprop().init(-1, DType.FLOAT32));
        assertThrows(NullPointerException.class, () -> Optimizer.rmsprop().init(3, null));
        assertMessage("iterations must be >= 0, got -1", () -> new OptimizerState(-1, List.of()));
        assertThrows(NullPointerException.class, () -> Optimizer.sgd().applyInPlace(null,
                Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT32, 3)));
    }

    // ---- validation of hyper-parameters --------------------------------------------------------------

    static Stream<Arguments> badHyperParameters() {
        return Stream.of(
                bad("rmsprop: learning_rate must be > 0, got -0.1", () -> new RmsProp(-0.1, 0.9, 1e-7)),
                bad("sgd: learning_rate must be > 0, got 0.0", () -> Optimizer.sgd(0.0)),
                bad("adam: learning_rate must be finite, got NaN", () -> Optimizer.adam(Double.NaN)),
                bad("adagrad: learning_rate must be finite, got Infinity",
                        () -> Optimizer.adagrad(Double.POSITIVE_INFINITY)),
                bad("adam: learning_rate must be > 0, got -1.0", () -> Optimizer.adam().withLearningRate(-1)),
                bad("sgd: momentum must be in [0, 1), got 1.0", () -> Optimizer.sgd(0.1, 1.0, false)),
                bad("sgd: momentum must be in [0, 1), got -0.5", () -> Optimizer.sgd().withMomentum(-0.5)),
                bad("rmsprop: rho must be in [0, 1), got 1.0", () -> Optimizer.rmsprop().withRho(1.0)),
                bad("rmsprop: rho must be in [0, 1), got NaN", () -> Optimizer.rmsprop().withRho(Double.NaN)),
                bad("rmsprop: epsilon must be finite and >= 0, got -1.0E-7", () -> new RmsProp(0.1, 0.9, -1e-7)),
                bad("adam: beta_1 must be in [0, 1), got 1.5", () -> Optimizer.adam().withBeta1(1.5)),
                bad("adam: beta_2 must be in [0, 1), got -0.01", () -> new Adam(0.1, 0.9, -0.01, 1e-7)),
                bad("adam: epsilon must be finite and >= 0, got Infinity",
                        () -> Optimizer.adam().withEpsilon(Double.POSITIVE_INFINITY)),
                bad("adagrad: initial_accumulator_value must be finite and >= 0, got -0.1",
                        () -> Optimizer.adagrad().withInitialAccumulatorValue(-0.1)),
                bad("adagrad: epsilon must be finite and >= 0, got NaN", () -> new Adagrad(0.1, 0.1, Double.NaN)));
    }

    private static Arguments bad(String message, Executable construct) {
        return Arguments.of(message, construct);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHyperParameters")
    void rejectsBadHyperParameters(String message, Executable construct) {
        assertMessage(message, construct);
    }

    @Test
    void acceptsBoundaryHyperParameters() {
        assertEquals(0.0, new Sgd(1e-9, 0.0, true).momentum());
        assertEquals(0.0, new RmsProp(0.1, 0.0, 0.0).rho());
        assertEquals(0.0, new Adam(0.1, 0.0, 0.0, 0.0).beta1());
        assertEquals(0.0, new Adagrad(0.1, 0.0, 0.0).initialAccumulatorValue());
        assertNotEquals(Optimizer.adam(), Optimizer.adam(0.002));
    }

    private static void assertMessage(String expected, Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertEquals(expected, e.getMessage());
    }
}
