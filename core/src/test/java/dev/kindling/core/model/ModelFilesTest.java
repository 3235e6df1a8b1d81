// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.core.BuildInfo;
import dev.kindling.core.Tolerances;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model file keeps reading what earlier versions wrote, and carries an input shape now. */
class ModelFilesTest {
    /** What the old code predicted for {@link #X} (see the README beside the fixture). */
    private static final float[] OLD_PREDICTIONS = {0.38684475f, 0.61315525f, 0.52728397f, 0.47271606f, 0.42124832f,
        0.57875174f, 0.42814282f, 0.57185715f};
    /** Another BLAS (or summation order) may round the float32 products differently; the weights are exact. */
    private static final Tensor X = Tensor.of(new float[] {0.1f, 0.2f, 0.3f, -0.4f, 0.5f, -0.6f, 0.7f, 0.8f, -0.9f,
        1.0f, -1.1f, 1.2f}, 4, 3);

    @Test
    void classNamesAreSavedWithTheModelAndCheckedWhenSet(@TempDir Path dir) throws IOException {
        Sequential model = new Sequential(new Dense(3, Activation.SOFTMAX, 4)).classNames(java.util.List.of("Bag",
                "Coat", "Sandal"));
        model.save(dir.resolve("named.kindling"));
        assertEquals(java.util.List.of("Bag", "Coat", "Sandal"), Sequential.load(dir.resolve("named.kindling"))
                .classNames());
        Sequential unnamed = new Sequential(new Dense(3, Activation.SOFTMAX, 4));
        unnamed.save(dir.resolve("unnamed.kindling"));
        assertEquals(java.util.List.of(), Sequential.load(dir.resolve("unnamed.kindling")).classNames());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> unnamed.classNames(java.util.List.of("Bag", "Coat", "Bag")));
        assertEquals("class name 2 is 'Bag', a repeat; class names must be distinct and non-empty", e.getMessage());
    }

    @Test
    void aFileWrittenBeforeInputShapesLoadsAndPredictsAsItDid(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("old.kindling");
        try (InputStream in = ModelFilesTest.class.getResourceAsStream("dense-dropout-v1.kindling")) {
            Files.copy(in, file);
        }
        Sequential old = Sequential.load(file);
        assertEquals(Shape.of(3), old.network().inputShape());
        assertEquals(26, old.network().layout().size());
        assertEquals(4, old.optimizerState().iterations());
        Tensor predicted = old.predict(X);
        assertTrue(Tensors.allClose(predicted, Tensor.of(OLD_PREDICTIONS, 4, 2), Tolerances.FLOAT32, Tolerances.FLOAT32), predicted.toString());
    }

    @Test
    void theInputShapeRoundTripsAndAnInconsistentOneIsNamed(@TempDir Path dir) throws IOException {
        Sequential model = new Sequential(new Flatten(Shape.of(2, 3, 1)), new Dense(2, Activation.SOFTMAX));
        model.compile(Optimizer.sgd(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        Path file = dir.resolve("shaped.kindling");
        model.save(file);
        Sequential loaded = Sequential.load(file);
        assertEquals(Shape.of(2, 3, 1), loaded.network().inputShape());
        assertEquals(model.weights(), loaded.weights());
        assertEquals(model.summary(), loaded.summary());

        Path bad = dir.resolve("bad.kindling");
        rewriteModelJson(file, bad, "\"inputDim\" : 6", "\"inputDim\" : 7");
        IOException e = assertThrows(IOException.class, () -> Sequential.load(bad));
        assertTrue(e.getMessage().contains("bad.kindling") && e.getMessage().contains("inputShape (2, 3, 1)")
                && e.getMessage().contains("inputDim is 7"), e.getMessage());
    }

    @Test
    void aLayerTypeThisJvmDoesNotKnowIsNamedWithTheKnownOnes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.kindling");
        new Sequential(new Flatten(Shape.of(2, 3, 1)), new Dense(2, Activation.SOFTMAX)).save(file);
        Path custom = dir.resolve("custom.kindling");
        rewriteModelJson(file, custom, "\"type\" : \"flatten\"", "\"type\" : \"my_flatten\"");
        IOException e = assertThrows(IOException.class, () -> Sequential.load(custom));
        assertTrue(e.getMessage().startsWith(custom + ": invalid architecture in model.json: layers[0].type: unknown"
                + " layer type 'my_flatten' (did you mean 'flatten'?), expected one of dense, "), e.getMessage());
    }

    @Test
    void aModelFileRecordsTheKindlingThatWroteIt(@TempDir Path dir) throws IOException {
        Sequential model = new Sequential(new Dense(2, Activation.SOFTMAX, 3));
        Path file = dir.resolve("m.kindling");
        model.save(file);
        JsonNode writtenBy = Registry.json().readTree(modelJson(file)).path("writtenBy");
        BuildInfo build = BuildInfo.current();
        assertEquals(System.getProperty("kindling.expected.version"), writtenBy.path("kindling").asText());
        assertEquals(build.commit().orElse(""), writtenBy.path("commit").asText(""));
        assertEquals(build.commit().isPresent(), writtenBy.has("uncommittedChanges"));
        assertEquals(model.weights(), Sequential.load(file).weights());
    }

    private static byte[] modelJson(Path file) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals("model.json")) {
                    return in.readAllBytes();
                }
            }
        }
        throw new AssertionError(file + " has no model.json");
    }

    /** Copies a model file, replacing text in its model.json. */
    private static void rewriteModelJson(Path from, Path to, String target, String replacement) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(from));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] bytes = in.readAllBytes();
                if (e.getName().equals("model.json")) {
                    String json = new String(bytes, StandardCharsets.UTF_8);
                    assertTrue(json.contains(target), json);
                    bytes = json.replace(target, replacement).getBytes(StandardCharsets.UTF_8);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(bytes);
                out.closeEntry();
            }
        }
    }
}
