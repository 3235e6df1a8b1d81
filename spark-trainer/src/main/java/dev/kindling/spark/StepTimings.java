// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

/**
 * Where the driver's time went over the steps of a fit, in seconds summed over steps: the whole step as the driver
 * waited for it (a Spark job, or a step of the training stage), and of that the slowest partition's gradient
 * computation; and the bytes the training stage moved between the driver and tasks over its sockets (0 for the
 * job-per-step path, whose broadcasts and task results Spark moves, and for tasks in the driver's JVM, which hand
 * buffers over in memory). The optimizer update is timed by the training loop.
 */
public record StepTimings(long steps, double stepSeconds, double computeSeconds, long bytesToTasks,
                          long bytesFromTasks) {

    static StepTimings none() {
        return new StepTimings(0, 0, 0, 0, 0);
    }

    StepTimings plus(double step, double compute) {
        return new StepTimings(steps + 1, stepSeconds + step, computeSeconds + compute, bytesToTasks, bytesFromTasks);
    }

    StepTimings withBytes(long toTasks, long fromTasks) {
        return new StepTimings(steps, stepSeconds, computeSeconds, toTasks, fromTasks);
    }

    /** Step time not spent computing gradients: scheduling, task launch, moving weights and gradients, merging. */
    public double overheadSeconds() {
        return stepSeconds - computeSeconds;
    }
}
