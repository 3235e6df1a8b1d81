// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's {@code data/} directory for tests. */
final class RepoDataDir {
    private RepoDataDir() {
    }

    /**
     * The {@code data} directory: the system property {@code kindling.data.dir} if set, else the first
     * {@code data/} containing {@code mnist-digits} found walking up from the working directory (surefire runs in
     * {@code core/}, an IDE may run in the repository root).
     */
    static Path dataDir() {
        String property = System.getProperty("kindling.data.dir");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("data/mnist-digits"))) {
                return dir.resolve("data");
            }
        }
        throw new IllegalStateException("no data/mnist-digits in " + start + " or any parent directory; set"
                + " -Dkindling.data.dir=/path/to/repo/data");
    }
}
