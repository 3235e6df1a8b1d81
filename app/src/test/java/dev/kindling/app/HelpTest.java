// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** Every command's examples print as written (picocli wraps a line over 80 columns mid-token), and speak of it. */
class HelpTest {

    @Test
    void examplesAreNotWrappedAndEvaluateAndPredictDoNotTalkAboutTraining() {
        Map<String, Class<?>> commands = Map.of("train", TrainCommand.class, "evaluate", EvaluateCommand.class,
                "predict", PredictCommand.class, "export", ExportCommand.class, "", Main.class);
        commands.forEach((name, type) -> {
            Cli cli = name.isEmpty() ? Cli.run("--help") : Cli.run(name, "--help");
            assertEquals(Main.OK, cli.exitCode(), cli::toString);
            for (String example : type.getAnnotation(Command.class).footer()) {
                assertTrue(cli.out().lines().anyMatch(example::equals), name + ": the example line '" + example
                        + "' is not printed whole:\n" + cli.out());
            }
            if (!name.equals("train") && !name.isEmpty()) {
                assertFalse(cli.out().contains("fit."), name + " help: " + cli.out());
            }
        });
    }
}
