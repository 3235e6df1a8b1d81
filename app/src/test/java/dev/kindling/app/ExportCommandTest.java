// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kindling export}: a saved model to ONNX and to Keras's file, and its errors. */
class ExportCommandTest {
    @TempDir
    Path dir;

    private Path savedConvnet() throws Exception {
        Sequential model = new Sequential(new Conv2D(4, 3, Activation.RELU).withInputShape(28, 28, 1),
                new MaxPooling2D(2), new Flatten(), new Dense(10, Activation.SOFTMAX)).seed(2);
        Path file = dir.resolve("model.kindling");
        model.save(file);
        return file;
    }

    @Test
    void writesOnnxAndKerasFilesOfASavedModel() throws Exception {
        Path saved = savedConvnet();
        Cli onnx = Cli.run("export", "--format", "onnx", "--model", saved.toString(),
                "--output", dir.resolve("out/model.onnx").toUri().toString());
        assertEquals(Main.OK, onnx.exitCode(), onnx::toString);
        assertTrue(onnx.out().contains("as onnx to"), onnx::toString);
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("out/model.onnx")));
        assertEquals("input", proto.getGraph().getInput(0).getName());
        assertEquals(13, proto.getOpsetImport(0).getVersion());

        Cli keras = Cli.run("export", "-f", "KERAS", "-m", saved.toString(), "-o", dir.resolve("model.keras").toString());
        assertEquals(Main.OK, keras.exitCode(), keras::toString);
        Sequential original = Sequential.load(saved);
        Sequential back = Sequential.loadKeras(dir.resolve("model.keras"));
        Tensor x = Tensor.uniform(original.network().inputShape().prepend(5), DType.FLOAT32, 0, 1, new Random(1));
        assertArrayEquals(original.predict(x).toFloatArray(), back.predict(x).toFloatArray());
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith(".")), "temporary files left");
        }
    }

    @Test
    void badArgumentsFailWithExitCode2AndWriteNothing() throws Exception {
        Path saved = savedConvnet();
        Cli format = Cli.run("export", "-f", "pmml", "-m", saved.toString(), "-o", dir.resolve("m.pmml").toString());
        assertEquals(Main.BAD_CONFIGURATION, format.exitCode(), format::toString);
        assertTrue(format.err().contains("unknown export format 'pmml', expected onnx or keras"), format::toString);

        Cli missing = Cli.run("export", "-f", "onnx", "-m", dir.resolve("none.kindling").toString(),
                "-o", dir.resolve("m.onnx").toString());
        assertEquals(Main.BAD_CONFIGURATION, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("--model: no saved model at"), missing::toString);
        assertFalse(Files.exists(dir.resolve("m.onnx")));
        assertFalse(Files.exists(dir.resolve("m.pmml")));
    }
}
