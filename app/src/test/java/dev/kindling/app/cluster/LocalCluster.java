// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on 127.0.0.1 run by {@code scripts/cluster} (so the test exercises the script), in
 * its own state folder and on free ports, with Spark's classpath given by the test (no Maven inside Maven).
 * {@link #close()} stops it; so does a JVM shutdown hook, should the test JVM be ended before {@code close}.
 */
final class LocalCluster implements AutoCloseable {

    private final Path root;
    private final Path stateDir;
    private final Map<String, String> env;
    private final int masterPort;
    private final Thread shutdownHook;
    private final String startOutput;

    private LocalCluster(Path root, Path stateDir, Map<String, String> env, int masterPort, int workers)
            throws IOException, InterruptedException {
        this.root = root;
        this.stateDir = stateDir;
        this.env = env;
        this.masterPort = masterPort;
        // Registered before starting: a JVM ended during start still stops whatever came up.
        this.shutdownHook = new Thread(this::stopQuietly, "stop-local-spark-cluster");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        Script start = script(180, "start", Integer.toString(workers));
        if (start.exitCode() != 0) {
            close();
            throw new IllegalStateException("scripts/cluster start " + workers + " failed (exit " + start.exitCode()
                    + "):\n" + start.output());
        }
        this.startOutput = start.output();
    }

    /** Starts a master and {@code workers} workers (1 core, 1 GB each) with the Spark classpath in the given file. */
    static LocalCluster start(Path root, Path stateDir, Path sparkClasspathFile, int workers)
            throws IOException, InterruptedException {
        int masterPort = freePort();
        Map<String, String> env = Map.of(
                "KINDLING_CLUSTER_DIR", stateDir.toString(),
                "KINDLING_SPARK_CLASSPATH_FILE", sparkClasspathFile.toString(),
                "KINDLING_MASTER_PORT", Integer.toString(masterPort),
                "KINDLING_MASTER_WEBUI_PORT", Integer.toString(freePort()),
                "KINDLING_WORKER_WEBUI_PORT", "0");
        return new LocalCluster(root, stateDir, env, masterPort, workers);
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    String startOutput() {
        return startOutput;
    }

    /** What {@code scripts/cluster status} prints. */
    String status() throws IOException, InterruptedException {
        return script(60, "status").output();
    }

    /** The pids of the worker JVMs, from the script's pid files. */
    List<Long> workerPids() throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> files = Files.list(stateDir.resolve("pids"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("worker-")).toList()) {
                pids.add(Long.parseLong(Files.readString(file).trim()));
            }
        }
        return pids;
    }

    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // already in shutdown: the hook runs (or ran) anyway
        }
    }

    private void stopQuietly() {
        try {
            Script stop = script(120, "stop");
            if (stop.exitCode() != 0) {
                System.err.println("scripts/cluster stop failed (exit " + stop.exitCode() + "):\n" + stop.output());
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("scripts/cluster stop failed: " + e);
        }
    }

    private record Script(int exitCode, String output) {
    }

    private Script script(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("scripts/cluster").toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(stateDir.getParent(), "cluster-" + args[0], ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return new Script(-1, "timed out after " + timeoutSeconds + " s\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Script(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
