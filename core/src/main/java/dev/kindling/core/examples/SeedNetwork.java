// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.examples;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Chapter 2 of <i>Deep Learning with R</i> in one JVM: the seed network (Dense(512, relu) -> Dense(10, softmax),
 * RMSProp, categorical cross-entropy, 5 epochs of batch 128) on a folder of MNIST-format IDX files, the shipped
 * {@code data/mnist-digits} by default. Prints progress, the test accuracy and the seconds per epoch.
 *
 * <p>Usage: {@code SeedNetwork [DATA_DIR [SEED]]}; run through {@code scripts/train-in-one-jvm}.
 */
public final class SeedNetwork {
    private SeedNetwork() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 2 || Arrays.asList(args).contains("--help")) {
            System.err.println("usage: SeedNetwork [DATA_DIR [SEED]]  (DATA_DIR holds the four MNIST IDX files;"
                    + " default data/mnist-digits, seed 1)");
            System.exit(args.length > 2 ? 2 : 0);
        }
        Path dir = Path.of(args.length > 0 ? args[0] : "data/mnist-digits");
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1L;

        Mnist mnist = Mnist.load(dir);
        Tensor trainImages = Mnist.flattenAndScale(mnist.trainImages());
        Tensor testImages = Mnist.flattenAndScale(mnist.testImages());
        Tensor trainLabels = Labels.toCategorical(mnist.trainLabels(), 10);
        Tensor testLabels = Labels.toCategorical(mnist.testLabels(), 10);
        System.out.println("data: " + dir + ", train images " + mnist.trainImages() + ", test images "
                + mnist.testImages().shape());
        System.out.println("BLAS: " + Blas.implementationName());

        Sequential network = new Sequential(
                new Dense(512, Activation.RELU, 28 * 28),
                new Dense(10, Activation.SOFTMAX)).seed(seed);
        System.out.print(network.summary());
        network.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        History history = network.fit(trainImages, trainLabels,
                FitOptions.builder().epochs(5).batchSize(128).seed(seed).build());
        Evaluation result = network.evaluate(testImages, testLabels);

        double secondsPerEpoch = history.epochSeconds().stream().mapToDouble(Double::doubleValue).average().orElse(0);
        System.out.printf(Locale.ROOT, "test loss %.4f, test accuracy %.4f%n", result.loss(), result.accuracy());
        System.out.printf(Locale.ROOT, "seconds per epoch: mean %.2f, epochs %s%n", secondsPerEpoch,
                history.epochSeconds().stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList());
        System.out.println("first ten test predictions: "
                + Arrays.toString(network.predictClasses(testImages.slice(0, 0, 10)))
                + ", labels: " + Arrays.toString(mnist.testLabels().slice(0, 0, 10).toIntArray()));
    }
}
