// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the data shipped in the repository's {@code data/} folder from a test. */
public final class TestData {
    private TestData() {
    }

    /** {@code data/mnist-digits}: from the {@code kindling.data.dir} property (set by the build), else found upward. */
    public static Path mnistDigits() {
        return dataDir().resolve("mnist-digits");
    }

    public static Path dataDir() {
        String configured = System.getProperty("kindling.data.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("data").resolve("mnist-digits"))) {
                return dir.resolve("data");
            }
        }
        throw new IllegalStateException("no data/mnist-digits above " + Path.of("").toAbsolutePath());
    }
}
