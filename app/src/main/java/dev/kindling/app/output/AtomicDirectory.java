package dev.kindling.app.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Replaces a directory of outputs as a whole, on the local file system.
 *
 * <p>{@link #write} fills a fresh staging directory {@code <parent>/.<name>.tmp-<id>} (same parent, so the final
 * move is a rename on one file system), then commits: if {@code <target>} exists it is renamed to
 * {@code <parent>/.<name>.old-<id>}, the staging directory is renamed to {@code <target>}, and the old one is
 * deleted. The guarantee:
 * <ul>
 *   <li>a failure while writing (exception, or the JVM dying) never touches {@code <target>}; the staging
 *       directory is deleted on an exception (a killed JVM can leave a {@code .tmp-} directory behind, never a
 *       half-written {@code <target>});</li>
 *   <li>{@code <target>} is always either the complete old directory or the complete new one, except between
 *       the two renames, when it is briefly absent and the old one is at {@code .<name>.old-<id>}; if the second
 *       rename fails, the old one is renamed back.</li>
 * </ul>
 */
public final class AtomicDirectory {

    /** Writes the contents of a directory, given the (empty) staging directory. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(Path staging) throws IOException;
    }

    /** Test hook: runs between moving the old directory aside and moving the new one in. */
    interface CommitHook {
        void beforeMoveIn(Path staging, Path target) throws IOException;
    }

    private static final CommitHook NO_HOOK = (staging, target) -> { };

    private AtomicDirectory() {
    }

    /** Writes {@code contents} and replaces {@code target} with them, atomically as described above. */
    public static void write(Path target, Contents contents) throws IOException {
        write(target, contents, NO_HOOK);
    }

    static void write(Path target, Contents contents, CommitHook hook) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path staging = parent.resolve("." + absolute.getFileName() + ".tmp-" + id);
        Files.createDirectory(staging);
        try {
            contents.writeTo(staging);
            commit(staging, absolute, parent.resolve("." + absolute.getFileName() + ".old-" + id), hook);
        } catch (IOException | RuntimeException | Error e) {
            deleteRecursively(staging);
            throw e;
        }
    }

    private static void commit(Path staging, Path target, Path backup, CommitHook hook) throws IOException {
        boolean hadOld = Files.exists(target);
        if (hadOld) {
            move(target, backup);
        }
        try {
            hook.beforeMoveIn(staging, target);
            move(staging, target);
        } catch (IOException | RuntimeException e) {
            if (hadOld) {
                move(backup, target);
            }
            throw e;
        }
        if (hadOld) {
            deleteRecursively(backup);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Best effort: a leftover staging or backup directory is harmless and named as such.
        }
    }

    /** Writes one file atomically: a temporary file in the same directory, then a rename. */
    public static void writeFile(Path target, byte[] content) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Files.createDirectories(absolute.getParent());
        Path tmp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp-"
                + UUID.randomUUID().toString().substring(0, 8));
        try {
            Files.write(tmp, content);
            move(tmp, absolute);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
