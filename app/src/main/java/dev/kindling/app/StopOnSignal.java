// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.History;
import dev.kindling.core.model.TrainingListener;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM (a deploy, a scheduler's limit) and SIGINT (Ctrl-C) while a job runs. The first signal does not kill the
 * JVM, which would stop the SparkContext under the running job: during a fit it asks the training loop to stop
 * after the current step (a checkpointing listener then writes a final checkpoint), otherwise it cancels the running
 * Spark jobs; the command then ends with one line and exit code 128 + the signal's number, writing no outputs. A
 * second signal gets the JVM's default behaviour: exit now.
 */
final class StopOnSignal implements TrainingListener, AutoCloseable {
    private final PrintStream err;
    private final SparkContext spark;
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private volatile FitLoop loop;
    private volatile Signal received;

    private StopOnSignal(PrintStream err, SparkContext spark) {
        this.err = err;
        this.spark = spark;
    }

    /** Handles TERM and INT until {@link #close}. */
    static StopOnSignal install(PrintStream err, SparkContext spark) {
        StopOnSignal handler = new StopOnSignal(err, spark);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal signal = new Signal(name);
                handler.previous.put(signal, Signal.handle(signal, handler::handle));
            } catch (IllegalArgumentException reservedByTheJvm) {
                // e.g. under -Xrs: the JVM's own behaviour stays
            }
        }
        return handler;
    }

    private void handle(Signal signal) {
        if (received != null) {
            SignalHandler before = previous.get(signal);
            if (before != null && before != SignalHandler.SIG_IGN && before != SignalHandler.SIG_DFL) {
                before.handle(signal);
            } else {
                Runtime.getRuntime().exit(128 + signal.getNumber());
            }
            return;
        }
        received = signal;
        FitLoop running = loop;
        if (running != null) {
            err.println("kindling: SIG" + signal.getName() + " received: stopping after the current step (again to"
                    + " exit at once)");
            running.interrupt("SIG" + signal.getName());
        } else {
            err.println("kindling: SIG" + signal.getName() + " received: stopping (again to exit at once)");
            spark.cancelAllJobs();
        }
    }

    @Override
    public void onTrainBegin(FitLoop fit) {
        loop = fit;
        if (received != null) {
            fit.interrupt("SIG" + received.getName());
        }
    }

    @Override
    public void onTrainEnd(History history) {
        loop = null;
    }

    @Override
    public void onInterrupt(FitLoop fit) {
        loop = null;
    }

    /** The signal received, or null. */
    Signal received() {
        return received;
    }

    /** Throws if a signal was received: the command must not go on to its next stage. */
    void check(String stage) {
        if (received != null) {
            throw new Stopped(received, stage);
        }
    }

    @Override
    public void close() {
        previous.forEach((signal, handler) -> Signal.handle(signal, handler));
    }

    /** A command stopped by a signal; its exit code is 128 + the signal's number (143 for TERM, 130 for INT). */
    static final class Stopped extends RuntimeException {
        final int exitCode;

        Stopped(Signal signal, String stage) {
            super("stopped by SIG" + signal.getName() + " " + stage);
            this.exitCode = 128 + signal.getNumber();
        }
    }
}
