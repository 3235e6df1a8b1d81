// SPDX-License-Identifier: Apache-2.0
package dev.kindling.notebooks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Finds the repository's notebooks/ folder and its notes (not a Surefire test class: no Test in the name). */
final class RepoNotes {
    private RepoNotes() {
    }

    /**
     * {@code notebooks/} beside the {@code data/} folder the build passes as {@code kindling.data.dir}, or, when the
     * tests run without it (an IDE), found by walking up from the working directory to the repository root.
     */
    static Path dir() {
        String dataDir = System.getProperty("kindling.data.dir");
        if (dataDir != null) {
            Path notebooks = Path.of(dataDir).toAbsolutePath().getParent().resolve("notebooks");
            if (Files.isDirectory(notebooks)) {
                return notebooks;
            }
            throw new IllegalStateException("kindling.data.dir is " + dataDir + " but " + notebooks + " is not a folder");
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("notebooks")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p.resolve("notebooks");
            }
        }
        throw new IllegalStateException("no notebooks/ folder above " + Path.of("").toAbsolutePath());
    }

    /** Every {@code .zpln} file in {@code dir}, by name. */
    static List<Path> notes(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".zpln")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets the epochs the notes read ({@code kindling.notes.epochs}) to 1 unless the run says otherwise. */
    static void oneEpochUnlessSet() {
        if (System.getProperty("kindling.notes.epochs") == null) {
            System.setProperty("kindling.notes.epochs", "1");
        }
    }
}
