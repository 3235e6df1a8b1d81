// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.examples;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.MaxPooling2D;
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
import java.util.List;
import java.util.Locale;

/**
 * Chapter 5 of <i>Deep Learning with R</i> in one JVM: the small convnet (three 3x3 convolutions with relu, two
 * 2x2 max poolings, Flatten, Dense(64, relu), Dense(10, softmax); 93,322 parameters), RMSProp, categorical
 * cross-entropy, 5 epochs of batch 64, on a folder of MNIST-format IDX files (the shipped
 * {@code data/mnist-digits} by default). Prints progress, the test accuracy and the seconds per epoch.
 *
 * <p>Usage: {@code Convnet [DATA_DIR [SEED [EPOCHS]]]}; run through {@code scripts/train-in-one-jvm --convnet}
 * or {@code scripts/bench convnet}.
 */
public final class Convnet {
    private Convnet() {
    }

    /** The chapter's model, compiled as the book compiles it; weights drawn with {@code seed}. */
    public static Sequential chapter5(long seed) {
        Sequential model = new Sequential(
                new Conv2D(32, 3, Activation.RELU).withInputShape(28, 28, 1),
                new MaxPooling2D(2),
                new Conv2D(64, 3, Activation.RELU),
                new MaxPooling2D(2),
                new Conv2D(64, 3, Activation.RELU),
                new Flatten(),
                new Dense(64, Activation.RELU),
                new Dense(10, Activation.SOFTMAX)).seed(seed);
        model.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    /** {@link #chapter5(long)} with seed 1. */
    public static Sequential chapter5() {
        return chapter5(1L);
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 3 || Arrays.asList(args).contains("--help")) {
            System.err.println("usage: Convnet [DATA_DIR [SEED [EPOCHS]]]  (DATA_DIR holds the four MNIST IDX files;"
                    + " default data/mnist-digits, seed 1, 5 epochs)");
            System.exit(args.length > 3 ? 2 : 0);
        }
        Path dir = Path.of(args.length > 0 ? args[0] : "data/mnist-digits");
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1L;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 5;

        Mnist mnist = Mnist.load(dir);
        Tensor trainImages = Mnist.imagesAndScale(mnist.trainImages());     // (n, 28, 28, 1) in [0, 1]
        Tensor testImages = Mnist.imagesAndScale(mnist.testImages());
        Tensor trainLabels = Labels.toCategorical(mnist.trainLabels(), 10);
        Tensor testLabels = Labels.toCategorical(mnist.testLabels(), 10);
        System.out.println("data: " + dir + ", train images " + trainImages.shape() + ", test images "
                + testImages.shape());
        System.out.println("BLAS: " + Blas.implementationName());

        Sequential model = chapter5(seed);
        System.out.print(model.summary());
        History history = model.fit(trainImages, trainLabels,
                FitOptions.builder().epochs(epochs).batchSize(64).seed(seed).build());
        Evaluation result = model.evaluate(testImages, testLabels);

        List<Double> seconds = history.epochSeconds();
        System.out.printf(Locale.ROOT, "test loss %.4f, test accuracy %.4f%n", result.loss(), result.accuracy());
        System.out.printf(Locale.ROOT, "seconds per epoch: mean %.2f, after the first %.2f, epochs %s%n",
                mean(seconds, 0), mean(seconds, 1),
                seconds.stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList());
    }

    /** Mean of the epochs from index {@code from} on (the first includes the JIT's warm-up). */
    static double mean(List<Double> seconds, int from) {
        return seconds.subList(Math.min(from, seconds.size() - 1), seconds.size()).stream()
                .mapToDouble(Double::doubleValue).average().orElse(0);
    }
}
