// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.stream.IntStream;

/**
 * The one way kernels use more than one core: the common fork-join pool (the calling thread plus the pool's
 * workers, cores - 1 by default). At most {@value #THREADS_PROPERTY} pieces run at once (default: the pool's
 * parallelism + 1); {@code -Dkindling.threads=1} keeps every kernel in its caller's thread, for JVMs whose cores
 * are already busy with one task each. Work is split only into pieces that write disjoint outputs, so a result
 * never depends on how many threads computed it. Run native BLAS with one thread ({@code OPENBLAS_NUM_THREADS=1})
 * next to it: BLAS threads that spin waiting for work take the cores this pool needs.
 */
public final class Parallel {
    /** System property: the most threads a kernel uses; default the common pool's parallelism + 1. */
    public static final String THREADS_PROPERTY = "kindling.threads";
    /** Below this many elements of work a piece is not worth a fork. */
    static final long MIN_WORK = 1 << 16;
    private static final int THREADS = Math.max(1, Integer.getInteger(THREADS_PROPERTY,
            ForkJoinPool.getCommonPoolParallelism() + 1));

    private Parallel() {
    }

    /** Work on the items {@code [from, to)} of a range. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over contiguous ranges of the items {@code [0, n)}, at most one range per thread of the
     * pool (plus the caller), fewer when there is little work; in the caller's thread alone if one range will do.
     *
     * @param workPerItem about how many elements one item touches, to decide whether to split at all
     */
    public static void forRanges(int n, long workPerItem, Range body) {
        int parts = (int) Math.min(Math.min(n, THREADS), Math.max(1L, n * workPerItem / MIN_WORK));
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        try {
            IntStream.range(0, parts).parallel().forEach(p -> body.run(
                    (int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts)));
        } catch (RuntimeException e) {
            throw original(e);
        }
    }

    /** The most threads a kernel uses (see {@value #THREADS_PROPERTY}). */
    public static int threads() {
        return THREADS;
    }

    /** Runs independent tasks at once and returns when all are done; the first failure is rethrown. */
    public static void all(Runnable... tasks) {
        if (tasks.length == 1 || THREADS == 1) {
            for (Runnable t : tasks) {
                t.run();
            }
            return;
        }
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[tasks.length - 1];
        for (int i = 1; i < tasks.length; i++) {
            forked[i - 1] = ForkJoinTask.adapt(tasks[i]).fork();
        }
        RuntimeException failure = null;
        try {
            tasks[0].run();
        } catch (RuntimeException e) {
            failure = e;
        }
        for (ForkJoinTask<?> f : forked) {
            try {
                f.join();
            } catch (RuntimeException e) {
                failure = failure == null ? original(e) : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * The exception a task threw: a fork-join join rethrows a copy of it, of the same class, whose message is the
     * original's {@code toString()}; callers should see the original message.
     */
    private static RuntimeException original(RuntimeException e) {
        return e.getCause() instanceof RuntimeException cause && cause.getClass() == e.getClass() ? cause : e;
    }
}
