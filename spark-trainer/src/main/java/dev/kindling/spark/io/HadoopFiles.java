// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.io;

import dev.kindling.core.io.LocalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * Writes files and replaces directories on any Hadoop file system, atomically as far as the file system allows:
 * everything is written under a temporary name next to the target ({@code .<name>.tmp-<id>}), then renamed into
 * place. An existing target is first renamed aside ({@code .<name>.old-<id>}), deleted once the new one is in place,
 * and renamed back if that fails. So:
 * <ul>
 *   <li>a failure while writing (an exception, or the JVM dying) never touches the target; on an exception the
 *       temporary file or directory is deleted, a killed JVM can leave one behind, never a half-written target;</li>
 *   <li>the target is always the complete old one or the complete new one, except between the two renames, when
 *       it is briefly absent and the old one sits next to it.</li>
 * </ul>
 * Renames are atomic on local disks and HDFS; on object stores such as S3 ({@code s3a:}) a directory rename is a
 * copy, so there the guarantee is only that a failed write leaves the old target (use a committer-aware layout
 * for large outputs there).
 *
 * <p>Every location is reached through a file system instance of Kindling's own, one per file system and user,
 * whose RPC client gives up on an unreachable server within {@link #CLIENT_RETRY_BOUNDS} rather than Hadoop's
 * defaults: 45 retries of 20 s each when connecting times out (a server whose host is down or firewalled: a
 * quarter of an hour per call), and, for RPC clients that retry refused connections (HDFS's NameNode
 * client does not unless {@code dfs.client.retry.policy.enabled}), 10 attempts a second apart. A value set
 * explicitly (a {@code *-site.xml}, {@code spark.hadoop.*}) wins over these bounds. Every error names the location.
 */
public final class HadoopFiles {

    /**
     * Kindling's bounds on the Hadoop RPC client's retries, for its own reads and writes: on connect timeouts 3
     * retries ({@code ipc.client.connect.timeout} each, 20 s by default: about 80 s per call instead of Hadoop's 46
     * attempts); on refused connections, where retried, 3 retries a second apart. The connect timeout itself is
     * not bounded here: Hadoop's RPC client, shared by every file system instance of the JVM, reads it once.
     */
    public static final Map<String, String> CLIENT_RETRY_BOUNDS = Map.of(
            "ipc.client.connect.max.retries", "3",
            "ipc.client.connect.max.retries.on.timeouts", "3");

    /** Kindling's own file system instances (with the retry bounds), by file system URI and user. */
    private static final ConcurrentMap<String, FileSystem> BOUNDED = new ConcurrentHashMap<>();

    /** Writes the files of a directory, given its (empty, existing) staging location. */
    @FunctionalInterface
    public interface DirectoryContents {
        void writeTo(Location staging) throws IOException;
    }

    /** A path on a file system, qualified (scheme, authority and, for relative paths, the working directory). */
    public record Location(FileSystem fs, Path path) {

        /** A file or folder inside this folder. */
        public Location resolve(String child) {
            return new Location(fs, new Path(path, child));
        }

        /** The qualified URI, for messages and outputs. */
        @Override
        public String toString() {
            return path.toString();
        }
    }

    private HadoopFiles() {
    }

    /**
     * {@code pathOrUri} on its file system: a URI with a scheme ({@code hdfs://nn/out}, {@code file:/tmp/out},
     * {@code s3a://bucket/out}), or a plain path on the default file system ({@code fs.defaultFS}: the local disk
     * unless the cluster says otherwise), relative to its working directory.
     */
    public static Location locate(Configuration hadoop, String pathOrUri) throws IOException {
        Path given = new Path(pathOrUri);
        FileSystem fs = bounded(hadoop, given.getFileSystem(hadoop));
        Path qualified = fs.makeQualified(given);
        // On the local disk, without Hadoop's .crc side files next to every output: a model file and a checkpoint
        // carry their own checksums (zip CRCs), JSON and PNG files do not need them.
        if (fs instanceof LocalFileSystem local) {
            fs = local.getRaw();
        }
        return new Location(fs, qualified);
    }

    /**
     * The local disk as it is; any other file system as Kindling's own instance with {@link #CLIENT_RETRY_BOUNDS}
     * (Hadoop's shared instance may have been made by Spark, or anyone, with the defaults).
     */
    private static FileSystem bounded(Configuration hadoop, FileSystem shared) throws IOException {
        if (shared instanceof LocalFileSystem || "file".equals(shared.getScheme())) {
            return shared;
        }
        URI uri = shared.getUri();
        String key = uri + " " + UserGroupInformation.getCurrentUser();
        try {
            return BOUNDED.compute(key, (k, existing) -> {
                if (existing != null && !(existing instanceof DistributedFileSystem dfs
                        && !dfs.getClient().isClientRunning())) {
                    return existing;
                }
                try {
                    return FileSystem.newInstance(uri, withRetryBounds(hadoop));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** A copy of {@code hadoop} with {@link #CLIENT_RETRY_BOUNDS} where it holds only Hadoop's defaults. */
    public static Configuration withRetryBounds(Configuration hadoop) {
        Configuration bounded = new Configuration(hadoop);
        CLIENT_RETRY_BOUNDS.forEach((key, value) -> {
            String[] sources = hadoop.getPropertySources(key);
            boolean explicit = sources != null && java.util.Arrays.stream(sources)
                    .anyMatch(source -> !source.endsWith("-default.xml"));
            if (!explicit) {
                bounded.set(key, value, "kindling retry bounds");
            }
        });
        return bounded;
    }

    public static boolean exists(Location location) throws IOException {
        try {
            return location.fs().exists(location.path());
        } catch (IOException e) {
            throw located(e, location);
        }
    }

    public static boolean isFile(Location location) throws IOException {
        try {
            return location.fs().isFile(location.path());
        } catch (IOException e) {
            throw located(e, location);
        }
    }

    public static InputStream open(Location location) throws IOException {
        try {
            return location.fs().open(location.path());
        } catch (IOException e) {
            throw located(e, location);
        }
    }

    /**
     * {@code e}, or when its message does not name the location (a client's error such as an unreachable NameNode
     * names the server, not the file), an IOException that does, with {@code e} as its cause.
     */
    static IOException located(IOException e, Location location) {
        String message = String.valueOf(e.getMessage());
        if (message.contains(location.path().toUri().getPath())) {
            return e;
        }
        int nl = message.indexOf('\n');
        return new IOException(location + ": " + (nl < 0 ? message : message.substring(0, nl)), e);
    }

    /** Writes one file atomically (see the class description). */
    public static void writeFile(Location target, LocalFiles.Contents contents) throws IOException {
        Location tmp = sibling(target, ".tmp-");
        FileSystem fs = target.fs();
        boolean unreachable = false;
        try {
            fs.mkdirs(target.path().getParent());
            try (OutputStream out = fs.create(tmp.path(), false)) {
                contents.writeTo(out);
            }
            swapIn(tmp, target);
        } catch (IOException e) {
            unreachable = unreachable(e);
            throw located(e, target);
        } finally {
            if (!unreachable) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * Whether the server could not be reached at all (refused, or connecting timed out): then nothing was written,
     * and a cleanup would only wait out the client's retries a second time.
     */
    private static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof org.apache.hadoop.net.ConnectTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Writes a directory's files into a staging directory, then replaces {@code target} with it. */
    public static void replaceDirectory(Location target, DirectoryContents contents) throws IOException {
        Location staging = sibling(target, ".tmp-");
        FileSystem fs = target.fs();
        try {
            if (!fs.mkdirs(staging.path())) {
                throw new IOException("could not create " + staging);
            }
            contents.writeTo(staging);
            swapIn(staging, target);
        } catch (IOException e) {
            throw located(e, target);
        } finally {
            deleteQuietly(staging);
        }
    }

    /**
     * Lets a writer that creates its own directory (Spark's DataFrame writer) write to a fresh staging path, then
     * replaces {@code target} with it.
     */
    public static void replaceDirectoryWrittenBy(Location target, DirectoryContents writer) throws IOException {
        Location staging = sibling(target, ".tmp-");
        try {
            target.fs().mkdirs(target.path().getParent());
            writer.writeTo(staging);
            swapIn(staging, target);
        } catch (IOException e) {
            throw located(e, target);
        } finally {
            deleteQuietly(staging);
        }
    }

    /** Renames {@code fresh} to {@code target}, moving an existing target aside first and deleting it after. */
    private static void swapIn(Location fresh, Location target) throws IOException {
        FileSystem fs = target.fs();
        Location backup = sibling(target, ".old-");
        boolean hadOld = fs.exists(target.path());
        if (hadOld && !fs.rename(target.path(), backup.path())) {
            throw new IOException("could not move the previous " + target + " aside to " + backup);
        }
        if (!fs.rename(fresh.path(), target.path())) {
            if (hadOld && !fs.rename(backup.path(), target.path())) {
                throw new IOException("could not rename " + fresh + " to " + target + ", nor put the previous one"
                        + " back from " + backup);
            }
            throw new IOException("could not rename " + fresh + " to " + target);
        }
        if (hadOld) {
            fs.delete(backup.path(), true);
        }
    }

    private static Location sibling(Location target, String kind) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        return new Location(target.fs(), new Path(target.path().getParent(), "." + target.path().getName() + kind + id));
    }

    private static void deleteQuietly(Location location) {
        try {
            if (location.fs().exists(location.path())) {
                location.fs().delete(location.path(), true);
            }
        } catch (IOException e) {
            // Best effort: a leftover temporary file is harmless and named as such.
        }
    }
}
