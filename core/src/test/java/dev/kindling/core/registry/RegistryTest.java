// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.callbacks.CallbackConfig;
import dev.kindling.core.callbacks.EarlyStopping;
import dev.kindling.core.callbacks.TerminateOnNaN;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.RmsProp;
import dev.kindling.core.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The registry resolves every kind by the name the kind declares, and a kind of one's own by one registration. */
class RegistryTest {

    /** A user's activation: a few lines and one registration. */
    enum Swish implements Activation {
        INSTANCE;

        @Override
        public Variable apply(Variable z) {
            return Ops.mul(z, Ops.sigmoid(z));
        }

        @Override
        public String keyword() {
            return "swish_test";
        }
    }

    /** A user's callback: a listener, its job-file record, one registration. */
    record Counting(Integer every) implements CallbackConfig {
        @Override
        public TrainingListener build(Function<String, FileStore> storeAt) {
            return new TrainingListener() { };
        }
    }

    @Test
    void builtInKindsAreRegisteredUnderTheirOwnNames() {
        for (String name : List.of("sgd", "rmsprop", "adam", "adagrad")) {
            assertEquals(name, Registry.optimizer(name).name());
        }
        assertInstanceOf(RmsProp.class, Registry.optimizer("RMSprop"));
        assertSame(Loss.MEAN_SQUARED_ERROR, Registry.loss("mse"));
        assertSame(Loss.CATEGORICAL_CROSSENTROPY, Registry.loss(Loss.CATEGORICAL_CROSSENTROPY.keyword()));
        assertSame(Metric.ACCURACY, Registry.metric("acc"));
        assertEquals(Metric.topK(3), Registry.metric("top_3_categorical_accuracy"));
        for (Activation a : List.of(Activation.LINEAR, Activation.RELU, Activation.SIGMOID, Activation.TANH,
                Activation.SOFTMAX)) {
            assertSame(a, Registry.activation(a.keyword().toUpperCase()));
        }
    }

    @Test
    void unknownNamesAreRefusedWithTheKnownOnes() {
        assertEquals("unknown optimizer 'adamw' (did you mean 'adam'?), expected one of sgd, rmsprop, adam, adagrad",
                assertThrows(IllegalArgumentException.class, () -> Registry.optimizer("adamw")).getMessage()
                        .replaceAll(", [a-z_]+_test", ""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Registry.activation("relux")).getMessage()
                .startsWith("unknown activation 'relux'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Registry.loss("hinge")).getMessage()
                .contains("expected one of categorical_crossentropy"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Registry.metric("f1")).getMessage()
                .endsWith("(or top_<k>_categorical_accuracy)"));
    }

    @Test
    void anActivationOfOnesOwnIsSavedAndLoadedByItsName() throws Exception {
        Registry.activation(Swish.INSTANCE);
        Dense dense = new Dense(3, Swish.INSTANCE, 2);
        String json = Registry.json().writeValueAsString(dense);
        assertTrue(json.contains("\"activation\":\"swish_test\""), json);
        Layer back = Registry.json().readValue(json, Layer.class);
        assertEquals(dense, back);
        Variable out = Swish.INSTANCE.apply(Variable.constant(Tensor.of(new double[] {0, 1}, 1, 2)));
        assertEquals(1 / (1 + Math.exp(-1)), out.value().getFlat(1), 1e-12);
        JsonMappingException e = assertThrows(JsonMappingException.class, () -> Registry.json().readValue(
                json.replace("swish_test", "swishh_test"), Layer.class));
        assertTrue(e.getMessage().contains("unknown activation 'swishh_test' (did you mean 'swish_test'?)"),
                e.getMessage());
    }

    @Test
    void callbacksBindFromTheirRegisteredNamesWithTheBuildersDefaults() throws Exception {
        Registry.callback("counting_test", Counting.class);
        CallbackConfig counting = Registry.json().readValue("{\"type\":\"counting_test\",\"every\":2}",
                CallbackConfig.class);
        assertEquals(new Counting(2), counting);
        CallbackConfig stop = Registry.json().readValue("{\"type\":\"early_stopping\",\"patience\":2,"
                + "\"mode\":\"MAX\"}", CallbackConfig.class);
        assertEquals(new EarlyStopping.Config(null, dev.kindling.core.callbacks.Mode.MAX, null, 2, null), stop);
        assertInstanceOf(EarlyStopping.class, stop.build(dir -> null));
        assertInstanceOf(TerminateOnNaN.class, Registry.json().readValue("{\"type\":\"terminate_on_nan\"}",
                CallbackConfig.class).build(dir -> null));
        JsonMappingException bad = assertThrows(JsonMappingException.class, () -> Registry.json().readValue(
                "{\"type\":\"early_stopping\",\"mode\":\"up\"}", CallbackConfig.class));
        assertTrue(bad.getMessage().contains("mode must be auto, min or max, got 'up'"), bad.getMessage());
    }

    @Test
    void optimizerConfigNeedsNoRegistry() {
        Optimizer rms = Optimizer.rmsprop(0.01);
        assertEquals(List.of("name", "learning_rate", "rho", "epsilon"), List.copyOf(rms.config().keySet()));
        assertEquals("rmsprop", rms.config().get("name"));
    }
}
