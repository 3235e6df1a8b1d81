// SPDX-License-Identifier: Apache-2.0
package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's rules besides code errors: disabled paragraphs, late %spark.conf, interpreters it cannot run. */
class NoteRunnerRulesTest {

    private static String paragraph(String title, String text, boolean enabled) {
        return "{\"title\": \"" + title + "\", \"text\": \"" + text.replace("\n", "\\n").replace("\"", "\\\"")
                + "\", \"config\": {\"enabled\": " + enabled + "}}";
    }

    private static Path note(Path dir, String id, String... paragraphs) throws IOException {
        return Files.writeString(dir.resolve("Rules_" + id + ".zpln"), "{\"name\": \"Rules\", \"id\": \"" + id
                + "\", \"defaultInterpreterGroup\": \"spark\", \"paragraphs\": [" + String.join(",", paragraphs) + "]}");
    }

    @Test
    void disabledParagraphsAreSkippedAndConfAfterTheInterpreterStartedFails(@TempDir Path dir) throws IOException {
        Path file = note(dir, "RULES0001",
                paragraph("conf first", "%spark.conf\nspark.jars /nowhere/kindling-app.jar\nspark.master spark://h:7077", true),
                paragraph("code", "%spark\nval answer = 6 * 7\nrequire(answer == 42)", true),
                paragraph("disabled", "%spark\nthis does not compile", false),
                paragraph("late conf", "%spark.conf\nspark.executor.memory 1g", true),
                paragraph("after", "%spark\nval never = 1", true));
        NoteRunner.NoteResult r = NoteRunner.local().run(file);
        String report = NoteRunner.report(List.of(r));
        System.out.println(report);
        List<NoteRunner.Status> statuses = r.paragraphs().stream().map(NoteRunner.ParagraphResult::status).toList();
        assertEquals(List.of(NoteRunner.Status.SKIPPED, NoteRunner.Status.PASSED, NoteRunner.Status.SKIPPED,
                NoteRunner.Status.FAILED, NoteRunner.Status.SKIPPED), statuses, report);
        assertTrue(r.paragraphs().get(0).detail().contains("spark.jars, spark.master"), report);
        assertEquals("disabled (config.enabled=false)", r.paragraphs().get(2).detail());
        assertTrue(r.paragraphs().get(3).detail().contains("after the Spark interpreter has started"), report);
    }

    @Test
    void anInterpreterTheRunnerCannotRunFailsTheNote(@TempDir Path dir) throws IOException {
        Path file = note(dir, "RULES0002", paragraph("shell", "%sh\nrm -rf /tmp/x", true));
        NoteRunner.NoteResult r = NoteRunner.local().run(file);
        assertEquals(NoteRunner.Status.FAILED, r.paragraphs().get(0).status());
        assertTrue(r.paragraphs().get(0).detail().contains("%sh is not supported"), r.paragraphs().get(0).detail());
    }
}
