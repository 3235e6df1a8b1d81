// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.blas;

import dev.ludovic.netlib.blas.BLAS;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Not a test: SGEMM/DGEMM throughput of (128x784)·(784x512) for each implementation that loads here.
 * Run with {@code scripts/bench blas [java] [vector] [native]}. Each sample repeats the product for at least
 * 200 ms after a warm-up; the median of the samples is printed in GFLOP/s (2*m*n*k flops per product).
 */
public final class GemmBench {
    private static final int M = 128, K = 784, N = 512, SAMPLES = 7;
    private static final long WARMUP_NANOS = 1_500_000_000L, SAMPLE_NANOS = 200_000_000L;

    public static void main(String[] args) {
        List<String> choices = args.length > 0 ? Arrays.asList(args) : List.of("java", "vector", "native");
        System.out.printf("(%dx%d)·(%dx%d), median of %d samples, OPENBLAS_NUM_THREADS=%s, %d CPUs%n",
                M, K, K, N, SAMPLES, System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "unset"),
                Runtime.getRuntime().availableProcessors());
        for (String choice : choices) {
            BlasLoader.Selection selection;
            try {
                selection = BlasLoader.select(choice);
            } catch (RuntimeException e) {
                System.out.printf("%-8s not available: %s%n", choice, e.getMessage());
                continue;
            }
            BLAS blas = selection.blas();
            double s = measure(() -> sgemm(blas));
            double d = measure(() -> dgemm(blas));
            System.out.printf("%-8s SGEMM %7.1f GFLOP/s  DGEMM %7.1f GFLOP/s  [%s]%n", choice, s, d, selection.name());
        }
    }

    private static final Random RND = new Random(1);
    private static final float[] FA = floats(M * K), FB = floats(K * N), FC = new float[M * N];
    private static final double[] DA = doubles(M * K), DB = doubles(K * N), DC = new double[M * N];

    private static void sgemm(BLAS blas) {
        Blas.sgemm(blas, false, false, M, N, K, 1f, FA, 0, K, FB, 0, N, 0f, FC, 0, N);
    }

    private static void dgemm(BLAS blas) {
        Blas.dgemm(blas, false, false, M, N, K, 1d, DA, 0, K, DB, 0, N, 0d, DC, 0, N);
    }

    private static double measure(Runnable product) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < WARMUP_NANOS) {
            product.run();
        }
        double[] gflops = new double[SAMPLES];
        for (int s = 0; s < SAMPLES; s++) {
            long t0 = System.nanoTime(), t;
            int reps = 0;
            do {
                product.run();
                reps++;
                t = System.nanoTime();
            } while (t - t0 < SAMPLE_NANOS);
            gflops[s] = 2.0 * M * N * K * reps / (t - t0);
        }
        Arrays.sort(gflops);
        return gflops[SAMPLES / 2];
    }

    private static float[] floats(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) RND.nextGaussian();
        }
        return x;
    }

    private static double[] doubles(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = RND.nextGaussian();
        }
        return x;
    }

    private GemmBench() {
    }
}
