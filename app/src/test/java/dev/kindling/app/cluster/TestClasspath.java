// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * This test JVM's classpath split the way a cluster sees it. Surefire runs in the {@code test} phase, before
 * {@code package} makes the shaded app jar, so the test makes the app's part itself:
 * <ul>
 * <li>Kindling's own classes (this module's {@code target/classes} and those of core and spark-trainer: folders in
 * a reactor build, {@code kindling-*.jar} otherwise) are packed into one app jar, which spark-submit ships to the
 * executors through {@code spark.jars}, as it ships the shaded jar;</li>
 * <li>every other jar (Spark, its dependencies, the app's libraries, JUnit) is "Spark": the classpath of the
 * master, the workers and the driver, and the workers' {@code SPARK_HOME/jars}, which executors load.</li>
 * </ul>
 * Test classes are in neither. Whether the shaded jar carries every library the app needs is checked where the
 * real jar runs on Spark's classpath alone: {@code scripts/train} and {@code scripts/submit}.
 */
final class TestClasspath {

    private final List<Path> kindling = new ArrayList<>();
    private final List<Path> spark = new ArrayList<>();

    private TestClasspath() {
    }

    static TestClasspath ofThisJvm() {
        TestClasspath cp = new TestClasspath();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path path = Path.of(entry).toAbsolutePath().normalize();
            String name = path.getFileName().toString();
            if (Files.isDirectory(path)) {
                if (!name.equals("test-classes")) {
                    cp.kindling.add(path);
                }
            } else if (name.endsWith(".jar") && Files.isRegularFile(path)) {
                (name.startsWith("kindling-") ? cp.kindling : cp.spark).add(path);
            }
        }
        if (cp.spark.stream().noneMatch(p -> p.getFileName().toString().startsWith("spark-core_2.13-"))) {
            throw new IllegalStateException("no spark-core_2.13 jar on the test classpath: " + cp.spark);
        }
        return cp;
    }

    /** Writes the Spark classpath (one ':'-separated line) for {@code KINDLING_SPARK_CLASSPATH_FILE}. */
    Path writeSparkClasspath(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        List<String> entries = spark.stream().map(Path::toString).toList();
        Files.writeString(file, String.join(File.pathSeparator, entries), StandardCharsets.UTF_8);
        return file;
    }

    /**
     * Packs Kindling's classes and resources, then those of {@code extraFolders}, into one jar (the first copy of an
     * entry wins, as in a shaded jar).
     */
    Path writeAppJar(Path jar, Path... extraFolders) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        Set<String> seen = new HashSet<>();
        Path tmp = Files.createTempFile(jar.getParent(), jar.getFileName().toString(), ".tmp");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp), manifest)) {
            seen.add(JarFile.MANIFEST_NAME);
            List<Path> sources = new ArrayList<>(kindling);
            sources.addAll(List.of(extraFolders));
            for (Path source : sources) {
                if (Files.isDirectory(source)) {
                    try (Stream<Path> files = Files.walk(source)) {
                        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                            String name = source.relativize(file).toString().replace(File.separatorChar, '/');
                            try (InputStream in = Files.newInputStream(file)) {
                                copy(out, seen, name, in);
                            }
                        }
                    }
                } else {
                    try (JarFile sourceJar = new JarFile(source.toFile())) {
                        for (JarEntry entry : sourceJar.stream().filter(e -> !e.isDirectory()).toList()) {
                            try (InputStream in = sourceJar.getInputStream(entry)) {
                                copy(out, seen, entry.getName(), in);
                            }
                        }
                    }
                }
            }
        }
        return Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void copy(JarOutputStream out, Set<String> seen, String name, InputStream in)
            throws IOException {
        if (!seen.add(name) || name.matches("META-INF/[^/]+\\.(SF|DSA|RSA)")) {
            return;
        }
        out.putNextEntry(new JarEntry(name));
        in.transferTo(out);
        out.closeEntry();
    }
}
