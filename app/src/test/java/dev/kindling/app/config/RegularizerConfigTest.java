// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.app.Cli;
import dev.kindling.app.Main;
import dev.kindling.app.config.JobConfigLoader.Task;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.regularizers.Regularizer;
import dev.kindling.core.tensor.Padding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A layer's {@code kernel-regularizer} / {@code bias-regularizer} in the job file: {@code { l2 = 0.001 }},
 * {@code { l1 = ... }} or both as Keras's {@code regularizer_l1_l2}, or a registered type by name with Keras's
 * defaults; bad values are named at their key before Spark starts.
 */
class RegularizerConfigTest {
    @TempDir
    Path dir;

    private static List<String> at(String... sets) {
        List<String> all = new java.util.ArrayList<>(List.of("data.dir=\"" + Cli.digits() + "\""));
        all.addAll(List.of(sets));
        return all;
    }

    @Test
    void layersTakeRegularizers() throws Exception {
        JobConfig job = JobConfigLoader.load(Cli.repoRoot().resolve("conf/mnist-mlp.conf"), at("model.layers=["
                + "{type = dense, units = 16, activation = relu, kernel-regularizer { l2 = 0.001 }},"
                + "{type = dense, units = 16, activation = relu, kernel-regularizer { l1 = 0.01, l2 = 0.002 },"
                + " bias-regularizer { type = l1 }},"
                + "{type = dense, units = 10, activation = softmax, kernel-regularizer { type = l2, l2 = 0.5 }}]"),
                Task.TRAIN);
        assertEquals(List.of(
                new Dense(16, Activation.RELU).withKernelRegularizer(Regularizer.l1L2(0, 0.001)),
                new Dense(16, Activation.RELU).withKernelRegularizer(Regularizer.l1L2(0.01, 0.002))
                        .withBiasRegularizer(Regularizer.l1(0.01)),
                new Dense(10, Activation.SOFTMAX).withKernelRegularizer(Regularizer.l2(0.5))), job.model().layers());
        assertTrue(job.model().newModel().network().hasRegularizers());

        JobConfig conv = JobConfigLoader.load(Cli.repoRoot().resolve("conf/mnist-convnet.conf"), at(
                "model.input-shape=[28, 28, 1]", "model.layers=[{type = conv2d, filters = 4, kernel-size = 3,"
                + " kernel-regularizer { l2 = 0.001 }}, {type = flatten}, {type = dense, units = 10, activation ="
                + " softmax}]"), Task.TRAIN);
        assertEquals(new Conv2D(4, 3, 3, 1, 1, Padding.VALID, Activation.LINEAR, null)
                .withKernelRegularizer(Regularizer.l1L2(0, 0.001)), conv.model().layers().get(0));
        assertEquals(new Flatten(), conv.model().layers().get(1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{l2 = -0.001}        | l1_l2 regularizer: l2 must be a finite number >= 0, got -0.001",
        "{type = l1, l1 = -1} | l1 regularizer: l1 must be a finite number >= 0, got -1.0",
        "{type = l3}          | l3",
        "{l3 = 0.1}           | l3",
        "{l2 = lots}          | lots",
    })
    void badRegularizersAreNamedAtTheirKey(String regularizer, String message) throws Exception {
        Path out = dir.resolve("out");
        Path job = dir.resolve("job.conf");
        Files.writeString(job, "data { dir = \"" + Cli.digits() + "\", scale = 255 }\n"
                + "model.layers = [{type = dense, units = 16, activation = relu, kernel-regularizer = " + regularizer
                + "}, {type = dense, units = 10, activation = softmax}]\n"
                + "output.dir = \"" + out + "\"\n"
                + "spark.master = \"local[1]\"\n");
        Cli cli = Cli.run("train", "--config", job.toString());
        assertEquals(Main.BAD_CONFIGURATION, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("model.layers[0]"), cli::toString);
        assertTrue(cli.err().contains(message), cli::toString);
        assertFalse(Files.exists(out), "the output directory must not be created");
    }
}
