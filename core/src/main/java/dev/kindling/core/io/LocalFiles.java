// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * The core's one atomic file writer, for the local file system (the core has no Hadoop; the Spark side writes
 * to any Hadoop file system through {@code dev.kindling.spark.io.HadoopFiles}, which keeps the same contract).
 * A file is written under a temporary name in its own directory, forced to disk, then renamed over the target: a
 * failure, or the JVM dying, never leaves a half-written target, only (at worst) a {@code .name.tmp-*} file.
 * Saved models, checkpoints and IDX data files all go through here.
 */
public final class LocalFiles {

    /** Writes the contents of a file to the stream it is given (the stream is closed by the writer). */
    @FunctionalInterface
    public interface Contents {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final int BUFFER = 1 << 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalFiles() {
    }

    /** Writes {@code target} atomically as described above; its directory is created if needed. */
    public static void writeAtomically(Path target, Contents contents) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: that makes the file owner-only (0600); CREATE_NEW honours the umask like any
        // other new file. The random suffix keeps concurrent writers of the same target apart.
        Path tmp = dir.resolve("." + absolute.getFileName() + ".tmp-" + Long.toUnsignedString(RANDOM.nextLong(), 36));
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                // Closing the stream chain must not close the channel before it is forced to disk.
                OutputStream shield = new FilterOutputStream(Channels.newOutputStream(channel)) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush();
                    }
                };
                try (OutputStream out = new BufferedOutputStream(shield, BUFFER)) {
                    contents.writeTo(out);
                }
                channel.force(true);
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
