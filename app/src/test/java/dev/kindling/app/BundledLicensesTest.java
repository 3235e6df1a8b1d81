// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the application jar bundles, checked on the resources the build generates before the tests run (the shaded
 * jar itself only exists after {@code package}): {@code META-INF/THIRD-PARTY.txt}, which license-maven-plugin
 * writes from the bundled artifacts' POMs (and which fails the build itself on an unknown or unaccepted licence),
 * and the native libraries inside those artifacts, which no POM describes: each must be named, with an accepted
 * licence and its text, in {@code META-INF/licenses/native-libraries.txt}.
 */
class BundledLicensesTest {
    /** Licences Kindling ships Java artifacts under Apache-2.0 with (the ASF's category A). */
    private static final Set<String> ACCEPTED = Set.of("Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause");
    /**
     * For the separately loaded native libraries, also the GCC runtime (GPL-3.0 with the Runtime Library
     * Exception, which lets code compiled with GCC be conveyed under any terms) and LGPL-2.1 (a shared library the
     * user can replace; its text and where its source is are shipped with it).
     */
    private static final Set<String> ACCEPTED_NATIVE = Set.of("Apache-2.0", "BSD-3-Clause",
            "GPL-3.0-or-later WITH GCC-exception-3.1", "LGPL-2.1-or-later");
    /** One line of the plugin's list: {@code (licence) (licence) name (group:artifact:version - url)}. */
    private static final Pattern LINE = Pattern.compile("^\\s*((?:\\([^)]*\\)\\s*)+)(.*) \\(([^:\\s]+):([^:\\s]+):([^\\s]+) - .*\\)$");
    private static final Pattern LICENCE = Pattern.compile("\\(([^)]*)\\)");
    private static final Pattern NATIVE = Pattern.compile(".*/([^/]+\\.(so(\\.\\d+)*|dylib|dll|jnilib))$");

    /** group:artifact:version of each bundled artifact, with its licences. */
    private static Map<String, List<String>> bundled() throws IOException {
        Map<String, List<String>> artifacts = new HashMap<>();
        for (String line : Files.readAllLines(classes().resolve("META-INF/THIRD-PARTY.txt"))) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            List<String> licences = new ArrayList<>();
            for (Matcher l = LICENCE.matcher(m.group(1)); l.find(); ) {
                licences.add(l.group(1));
            }
            artifacts.put(m.group(3) + ":" + m.group(4) + ":" + m.group(5), licences);
        }
        return artifacts;
    }

    @Test
    void everyBundledArtifactIsListedWithAnAcceptedLicence() throws IOException {
        Map<String, List<String>> artifacts = bundled();
        for (String expected : List.of("info.picocli:picocli:", "com.typesafe:config:", "org.knowm.xchart:xchart:",
                "org.bytedeco:openblas:", "org.bytedeco:javacpp:", "dev.kindling:kindling-core:")) {
            assertTrue(artifacts.keySet().stream().anyMatch(a -> a.startsWith(expected)), expected + " not in "
                    + artifacts.keySet());
        }
        for (String spark : List.of("org.apache.spark:", "com.fasterxml.jackson.core:", "org.slf4j:",
                "dev.ludovic.netlib:", "org.apache.pdfbox:", "de.erichseifert.vectorgraphics2d:")) {
            assertFalse(artifacts.keySet().stream().anyMatch(a -> a.startsWith(spark)),
                    spark + " is provided by Spark or left out, yet listed as bundled: " + artifacts.keySet());
        }
        artifacts.forEach((artifact, licences) -> assertTrue(licences.stream().anyMatch(ACCEPTED::contains),
                artifact + " has " + licences + ", none of " + ACCEPTED));
    }

    @Test
    void everyNativeLibraryInABundledJarHasAnAcceptedLicenceAndItsText() throws IOException {
        Map<String, String[]> named = new HashMap<>();
        Path licenses = classes().resolve("META-INF/licenses");
        for (String line : Files.readAllLines(licenses.resolve("native-libraries.txt"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] columns = line.split("\t");
                assertEquals(4, columns.length, "file, licence, texts, description expected: " + line);
                named.put(columns[0], columns);
            }
        }
        Set<String> found = new TreeSet<>();
        for (Path jar : bundledJars(bundled().keySet())) {
            try (JarFile file = new JarFile(jar.toFile())) {
                file.stream().map(e -> NATIVE.matcher(e.getName())).filter(Matcher::matches).forEach(m -> {
                    String library = m.group(1);
                    found.add(library);
                    String[] entry = named.get(library);
                    assertTrue(entry != null, library + " (in " + jar.getFileName() + ") is not named in "
                            + "META-INF/licenses/native-libraries.txt");
                    assertTrue(ACCEPTED_NATIVE.contains(entry[1]), library + ": " + entry[1] + " is none of "
                            + ACCEPTED_NATIVE);
                    if (!entry[2].equals("-")) {
                        for (String text : entry[2].split(" ")) {
                            assertTrue(Files.isRegularFile(licenses.resolve(text)), library + ": no " + text);
                        }
                    }
                });
            }
        }
        assertTrue(found.containsAll(Set.of("libopenblas.so.0", "libgfortran.so.5", "libjnijavacpp.so")),
                "the OpenBLAS and JavaCPP natives were not found in the bundled jars: " + found);
    }

    /** The jars on this test's classpath that are the bundled artifacts (any classifier). */
    private static List<Path> bundledJars(Set<String> artifacts) {
        List<Path> jars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            String name = path.getFileName() == null ? "" : path.getFileName().toString();
            boolean isBundled = artifacts.stream().map(a -> a.split(":"))
                    .anyMatch(a -> name.equals(a[1] + "-" + a[2] + ".jar") || name.startsWith(a[1] + "-" + a[2] + "-"));
            if (name.endsWith(".jar") && isBundled) {
                jars.add(path);
            }
        }
        assertFalse(jars.isEmpty(), "no bundled jar on the classpath: " + Arrays.toString(artifacts.toArray()));
        return jars;
    }

    private static Path classes() {
        try {
            return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
