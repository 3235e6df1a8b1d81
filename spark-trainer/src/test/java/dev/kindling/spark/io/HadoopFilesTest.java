// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FilterFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one atomic writer of the Spark side, on the local file system through Hadoop's API, failures injected. */
class HadoopFilesTest {
    @TempDir
    Path dir;

    private HadoopFiles.Location at(String name) throws IOException {
        return HadoopFiles.locate(new Configuration(), dir.resolve(name).toUri().toString());
    }

    @Test
    void plainPathsAndFileUrisAreLocalAndLeaveNoChecksumFiles() throws IOException {
        HadoopFiles.Location uri = at("a.txt");
        HadoopFiles.Location plain = HadoopFiles.locate(new Configuration(), dir.resolve("a.txt").toString());
        assertEquals(uri.path(), plain.path());
        assertEquals("file", uri.path().toUri().getScheme());
        HadoopFiles.writeFile(uri, out -> out.write("one".getBytes(StandardCharsets.UTF_8)));
        HadoopFiles.writeFile(uri, out -> out.write("two".getBytes(StandardCharsets.UTF_8)));
        assertEquals("two", Files.readString(dir.resolve("a.txt")));
        assertEquals(List.of("a.txt"), names(dir));
    }

    /** Kindling's retry bounds fill in Hadoop's defaults only: a value the cluster's files or the job set wins. */
    @Test
    void retryBoundsReplaceOnlyHadoopsDefaults() {
        Configuration defaults = new Configuration();
        Configuration bounded = HadoopFiles.withRetryBounds(defaults);
        HadoopFiles.CLIENT_RETRY_BOUNDS.forEach((key, value) -> assertEquals(value, bounded.get(key), key));
        assertEquals("10", defaults.get("ipc.client.connect.max.retries"), "the given configuration is left alone");

        Configuration explicit = new Configuration();
        explicit.set("ipc.client.connect.max.retries", "7");
        Configuration kept = HadoopFiles.withRetryBounds(explicit);
        assertEquals("7", kept.get("ipc.client.connect.max.retries"));
        assertEquals("3", kept.get("ipc.client.connect.max.retries.on.timeouts"));
    }

    @Test
    void aFailureWhileWritingKeepsThePreviousFileAndLeavesNothingBehind() throws IOException {
        HadoopFiles.Location file = at("model.kindling");
        HadoopFiles.writeFile(file, out -> out.write(1));
        IOException e = assertThrows(IOException.class, () -> HadoopFiles.writeFile(file, out -> {
            out.write(new byte[100]);
            throw new IOException("disk full (injected)");
        }));
        // The error names the file it was writing (a file system's own error often names only its server).
        assertEquals(file + ": disk full (injected)", e.getMessage());
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("model.kindling")));
        assertEquals(List.of("model.kindling"), names(dir));
    }

    @Test
    void aDirectoryIsReplacedWholeOrNotAtAll() throws IOException {
        HadoopFiles.Location run = at("run");
        HadoopFiles.replaceDirectory(run, staging -> write(staging.resolve("stale.txt"), "old run"));
        HadoopFiles.replaceDirectory(run, staging -> write(staging.resolve("metrics.json"), "{}"));
        assertEquals(List.of("metrics.json"), names(dir.resolve("run")));

        assertThrows(IOException.class, () -> HadoopFiles.replaceDirectory(run, staging -> {
            write(staging.resolve("model.kindling"), "half a model");
            throw new IOException("killed (injected)");
        }));
        assertEquals(List.of("metrics.json"), names(dir.resolve("run")));
        assertEquals(List.of("run"), names(dir), "no staging directory left behind");
    }

    @Test
    void aFailedRenamePutsThePreviousDirectoryBack() throws IOException {
        HadoopFiles.Location run = at("run");
        HadoopFiles.replaceDirectory(run, staging -> write(staging.resolve("metrics.json"), "{\"run\": 1}"));
        // A file system whose rename into "run" fails after the old one was moved aside.
        FilterFileSystem failing = new FilterFileSystem(run.fs()) {
            @Override
            public boolean rename(org.apache.hadoop.fs.Path src, org.apache.hadoop.fs.Path dst) throws IOException {
                if (dst.getName().equals("run") && src.getName().contains(".tmp-")) {
                    assertTrue(Files.notExists(dir.resolve("run")), "the old run is aside while the new one moves in");
                    return false;
                }
                return super.rename(src, dst);
            }
        };
        HadoopFiles.Location viaFailing = new HadoopFiles.Location(failing, run.path());
        IOException e = assertThrows(IOException.class, () -> HadoopFiles.replaceDirectory(viaFailing,
                staging -> write(staging.resolve("metrics.json"), "{\"run\": 2}")));
        assertTrue(e.getMessage().startsWith("could not rename "), e.getMessage());
        assertEquals("{\"run\": 1}", Files.readString(dir.resolve("run/metrics.json")));
        assertEquals(List.of("run"), names(dir));
    }

    private static void write(HadoopFiles.Location file, String text) throws IOException {
        try (var out = file.fs().create(file.path(), false)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
