// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.stage;

import dev.kindling.core.model.BatchStats;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The training stage's data plane alone, over loopback: a hub and P tasks (threads of this JVM, each on its own
 * socket, as tasks in executor JVMs would be) exchanging a model's worth of floats each way per step, with no
 * gradient arithmetic. Prints milliseconds per step, the bytes into and out of the driver per step and the driver's
 * throughput, for each task count. Not a test: run by scripts/bench data-plane.
 *
 * <p>Usage: DataPlaneBench [elements (407050: the seed network)] [steps (300)] [task counts (2,8)]
 */
public final class DataPlaneBench {
    private DataPlaneBench() {
    }

    public static void main(String[] args) throws Exception {
        int elements = args.length > 0 ? Integer.parseInt(args[0]) : 407_050;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int[] counts = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {2, 8};
        System.out.printf(Locale.ROOT, "data plane over loopback: %d float32 elements (%.2f MB) each way per task and"
                + " step, %d steps after 50 warm-up steps, %d cores%n", elements, elements * 4 / 1e6, steps,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-6s %-12s %-16s %-16s %-14s%n", "tasks", "ms/step", "MB in/step",
                "MB out/step", "driver MB/s");
        for (int tasks : counts) {
            run(elements, steps, tasks);
        }
    }

    private static void run(int elements, int steps, int tasks) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try (Hub hub = Hub.open(new Hub.Settings("127.0.0.1", "127.0.0.1", 0, 0, Duration.ofSeconds(60)))) {
            Segment segment = hub.openSegment(tasks, elements, DType.FLOAT32, 1, 1024);
            Tensor gradient = Tensor.uniform(Shape.of(elements), DType.FLOAT32, -1, 1, new Random(1));
            List<Future<Integer>> served = new ArrayList<>();
            for (int p = 0; p < tasks; p++) {
                int partition = p;
                served.add(pool.submit(() -> segment.link().serveOverSocket(partition, (rows, seed, weights) ->
                        new Partial(new BatchStats(rows.length, 0.5, new double[] {1}), gradient, 0))));
            }
            segment.awaitPeers(() -> false);
            Tensor weights = Tensor.uniform(Shape.of(elements), DType.FLOAT32, -1, 1, new Random(2));
            int[] rows = new int[128];
            for (int s = 0; s < 50; s++) {
                segment.step(s, rows, s, weights);
            }
            long out0 = segment.bytesOut();
            long in0 = segment.bytesIn();
            long start = System.nanoTime();
            for (int s = 50; s < 50 + steps; s++) {
                segment.step(s, rows, s, weights);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double in = (segment.bytesIn() - in0) / (double) steps;
            double out = (segment.bytesOut() - out0) / (double) steps;
            segment.end();
            for (Future<Integer> f : served) {
                f.get();
            }
            System.out.printf(Locale.ROOT, "%-6d %-12.2f %-16.3f %-16.3f %-14.0f%n", tasks, seconds * 1e3 / steps,
                    in / 1e6, out / 1e6, (in + out) * steps / seconds / 1e6);
        } finally {
            pool.shutdownNow();
        }
    }
}
