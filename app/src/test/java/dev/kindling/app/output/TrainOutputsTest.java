// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import dev.kindling.spark.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files of a train run, and the atomic replacement of a previous run's directory (more in HadoopFilesTest). */
class TrainOutputsTest {
    static Sequential model;
    static History history;

    @TempDir
    Path dir;

    /** A tiny model fitted in memory for 3 epochs with validation: real History values to write. */
    @BeforeAll
    static void fit() {
        int n = 64;
        float[] x = new float[n * 4];
        float[] y = new float[n * 2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = ((i * 7 + j * 3) % 11) / 11f;
            }
            y[i * 2 + (x[i * 4] > 0.5f ? 1 : 0)] = 1;
        }
        model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(2, Activation.SOFTMAX)).seed(3);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        history = model.fit(Tensor.of(x, n, 4), Tensor.of(y, n, 2),
                FitOptions.builder().epochs(3).batchSize(16).validationSplit(0.25).listeners().build());
    }

    private HadoopFiles.Location at(Path p) throws IOException {
        return HadoopFiles.locate(new Configuration(), p.toString());
    }

    @Test
    void writesModelHistoryMetricsAndPlot() throws IOException {
        Path out = dir.resolve("run");
        TrainOutputs.write(at(out), model, history, Map.of("test", Map.of("loss", 0.5, "accuracy", 0.75)));
        assertEquals(List.of("history.json", "history.png", "metrics.json", "model.kindling"), names(out));

        JsonNode h = Json.MAPPER.readTree(out.resolve("history.json").toFile());
        for (String key : List.of("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds")) {
            assertEquals(3, h.get(key).size(), key);
        }
        assertEquals(history.get("val_accuracy").get(2), h.get("val_accuracy").get(2).asDouble());
        assertEquals(0.75, Json.MAPPER.readTree(out.resolve("metrics.json").toFile()).at("/test/accuracy").asDouble());

        byte[] png = Files.readAllBytes(out.resolve("history.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        BufferedImage image = ImageIO.read(out.resolve("history.png").toFile());
        assertEquals(HistoryPlot.WIDTH, image.getWidth());
        assertEquals(2 * HistoryPlot.PANEL_HEIGHT, image.getHeight(), "two panels: loss and accuracy");
        assertTrue(png.length > 10_000, "a drawn chart, not a blank image: " + png.length + " bytes");

        Sequential back = Sequential.load(out.resolve("model.kindling"));
        assertEquals(model.weights().toString(), back.weights().toString());
        assertEquals(3, back.epochsTrained());
    }

    @Test
    void aFailureWhileWritingKeepsThePreviousRun() throws IOException {
        Path out = dir.resolve("run");
        TrainOutputs.write(at(out), model, history, Map.of("run", 1));
        byte[] before = Files.readAllBytes(out.resolve("metrics.json"));

        // The model file is written, then metrics.json cannot be: Jackson has no serializer for this value.
        Map<String, Object> unwritable = Map.of("run", new Object());
        assertThrows(IOException.class, () -> TrainOutputs.write(at(out), model, history, unwritable));
        assertArrayEquals(before, Files.readAllBytes(out.resolve("metrics.json")));
        assertEquals(List.of("history.json", "history.png", "metrics.json", "model.kindling"), names(out));
        assertEquals(List.of("run"), names(dir), "no staging directory left behind");
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
