// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The build records the version and the commit it came from, and the core jar carries the licence files. */
class BuildInfoTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();

    @Test
    void theVersionIsTheProjectVersion() {
        String expected = System.getProperty("kindling.expected.version");
        assertNotNull(expected, "surefire passes kindling.expected.version (root pom.xml)");
        assertEquals(expected, BuildInfo.current().version());
    }

    /** The commit git reports for this checkout (inside a linked worktree too), or none outside a checkout. */
    @Test
    void theCommitIsTheCheckoutsHead() throws IOException, InterruptedException {
        Optional<String> head = git("rev-parse", "--verify", "HEAD");
        assertEquals(head, BuildInfo.current().commit());
        BuildInfo.current().commit().ifPresent(c -> assertTrue(c.matches("[0-9a-f]{40}"), c));
    }

    @Test
    void describeNamesTheCommitAndLocalChanges() {
        String full = "0123456789abcdef0123456789abcdef01234567";
        assertEquals("0.2.0 (commit " + full + ")", new BuildInfo("0.2.0", Optional.of(full), false).describe());
        assertEquals("0.2.0 (commit " + full + ", with uncommitted changes)",
                new BuildInfo("0.2.0", Optional.of(full), true).describe());
        assertEquals("0.2.0 (commit unknown: built outside a git checkout)",
                new BuildInfo("0.2.0", Optional.empty(), false).describe());
    }

    /** The root LICENSE and NOTICE are copied under META-INF/ of the module's classes, so the jar carries them. */
    @Test
    void theClassesCarryTheRootLicenseAndNotice() throws IOException, URISyntaxException {
        Path classes = Path.of(BuildInfo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (String name : new String[] {"LICENSE", "NOTICE"}) {
            Path copied = classes.resolve("META-INF").resolve(name);
            assertTrue(Files.isRegularFile(copied), copied + " is missing");
            assertEquals(Files.readString(MODULE.resolve("..").resolve(name)), Files.readString(copied), name);
        }
        String license = Files.readString(classes.resolve("META-INF/LICENSE"));
        assertTrue(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
    }

    /** {@code git args} run in this module: its output's first line, or empty when git fails or is missing. */
    private static Optional<String> git(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p;
        try {
            p = new ProcessBuilder(command).directory(MODULE.toFile()).redirectErrorStream(false).start();
        } catch (IOException noGit) {
            return Optional.empty();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertFalse(out.contains("\n"), out);
        return p.exitValue() == 0 && !out.isEmpty() ? Optional.of(out) : Optional.empty();
    }
}
