// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the application in-process and keeps what it printed. */
public record Cli(int exitCode, String out, String err) {

    public static Cli run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(o, e, args);
        }
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The checkout's root (surefire passes {@code kindling.data.dir = <root>/data}). */
    public static Path repoRoot() {
        String data = System.getProperty("kindling.data.dir");
        return (data != null ? Path.of(data).getParent() : Path.of("..")).toAbsolutePath().normalize();
    }

    public static Path digits() {
        return repoRoot().resolve("data/mnist-digits");
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
}
