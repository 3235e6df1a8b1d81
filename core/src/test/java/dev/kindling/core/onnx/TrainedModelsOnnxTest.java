// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kindling.core.TestData;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four models, trained briefly on the shipped digits (8,000 train) and exported; ONNX Runtime scores
 * the whole shipped test set (2,000 digits) and must agree with Kindling's {@code predict}: outputs within
 * {@link OnnxRuntimeCheck#TOLERANCE}, the same predicted class for every digit. Trained weights, not initial ones:
 * confident softmax outputs and large activations are where a wrong axis or layout shows.
 */
class TrainedModelsOnnxTest {
    private static Mnist mnist;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        mnist = Mnist.load(TestData.mnistDigits());
    }

    private static FitOptions oneEpoch(int batch) {
        return FitOptions.builder().epochs(1).batchSize(batch).seed(1).build();
    }

    @Test
    void seedNetwork() throws Exception {
        Sequential model = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX));
        model.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        model.fit(Mnist.flattenAndScale(mnist.trainImages()), Labels.toCategorical(mnist.trainLabels(), 10),
                oneEpoch(128));
        OnnxRuntimeCheck.assertAgrees(model, Mnist.flattenAndScale(mnist.testImages()), dir.resolve("seed.onnx"),
                "seed network (Dense(512, relu) -> Dense(10, softmax)), 2000 test digits");
    }

    /** One sigmoid unit: is the digit a 0? */
    @Test
    void binarySigmoidModel() throws Exception {
        Sequential model = new Sequential(new Dense(64, Activation.RELU, 784), new Dense(1, Activation.SIGMOID));
        model.compile(Optimizer.rmsprop(), Loss.BINARY_CROSSENTROPY, Metric.BINARY_ACCURACY);
        model.fit(Mnist.flattenAndScale(mnist.trainImages()), isZero(mnist.trainLabels()), oneEpoch(128));
        OnnxRuntimeCheck.Result r = OnnxRuntimeCheck.assertAgrees(model, Mnist.flattenAndScale(mnist.testImages()),
                dir.resolve("binary.onnx"), "binary sigmoid model (is it a 0?), 2000 test digits");
        assertTrue(positives(r.onnxOutputs()) > 100, "the model learned to find zeros: some outputs exceed 0.5");
    }

    /** One linear unit with mean squared error: the digit's value / 9. */
    @Test
    void regressionModel() throws Exception {
        Sequential model = new Sequential(new Dense(64, Activation.RELU, 784), new Dense(1));
        model.compile(Optimizer.rmsprop(), Loss.MEAN_SQUARED_ERROR, Metric.MAE);
        Tensor labels = mnist.trainLabels();
        model.fit(Mnist.flattenAndScale(mnist.trainImages()), labels.mul(1.0 / 9).reshape(labels.dim(0), 1),
                oneEpoch(128));
        OnnxRuntimeCheck.assertAgrees(model, Mnist.flattenAndScale(mnist.testImages()),
                dir.resolve("regression.onnx"), "regression model (digit / 9, mse), 2000 test digits", false);
    }

    @Test
    void chapter5Convnet() throws Exception {
        Sequential model = Convnet.chapter5(1);
        model.fit(Mnist.imagesAndScale(mnist.trainImages()), Labels.toCategorical(mnist.trainLabels(), 10),
                oneEpoch(64));
        OnnxRuntimeCheck.assertAgrees(model, Mnist.imagesAndScale(mnist.testImages()), dir.resolve("convnet.onnx"),
                "chapter-5 convnet, 2000 test digits");
    }

    /** The seed network on the full Fashion-MNIST test set, where {@code scripts/fetch-fashion-mnist} put it. */
    @Test
    void seedNetworkOnFashionMnist() throws Exception {
        Path fashion = TestData.dataDir().resolve("fashion-mnist");
        assumeTrue(Files.isRegularFile(fashion.resolve(Mnist.TEST_IMAGES + ".gz")),
                "no Fashion-MNIST in " + fashion + "; run scripts/fetch-fashion-mnist");
        Mnist data = Mnist.load(fashion);
        Sequential model = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX));
        model.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        model.fit(Mnist.flattenAndScale(data.trainImages()), Labels.toCategorical(data.trainLabels(), 10),
                oneEpoch(128));
        OnnxRuntimeCheck.assertAgrees(model, Mnist.flattenAndScale(data.testImages()), dir.resolve("fashion.onnx"),
                "seed network, Fashion-MNIST, 10000 test images");
    }

    private static Tensor isZero(Tensor labels) {
        Tensor y = Tensor.zeros(labels.dtype(), labels.dim(0), 1);
        for (int i = 0; i < labels.dim(0); i++) {
            y.setFlat(i, labels.getFlat(i) == 0 ? 1 : 0);
        }
        return y;
    }

    private static int positives(float[][] outputs) {
        int n = 0;
        for (float[] row : outputs) {
            n += row[0] > 0.5f ? 1 : 0;
        }
        return n;
    }
}
