// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The core's one atomic file writer, for the local file system (the core has no Hadoop; the Spark side writes
 * to any Hadoop file system through {@code dev.kindling.spark.io.HadoopFiles}, which keeps the same contract).
 * A file is written under a temporary name in its own directory, then renamed over the target: a failure, or the
 * JVM dying, never leaves a half-written target, only (at worst) a {@code .name.tmp-*} file.
 */
public final class LocalFiles {

    /** Writes the contents of a file to the stream it is given. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(OutputStream out) throws IOException;
    }

    private LocalFiles() {
    }

    /** Writes {@code target} atomically as described above; its directory is created if needed. */
    public static void writeAtomically(Path target, Contents contents) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".tmp-", "");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                contents.writeTo(out);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
