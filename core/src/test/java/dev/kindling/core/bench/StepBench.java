// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.bench;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.BatchGradient;
import dev.kindling.core.model.Network;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.OptimizerState;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One training step of the seed network in one thread, without Spark: the gradient of a batch (the work a
 * partition does per step) and the RMSProp update (the driver's work), for batch sizes given as arguments
 * (default 64 128 512). Not a test: run through {@code scripts/bench step}.
 */
public final class StepBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final double FLOP_PER_SAMPLE = 2.0 * (2 * 784 * 512 + 3 * 512 * 10);

    private StepBench() {
    }

    public static void main(String[] args) throws InterruptedException {
        int threads = Integer.getInteger("bench.threads", 1);
        System.out.println("BLAS: " + Blas.implementationName() + ", OPENBLAS_NUM_THREADS="
                + System.getenv("OPENBLAS_NUM_THREADS") + ", concurrent threads: " + threads);
        for (String a : args.length > 0 ? args : new String[] {"64", "128", "512"}) {
            int batch = Integer.parseInt(a);
            // Several threads at once, as Spark runs one task per core: shows what sharing the cores' caches and
            // memory bandwidth costs, apart from anything Spark does.
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                workers[t] = new Thread(() -> run(batch), "step-" + t);
                workers[t].start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
        }
    }

    private static void run(int batch) {
        Network net = new Network(List.of(new Dense(512, Activation.RELU), new Dense(10, Activation.SOFTMAX)), 784,
                DType.FLOAT32);
        Tensor weights = net.initialWeights(1);
        Tensor x = Tensor.uniform(Shape.of(batch, 784), DType.FLOAT32, 0, 1, new Random(1));
        float[] y = new float[batch * 10];
        for (int i = 0; i < batch; i++) {
            y[i * 10 + i % 10] = 1;
        }
        Tensor targets = Tensor.of(y, batch, 10);
        Tensor grad = Tensor.zeros(DType.FLOAT32, weights.size());
        Optimizer rmsprop = Optimizer.rmsprop();
        OptimizerState state = rmsprop.init(weights.size(), DType.FLOAT32);
        List<Metric> metrics = List.of(Metric.CATEGORICAL_ACCURACY);
        long[] ids = new long[batch];
        int steps = 400;
        for (int round = 0; round < 3; round++) { // the last round is reported, after warm-up
            long gradientNanos = 0;
            long gradientCpuNanos = 0;
            long updateNanos = 0;
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                long c0 = THREADS.getCurrentThreadCpuTime();
                grad.fillInPlace(0);
                BatchGradient.accumulate(net, Loss.CATEGORICAL_CROSSENTROPY, metrics, weights, x, targets,
                        ForwardContext.training(i, ids), grad);
                long t1 = System.nanoTime();
                gradientCpuNanos += THREADS.getCurrentThreadCpuTime() - c0;
                grad.scaleInPlace(1.0 / batch);
                state = rmsprop.applyInPlace(state, weights, grad);
                long t2 = System.nanoTime();
                gradientNanos += t1 - t0;
                updateNanos += t2 - t1;
            }
            if (round == 2) {
                double gradientMs = gradientNanos / 1e6 / steps;
                System.out.printf(Locale.ROOT, "%s batch %4d: gradient %.2f ms (%.1f GFLOP/s; on a CPU %.2f ms), update"
                        + " %.2f ms%n", Thread.currentThread().getName(), batch, gradientMs,
                        batch * FLOP_PER_SAMPLE / (gradientMs / 1e3) / 1e9, gradientCpuNanos / 1e6 / steps,
                        updateNanos / 1e6 / steps);
            }
        }
    }
}
