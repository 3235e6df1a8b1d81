// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.model.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model.base}: train starts from a saved model's first layers, frozen, with the job's layers on top. */
class FineTuneJobTest {
    @TempDir
    Path dir;
    Path base;

    /** A saved 784-32-10 network stands for a pretrained model (its weights are what matters here, not its skill). */
    @BeforeEach
    void saveBase() throws IOException {
        Sequential model = new Sequential(new Dense(32, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX))
                .seed(9);
        base = dir.resolve("base.kindling");
        model.save(base);
    }

    private Cli train(String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "-c", Cli.repoRoot().resolve("conf/mnist-mlp.conf")
                .toString()));
        for (String s : List.of("data.dir=\"" + Cli.digits() + "\"", "output.dir=\"" + dir.resolve("out") + "\"",
                "spark.master=local[2]", "spark.conf.spark.ui.enabled=false", "fit.epochs=1",
                "model.base.path=\"" + base + "\"", "model.base.keep-layers=1",
                "model.layers=[{type = dense, units = 10, activation = softmax}]")) {
            args.add("--set");
            args.add(s);
        }
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return Cli.run(args.toArray(new String[0]));
    }

    @Test
    void theBaseIsFrozenAndTheNewHeadTrains() throws IOException {
        Cli cli = train();
        assertEquals(Main.OK, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("Trainable params: 330\n"), cli::toString);
        assertTrue(cli.out().contains("Non-trainable params: 25,120\n"), cli::toString);
        Sequential trained = Sequential.load(dir.resolve("out/model.kindling"));
        Sequential saved = Sequential.load(base);
        assertFalse(trained.isTrainable(0));
        assertTrue(trained.isTrainable(1));
        for (int p = 0; p < 2; p++) {
            assertArrayEquals(saved.layerWeights(0).get(p).toFloatArray(), trained.layerWeights(0).get(p).toFloatArray(),
                    "the frozen base's weight " + p + ", bit for bit");
        }
        assertEquals(330, trained.optimizerState().slot(0).size(), "RMSprop's slots: the head's weights only");
    }

    @Test
    void badBasesAreBadConfigurationsNamingTheKey() {
        Cli tooMany = train("model.base.keep-layers=3");
        assertEquals(Main.BAD_CONFIGURATION, tooMany.exitCode(), tooMany::toString);
        assertTrue(tooMany.err().contains("model.base.keep-layers") && tooMany.err().contains("[dense, dense_1]"),
                tooMany::toString);
        Cli missing = train("model.base.path=\"" + dir.resolve("nothing.kindling") + "\"");
        assertEquals(Main.BAD_CONFIGURATION, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("model.base.path"), missing::toString);
        Cli misfit = train("model.layers=[{type = max_pooling2d, pool-size = 2}, {type = dense, units = 10}]");
        assertEquals(Main.BAD_CONFIGURATION, misfit.exitCode(), misfit::toString);
        assertTrue(misfit.err().contains("model.layers") && misfit.err().contains("(32,)"), misfit::toString);
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
