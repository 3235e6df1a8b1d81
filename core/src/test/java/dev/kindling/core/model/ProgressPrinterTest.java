// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {

    @Test
    void printsKerasLikeEpochLinesAndRunningLinesAtMostEveryInterval() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressPrinter printer = new ProgressPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), 10.0);
        Map<String, Double> running = new LinkedHashMap<>();
        running.put("loss", 0.61234);
        running.put("accuracy", 0.78);
        printer.onEpochBegin(2, 5, 469);
        printer.onBatchEnd(new TrainingData.Step(2, 5, 1, 469), 4.0, running);    // too soon
        printer.onBatchEnd(new TrainingData.Step(2, 5, 120, 469), 12.4, running); // printed
        printer.onBatchEnd(new TrainingData.Step(2, 5, 121, 469), 13.0, running); // too soon after the last
        Map<String, Double> logs = new LinkedHashMap<>(running);
        logs.put("val_loss", 0.2647);
        logs.put("val_accuracy", 0.924);
        printer.onEpochEnd(new EpochLogs(2, 5, 469, 41.0, logs));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(List.of(
                "Epoch 2/5",
                "120/469 - 12s - loss: 0.6123 - accuracy: 0.7800",
                "469/469 - 41s - 87ms/step - loss: 0.6123 - accuracy: 0.7800 - val_loss: 0.2647 - val_accuracy: 0.9240"),
                lines);
        assertTrue(lines.get(2).startsWith("469/469"));
    }
}
