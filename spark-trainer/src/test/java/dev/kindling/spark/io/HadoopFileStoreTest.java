// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.checkpoint.BackupAndRestore;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints through Hadoop's file system API (a file: URI here): written whole, a torn one skipped. */
class HadoopFileStoreTest {
    @TempDir
    Path dir;

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 3), new Dense(2, Activation.SOFTMAX)).seed(1);
        model.compile(Optimizer.rmsprop(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static Tensor[] data() {
        Random rng = new Random(2);
        float[] x = new float[100 * 3];
        float[] y = new float[100 * 2];
        for (int i = 0; i < 100; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = (float) rng.nextGaussian();
            }
            y[i * 2 + (x[i * 3] > 0 ? 1 : 0)] = 1;
        }
        return new Tensor[] {Tensor.of(x, 100, 3), Tensor.of(y, 100, 2)};
    }

    private BackupAndRestore backup(List<String> messages) throws IOException {
        return BackupAndRestore.to(HadoopFileStore.at(new Configuration(), dir.toUri().toString()))
                .everySteps(4).everyEpochs(0).keep(3).messages(messages::add).build();
    }

    private static FitOptions options(TrainingListener... listeners) {
        return FitOptions.builder().epochs(2).batchSize(10).seed(5).listeners(listeners).build();
    }

    @Test
    void aTornCheckpointIsSkippedForThePreviousGoodOne() throws IOException {
        Tensor[] d = data();
        Sequential straight = model();
        straight.fit(d[0], d[1], options());

        TrainingListener crash = new TrainingListener() {
            private int steps;

            @Override
            public void onBatchEnd(TrainingData.Step step, double elapsed, Map<String, Double> logs) {
                if (++steps == 14) {
                    throw new IllegalStateException("crash");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> model().fit(d[0], d[1], options(backup(new ArrayList<>()), crash)));
        List<String> names = names();
        assertEquals(List.of("checkpoint-e000001-s0000004.kindling", "checkpoint-e000001-s0000008.kindling",
                "checkpoint-e000002-s0000002.kindling"), names, "the newest three, no temporary or checksum files");
        Path newest = dir.resolve(names.get(2));
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 2));   // a write that broke off

        List<String> messages = new ArrayList<>();
        Sequential resumed = model();
        resumed.fit(d[0], d[1], options(backup(messages)));
        assertArrayEquals(straight.weights().toFloatArray(), resumed.weights().toFloatArray());
        assertTrue(messages.get(0).startsWith("warning: skipping checkpoint " + newest.toUri().toString()
                .replace("file:///", "file:/")), messages.toString());
        assertTrue(messages.get(1).contains("checkpoint-e000001-s0000008.kindling"), messages.toString());
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
