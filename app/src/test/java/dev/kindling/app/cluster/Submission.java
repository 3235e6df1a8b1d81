// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code scripts/submit} (which execs the driver JVM, so the process started here is the driver), with
 * its output in a log file. While it runs, the descendants of the given worker JVMs (or of a YARN NodeManager's JVM)
 * are sampled: each executor JVM among them is recorded by its {@code --executor-id}.
 */
final class Submission {

    /** How a submission ended: exit code, output, the driver JVM's pid, executor id to executor JVM pid. */
    record Result(int exitCode, String output, long driverPid, Map<String, Long> executorPids, Duration elapsed) {
    }

    /** What a trigger sees of a running submission. */
    record Running(long driverPid, Map<String, Long> executorPids) {
    }

    /** Runs {@code action} once, on the watcher thread, when the output first holds a line containing {@code text}. */
    record Trigger(String text, java.util.function.Consumer<Running> action) {
        static final Trigger NONE = new Trigger(null, r -> { });
    }

    private Submission() {
    }

    static Result run(Path root, Map<String, String> env, List<Long> workerPids, Path log, Duration timeout,
            List<String> args) throws IOException, InterruptedException {
        return run(root, env, workerPids, log, timeout, args, Trigger.NONE);
    }

    static Result run(Path root, Map<String, String> env, List<Long> workerPids, Path log, Duration timeout,
            List<String> args, Trigger trigger) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("scripts/submit").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // A SPARK_HOME of the machine would make scripts/submit use that distribution instead of the test's jars.
        builder.environment().remove("SPARK_HOME");
        builder.environment().remove("SPARK_CONF_DIR");
        builder.environment().putAll(env);

        Map<String, Long> executors = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        Process driver = builder.start();
        boolean[] fired = {trigger.text() == null};
        Thread watcher = new Thread(() -> {
            while (driver.isAlive()) {
                for (long worker : workerPids) {
                    ProcessHandle.of(worker).ifPresent(w -> w.descendants().forEach(child ->
                            executorId(child).ifPresent(id -> executors.putIfAbsent(id, child.pid()))));
                }
                if (!fired[0] && outputHas(log, trigger.text())) {
                    fired[0] = true;
                    trigger.action().accept(new Running(driver.pid(), Map.copyOf(executors)));
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "executor-watcher");
        watcher.setDaemon(true);
        watcher.start();
        boolean finished = driver.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!finished) {
            driver.descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly().waitFor();
        }
        watcher.interrupt();
        watcher.join();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (!finished) {
            throw new AssertionError("scripts/submit " + args + " did not finish within " + timeout
                    + "; its output:\n" + output);
        }
        if (!fired[0]) {
            throw new AssertionError("the trigger '" + trigger.text() + "' never fired; the output:\n" + output);
        }
        return new Result(driver.exitValue(), output, driver.pid(), Map.copyOf(executors), elapsed);
    }

    private static boolean outputHas(Path log, String text) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8).contains(text);
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** The value of {@code --executor-id} if the process is a Spark executor JVM. */
    private static Optional<String> executorId(ProcessHandle process) {
        String[] arguments = process.info().arguments().orElse(new String[0]);
        boolean executor = false;
        String id = null;
        for (int i = 0; i < arguments.length; i++) {
            // The standalone worker's executor class, and YARN's (YarnCoarseGrainedExecutorBackend).
            if (arguments[i].startsWith("org.apache.spark.executor.")
                    && arguments[i].endsWith("CoarseGrainedExecutorBackend")) {
                executor = true;
            } else if (arguments[i].equals("--executor-id") && i + 1 < arguments.length) {
                id = arguments[i + 1];
            }
        }
        return executor ? Optional.ofNullable(id) : Optional.empty();
    }
}
