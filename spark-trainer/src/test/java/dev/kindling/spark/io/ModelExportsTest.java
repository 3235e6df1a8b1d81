// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.model.Sequential;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports through Hadoop's file system API: the same bytes as the core writes, nothing left behind. */
class ModelExportsTest {
    @TempDir
    Path dir;

    @Test
    void writesTheCoresBytesThroughHadoopAtomically() throws Exception {
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 20), new Dense(3, Activation.SOFTMAX)).seed(4);
        ModelExports.write(model, ModelExports.Format.ONNX, new Configuration(), dir.resolve("m.onnx").toUri().toString());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        model.exportOnnx(expected);
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(dir.resolve("m.onnx")));

        ModelExports.write(model, ModelExports.Format.KERAS, new Configuration(), dir.resolve("sub/m.keras").toString());
        assertArrayEquals(model.predict(dev.kindling.core.tensor.Tensor.ones(model.network().dtype(), 2, 20))
                .toFloatArray(), Sequential.loadKeras(dir.resolve("sub/m.keras"))
                .predict(dev.kindling.core.tensor.Tensor.ones(model.network().dtype(), 2, 20)).toFloatArray());
        try (Stream<Path> files = Files.walk(dir)) {
            // Hadoop's local file system writes .crc files next to what it writes; no temporary file may stay.
            assertEquals(List.of("m.keras", "m.onnx"), files.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList());
        }
        assertThrows(IllegalArgumentException.class, () -> ModelExports.Format.of("pmml"));
    }
}
