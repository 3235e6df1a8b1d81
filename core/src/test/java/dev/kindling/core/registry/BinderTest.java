// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.Sgd;
import dev.kindling.core.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BinderTest {
    record Section(@Binder.Range(min = 1, max = 10) int epochs, @Binder.NonEmpty String name, DType dtype,
                   boolean shuffle, List<String> paths, List<Layer> layers, Optimizer optimizer) {
    }

    private final List<String> problems = new ArrayList<>();
    private final Binder kebab = new Binder((key, message) -> problems.add(key + ": " + message), true)
            .withKind(Layer.class, "layer", "type", Registry::layerNames, name -> null, "{type = dense}", true)
            .withKind(Optimizer.class, "optimizer", "name", Registry::optimizerNames, Registry::optimizerDefaults,
                    "{name = sgd}", false);

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) new ObjectMapper().readTree(text);
    }

    private Section bind(String written) throws Exception {
        return kebab.section(json(written), json("""
                {"epochs": 1, "name": "n", "dtype": "float32", "shuffle": true, "paths": [], "layers": [],
                 "optimizer": "sgd"}"""), Section.class, Set.of("layers", "optimizer"));
    }

    @Test
    void aSectionBindsWithTypesafeConfigsLeniency() throws Exception {
        Section s = bind("""
                {"epochs": "3", "name": "x", "dtype": "FLOAT64", "shuffle": "yes", "paths": "one",
                 "layers": [{"type": "dense", "units": 2}], "optimizer": {"name": "sgd", "learning-rate": 0.5}}""");
        assertEquals(List.of(), problems);
        assertEquals(new Section(3, "x", DType.FLOAT64, true, List.of("one"), List.of(new Dense(2)),
                new Sgd(0.5, 0.0, false)), s);
    }

    @Test
    void everyProblemIsReportedAtItsKeyAndTakesItsDefault() throws Exception {
        Section s = bind("""
                {"epochs": 2.5, "name": "", "dtype": "float16", "shuffle": null, "paths": null, "shufle": true,
                 "layers": [{"type": "dense", "unit": 2}, 3], "optimizer": {"name": "sgd", "momentum": "high"}}""");
        assertEquals(List.of(
                "dtype: unknown value 'float16' (did you mean 'float32'?), expected one of float32, float64",
                "epochs: expected an integer, got number 2.5",
                "layers[0].unit: unknown key for the dense layer (did you mean 'units'?)",
                "layers[1]: expected a layer object like {type = dense}, got number 3",
                "name: must not be empty",
                "optimizer.momentum: expected a number, got string \"high\"",
                "shuffle: missing, expected true or false",
                "shufle: unknown key (did you mean 'shuffle'?); known keys here: dtype, epochs, layers, name,"
                        + " optimizer, paths, shuffle"), problems.stream().sorted().toList());
        assertEquals(1, s.epochs(), "a value that does not bind takes its default");
        assertEquals(List.of(), s.paths(), "a null list is an empty one");
    }

    @Test
    void aRangeIsCheckedAfterBinding() throws Exception {
        bind("{\"epochs\": 0, \"name\": \"x\", \"dtype\": \"float32\", \"shuffle\": true, \"paths\": [],"
                + " \"layers\": [], \"optimizer\": \"sgd\"}");
        assertEquals(List.of("epochs: must be in [1, 10], got 0"), problems);
    }

    @Test
    void aKindWrittenAloneIsBoundInSnakeCase() throws Exception {
        Binder snake = new Binder((key, message) -> problems.add(key + ": " + message), false);
        assertEquals(new Dense(4), snake.kind(json("{\"type\": \"dense\", \"units\": 4}"), "", Layer.class, "layer",
                "type", null, Registry.layerNames()));
        assertNull(snake.kind(json("{\"type\": \"conv2d\", \"filters\": 4}"), "", Layer.class, "layer", "type", null,
                Registry.layerNames()));
        assertEquals(List.of("kernel_size: missing (the conv2d layer needs it)"), problems);
    }
}
