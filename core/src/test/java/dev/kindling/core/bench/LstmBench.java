// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.bench;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.LSTM;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.Locale;
import java.util.Random;

/**
 * Chapter 6's {@code Embedding(10000, 32) -> LSTM(32) -> Dense(1, sigmoid)} in one JVM on random token sequences
 * (the same recipe as {@code scripts/lib/pytorch_lstm.py}: samples, length, batch 128, RMSProp 0.001), printing
 * seconds per epoch. Arguments: samples (default 2000), timesteps (default 500), epochs (default 2). Not a test:
 * run through {@code scripts/bench lstm}.
 */
public final class LstmBench {
    private LstmBench() {
    }

    public static void main(String[] args) {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        System.out.println("BLAS: " + Blas.implementationName() + ", OPENBLAS_NUM_THREADS="
                + System.getenv("OPENBLAS_NUM_THREADS"));
        Random rng = new Random(1);
        float[] x = new float[samples * steps];
        float[] y = new float[samples];
        for (int i = 0; i < samples; i++) {
            for (int t = 0; t < steps; t++) {
                x[i * steps + t] = 1 + rng.nextInt(9999);
            }
            y[i] = rng.nextInt(2);
        }
        Sequential model = new Sequential(new Embedding(10000, 32).withInputLength(steps), new LSTM(32),
                new Dense(1, Activation.SIGMOID)).seed(1);
        model.compile(Optimizer.rmsprop(0.001), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        System.out.print(model.summary());
        Tensor xs = Tensor.wrap(x, 0, Shape.of(samples, steps));
        Tensor ys = Tensor.wrap(y, 0, Shape.of(samples, 1));
        double[] seconds = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            long start = System.nanoTime();
            History h = model.fit(xs, ys, FitOptions.builder().epochs(1).batchSize(128).seed(1 + e)
                    .listeners().build());
            seconds[e] = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "epoch %d: %.2f s, loss %.4f%n", e + 1, seconds[e], h.get("loss").get(0));
        }
        double rest = 0;
        for (int e = 1; e < epochs; e++) {
            rest += seconds[e];
        }
        System.out.printf(Locale.ROOT, "seconds per epoch: mean %.2f (epochs 2..%d; epoch 1 %.2f with warm-up)%n",
                epochs > 1 ? rest / (epochs - 1) : seconds[0], epochs, seconds[0]);
    }
}
