// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.output;

import dev.kindling.spark.io.HadoopFiles;
import java.io.IOException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * Probes the locations a command will write, at the configuration check, before Spark starts: that the scheme has a
 * Hadoop {@link FileSystem}, that the location is a folder or can become one (nothing on its way is a file), and
 * that a file can be written there: a probe file is written through {@link HadoopFiles#writeFile} (the writer every
 * output goes through) and deleted. A location that does not exist yet is not created: the probe goes to its
 * nearest existing folder.
 */
public final class Locations {

    /** How a location is written. */
    public enum Kind {
        /** Files are written inside the folder (checkpoints, callbacks' files, one output file's folder). */
        FOLDER,
        /** The folder is replaced as a whole: built next to it, then renamed into place (output.dir, predictions). */
        REPLACED
    }

    /** A location the command will write, under the key (or option) that names it. */
    public record Target(String key, String location, Kind kind) {
    }

    /** The name of the probe file; a leading dot keeps it out of listings such as the checkpoints'. */
    static final String PROBE = ".kindling-probe-";

    private Locations() {
    }

    /**
     * The Hadoop configuration Spark will give the job, made before Spark starts: Hadoop's own files
     * ({@code core-site.xml} on the classpath, as {@code HADOOP_CONF_DIR} puts it there) plus every
     * {@code spark.hadoop.*} setting, from the system properties (spark-submit's {@code --conf}) and then the
     * job's {@code spark.conf}, which wins as it does when the session starts.
     */
    public static Configuration hadoopConfiguration(Map<String, String> sparkConf) {
        Configuration hadoop = new Configuration();
        String prefix = "spark.hadoop.";
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                hadoop.set(name.substring(prefix.length()), System.getProperty(name));
            }
        }
        sparkConf.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                hadoop.set(k.substring(prefix.length()), v);
            }
        });
        return hadoop;
    }

    /** What is wrong with one target ({@code 'location' what is wrong}), or null. */
    public static String problem(Configuration hadoop, Target target) {
        String problem = probe(hadoop, target);
        return problem == null ? null : "'" + target.location() + "' " + problem;
    }

    /** What is wrong with one target, or null. */
    static String probe(Configuration hadoop, Target target) {
        HadoopFiles.Location location;
        try {
            location = HadoopFiles.locate(hadoop, target.location());
        } catch (UnsupportedFileSystemException e) {
            String scheme = new Path(target.location()).toUri().getScheme();
            return "has scheme '" + scheme + "', for which there is no Hadoop file system; known schemes: "
                    + String.join(", ", knownSchemes(hadoop))
                    + " (others need their connector on the classpath, e.g. hadoop-aws for s3a)";
        } catch (IOException | RuntimeException e) {
            return "cannot be used: " + oneLine(e);
        }
        FileSystem fs = location.fs();
        try {
            FileStatus status = statusOrNull(fs, location.path());
            Path folder;
            if (status != null && !status.isDirectory()) {
                return "is a file, expected a folder (or a path where one can be created)";
            } else if (status != null) {
                folder = target.kind() == Kind.FOLDER || location.path().getParent() == null ? location.path()
                        : location.path().getParent();
            } else {
                folder = location.path().getParent();
                while (folder != null && statusOrNull(fs, folder) == null) {
                    folder = folder.getParent();
                }
                if (folder == null) {
                    return "cannot be created: none of its parent folders exists";
                }
                if (!fs.getFileStatus(folder).isDirectory()) {
                    return "cannot be created as a folder: " + ("file".equals(folder.toUri().getScheme())
                            ? folder.toUri().getPath() : folder) + " is a file";
                }
            }
            HadoopFiles.Location probe = new HadoopFiles.Location(fs, new Path(folder, PROBE
                    + UUID.randomUUID().toString().substring(0, 8)));
            try {
                HadoopFiles.writeFile(probe, out -> out.write('k'));
            } finally {
                fs.delete(probe.path(), false);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot be written: " + oneLine(e);
        }
    }

    private static FileStatus statusOrNull(FileSystem fs, Path path) throws IOException {
        try {
            return fs.getFileStatus(path);
        } catch (java.io.FileNotFoundException e) {
            return null;
        } catch (org.apache.hadoop.fs.ParentNotDirectoryException e) {
            return null;   // a parent is a file: the walk up finds it
        }
    }

    /** The schemes Hadoop has a file system for here: those on the classpath, and those configured. */
    static TreeSet<String> knownSchemes(Configuration hadoop) {
        TreeSet<String> schemes = new TreeSet<>();
        for (var provider = ServiceLoader.load(FileSystem.class).stream().iterator(); provider.hasNext(); ) {
            try {
                schemes.add(provider.next().get().getScheme());
            } catch (RuntimeException | java.util.ServiceConfigurationError | LinkageError e) {
                // a file system that cannot be made or has no scheme of its own
            }
        }
        for (Map.Entry<String, String> e : hadoop) {
            if (e.getKey().matches("fs\\.[a-z0-9+-]+\\.impl") && hadoop.getClassByNameOrNull(e.getValue()) != null) {
                schemes.add(e.getKey().substring(3, e.getKey().length() - ".impl".length()));
            }
        }
        schemes.removeIf(s -> s == null || s.contains("."));
        return schemes;
    }

    /** An exception's message on one line, with its class when the message alone would say little. */
    public static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
