package dev.kindling.spark;

/**
 * Where the driver's time went over the steps of a fit, in seconds summed over steps: creating the weights
 * broadcast, the Spark job (tasks, gradient computation and tree aggregation), of which the slowest partition's
 * gradient computation, and destroying the broadcast. The optimizer update is timed by the training loop.
 */
public record StepTimings(long steps, double broadcastSeconds, double jobSeconds, double computeSeconds,
                          double cleanupSeconds) {

    static StepTimings none() {
        return new StepTimings(0, 0, 0, 0, 0);
    }

    StepTimings plus(double broadcast, double job, double compute, double cleanup) {
        return new StepTimings(steps + 1, broadcastSeconds + broadcast, jobSeconds + job, computeSeconds + compute,
                cleanupSeconds + cleanup);
    }

    /** Job time not spent computing gradients: scheduling, task launch, serialization and aggregation. */
    public double overheadSeconds() {
        return jobSeconds - computeSeconds;
    }
}
