// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;

/**
 * The Kindling version and the git commit this copy of the engine was built from, as the build recorded them in
 * {@code build-info.properties}. {@code --version} prints {@link #describe()}; every model file records both, so a
 * model says which Kindling wrote it.
 *
 * @param version the Maven version, e.g. {@code 0.2.0}
 * @param commit  the full commit id, empty when the build had no git checkout (a source tarball)
 * @param dirty   whether the checkout had uncommitted changes when it was built (false when the commit is unknown)
 */
public record BuildInfo(String version, Optional<String> commit, boolean dirty) {
    private static final String RESOURCE = "build-info.properties";
    private static final BuildInfo CURRENT = read();

    /** What the build of this jar (or of {@code core/target/classes}) recorded. */
    public static BuildInfo current() {
        return CURRENT;
    }

    /**
     * One line: {@code 0.2.0 (commit 1a2b...)} with the full commit id, {@code 0.2.0 (commit 1a2b..., with
     * uncommitted changes)}, or {@code 0.2.0 (commit unknown: built outside a git checkout)}.
     */
    public String describe() {
        return commit.map(c -> version + " (commit " + c + (dirty ? ", with uncommitted changes" : "") + ")")
                .orElse(version + " (commit unknown: built outside a git checkout)");
    }

    private static BuildInfo read() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing next to " + BuildInfo.class.getName()
                        + ": this copy of kindling-core was not built by its Maven build");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new BuildInfo(p.getProperty("version"), filled(p.getProperty("commit")),
                "true".equals(filled(p.getProperty("dirty")).orElse("false")));
    }

    /** A property the build filled in; a placeholder left as {@code ${...}} (no git checkout) counts as absent. */
    private static Optional<String> filled(String value) {
        return value == null || value.isBlank() || value.contains("${") ? Optional.empty() : Optional.of(value);
    }
}
