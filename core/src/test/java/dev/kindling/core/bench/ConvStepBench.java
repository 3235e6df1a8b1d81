// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.bench;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.BatchGradient;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.TrainableWeights;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.OptimizerState;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;

/**
 * Training steps of chapter 5's convnet on batches of 64 real digits, without the fit loop's bookkeeping: the
 * gradient of a batch and the RMSProp update, median and mean of {@code bench.steps} steps (default 300) after as
 * many of warm-up. Prints what one epoch of the shipped 8,000 digits would cost (125 steps). Not a test: run
 * through {@code scripts/bench convnet --steps}. {@code -Dbench.frozen=N} freezes the first N layers (5: the
 * convolutional base), as a fine-tuning fit does: no gradient below the first trainable layer, RMSProp on the
 * trainable weights only.
 */
public final class ConvStepBench {
    private ConvStepBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "data/mnist-digits");
        int steps = Integer.getInteger("bench.steps", 300);
        int batch = 64;
        System.out.println("BLAS: " + Blas.implementationName() + ", OPENBLAS_NUM_THREADS="
                + System.getenv("OPENBLAS_NUM_THREADS") + ", fork-join parallelism "
                + ForkJoinPool.getCommonPoolParallelism());
        Mnist mnist = Mnist.load(dir);
        Tensor images = Mnist.imagesAndScale(mnist.trainImages());
        Tensor labels = Labels.toCategorical(mnist.trainLabels(), 10);
        Network net = Convnet.chapter5().network();
        int frozen = Integer.getInteger("bench.frozen", 0);
        List<Boolean> flags = new java.util.ArrayList<>();
        for (int l = 0; l < net.layers().size(); l++) {
            flags.add(l >= frozen);
        }
        net = net.withTrainable(flags);
        TrainableWeights trainable = net.trainableWeights();
        Tensor weights = net.initialWeights(1);
        Tensor grad = Tensor.zeros(DType.FLOAT32, weights.size());
        Tensor packedWeights = trainable.gather(weights);
        Tensor packedGrad = trainable.gather(grad);
        Optimizer rmsprop = Optimizer.rmsprop();
        OptimizerState state = rmsprop.init(trainable.size(), DType.FLOAT32);
        System.out.println("frozen layers: " + frozen + ", trainable weights " + trainable.size() + " of "
                + weights.size());
        List<Metric> metrics = List.of(Metric.CATEGORICAL_ACCURACY);
        long[] ids = new long[batch];
        int batches = images.dim(0) / batch;
        double[] millis = new double[steps];
        for (int i = -steps; i < steps; i++) {
            int b = Math.floorMod(i, batches);
            Tensor x = images.slice(0, b * batch, (b + 1) * batch);
            Tensor y = labels.slice(0, b * batch, (b + 1) * batch);
            long t0 = System.nanoTime();
            grad.fillInPlace(0);
            BatchGradient.accumulate(net, Loss.CATEGORICAL_CROSSENTROPY, metrics, weights, x, y,
                    ForwardContext.training(i, ids), grad);
            grad.scaleInPlace(1.0 / batch);
            trainable.gatherInto(weights, packedWeights);
            trainable.gatherInto(grad, packedGrad);
            state = rmsprop.applyInPlace(state, packedWeights, packedGrad);
            trainable.scatterInto(packedWeights, weights);
            if (i >= 0) {
                millis[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double mean = Arrays.stream(millis).average().orElse(0);
        Arrays.sort(millis);
        double median = millis[steps / 2];
        System.out.printf(Locale.ROOT, "step (batch %d): median %.2f ms, mean %.2f ms, p90 %.2f ms -> %.2f s per"
                + " 125-step epoch at the median%n", batch, median, mean, millis[steps * 9 / 10], median * 125 / 1e3);
    }
}
