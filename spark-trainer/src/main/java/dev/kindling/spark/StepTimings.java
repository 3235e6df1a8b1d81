package dev.kindling.spark;

/**
 * Where the driver's time went over the steps of a fit, in seconds summed over steps: the whole step as the driver
 * waited for it (a Spark job, or a step of the training stage), and of that the slowest partition's gradient
 * computation. The optimizer update is timed by the training loop.
 */
public record StepTimings(long steps, double stepSeconds, double computeSeconds) {

    static StepTimings none() {
        return new StepTimings(0, 0, 0);
    }

    StepTimings plus(double step, double compute) {
        return new StepTimings(steps + 1, stepSeconds + step, computeSeconds + compute);
    }

    /** Step time not spent computing gradients: scheduling, task launch, moving weights and gradients, merging. */
    public double overheadSeconds() {
        return stepSeconds - computeSeconds;
    }
}
