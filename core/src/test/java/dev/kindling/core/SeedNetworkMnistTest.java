// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Chapter 2 of Deep Learning with R, in one JVM, on the 10,000 real MNIST digits shipped in {@code data/}:
 * Dense(512, relu) -> Dense(10, softmax), RMSProp, categorical cross-entropy, 5 epochs of batch 128.
 * PyTorch with the same recipe on the same 8,000/2,000 split reaches 0.932-0.949 over five seeds.
 */
class SeedNetworkMnistTest {
    private static final double REQUIRED_TEST_ACCURACY = 0.93;

    @Test
    void theSeedNetworkReachesTheIssuesAccuracyOnTheShippedDigits() throws IOException {
        Mnist mnist = Mnist.load(TestData.mnistDigits());
        Tensor trainImages = Mnist.flattenAndScale(mnist.trainImages());
        Tensor testImages = Mnist.flattenAndScale(mnist.testImages());
        Tensor trainLabels = Labels.toCategorical(mnist.trainLabels(), 10);
        Tensor testLabels = Labels.toCategorical(mnist.testLabels(), 10);

        Sequential network = new Sequential(
                new Dense(512, Activation.RELU, 28 * 28),
                new Dense(10, Activation.SOFTMAX));
        network.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        History history = network.fit(trainImages, trainLabels,
                FitOptions.builder().epochs(5).batchSize(128).seed(1).build());
        Evaluation result = network.evaluate(testImages, testLabels);
        System.out.println("test " + result);

        assertEquals(5, history.epochs());
        assertTrue(history.get("accuracy").get(4) > history.get("accuracy").get(0), history.toString());
        assertTrue(result.accuracy() >= REQUIRED_TEST_ACCURACY, "test accuracy " + result.accuracy());
        int[] firstTen = network.predictClasses(testImages.slice(0, 0, 10));
        int[] truth = mnist.testLabels().slice(0, 0, 10).toIntArray();
        int agree = 0;
        for (int i = 0; i < 10; i++) {
            agree += firstTen[i] == truth[i] ? 1 : 0;
        }
        assertTrue(agree >= 8, "first ten predictions agree with labels on " + agree);
    }
}
