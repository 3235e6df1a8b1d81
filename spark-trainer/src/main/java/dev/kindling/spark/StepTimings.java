// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

/**
 * Where the driver's time went over the steps of a fit, in seconds summed over steps: creating the weights
 * broadcast, the Spark job (tasks, gradient computation and tree aggregation), of which the slowest partition's
 * gradient computation (wall clock, and how much of it that task's thread was on a CPU), and destroying the
 * broadcast. The optimizer update is timed by the training loop.
 *
 * <p>Wall minus on-CPU time of the gradient is time the task waited for a core while other threads ran: the
 * other task, Spark's own threads, the garbage collector.
 */
public record StepTimings(long steps, double broadcastSeconds, double jobSeconds, double computeSeconds,
                          double computeCpuSeconds, double cleanupSeconds) {

    static StepTimings none() {
        return new StepTimings(0, 0, 0, 0, 0, 0);
    }

    StepTimings plus(double broadcast, double job, double compute, double computeCpu, double cleanup) {
        return new StepTimings(steps + 1, broadcastSeconds + broadcast, jobSeconds + job, computeSeconds + compute,
                computeCpuSeconds + computeCpu, cleanupSeconds + cleanup);
    }

    /** Job time not spent computing gradients: scheduling, task launch, serialization and aggregation. */
    public double overheadSeconds() {
        return jobSeconds - computeSeconds;
    }
}
