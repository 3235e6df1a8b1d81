// SPDX-License-Identifier: Apache-2.0
package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The runner fails a note whose code is broken and names the paragraph: a copy of a repository note gets one
 * deliberate error in one {@code %spark} paragraph (a method that does not exist: a compile error; a Kindling call
 * that throws: a runtime exception; an unclosed brace: incomplete input), and the run must fail there and only
 * there, with the paragraphs before it passed and the ones after it not run.
 */
class NoteRunnerFailureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NOTE = "Tensors and gradients_2T4GR8DN3.zpln";
    private static final String TARGET_TITLE = "Tensor dot";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "compile error     | u.noSuchMethod()                   | value noSuchMethod is not a member of dev.kindling.core.tensor.Tensor",
        "runtime exception | x.reshape(7, 7)                    | java.lang.IllegalArgumentException: cannot reshape (32, 10)",
        "incomplete input  | val broken = Seq(1, 2,             | incomplete input",
    })
    void aBrokenParagraphFailsTheNoteAndIsNamed(String kind, String injected, String expected, @TempDir Path scratch)
            throws IOException {
        RepoNotes.oneEpochUnlessSet();
        Path note = scratch.resolve(NOTE);
        int target = inject(RepoNotes.dir().resolve(NOTE), note, TARGET_TITLE, injected);

        NoteRunner.NoteResult result = NoteRunner.local().run(note);
        String report = NoteRunner.report(List.of(result));
        System.out.println("\n==== deliberate " + kind + " ====\n" + report);

        assertFalse(result.passed(), "a note with a " + kind + " must fail:\n" + report);
        List<NoteRunner.ParagraphResult> failures = result.failures();
        assertEquals(1, failures.size(), report);
        NoteRunner.ParagraphResult failed = failures.get(0);
        assertEquals(target, failed.index(), report);
        assertEquals(TARGET_TITLE, failed.title(), report);
        assertEquals("%spark", failed.interpreter(), report);
        assertTrue(failed.detail().contains(expected), "the failure should say '" + expected + "', got: " + failed.detail());
        assertTrue(report.contains(String.format("%3d  %-46s", target, TARGET_TITLE)) && report.contains("FAILED"),
                "the report names the paragraph by index and title:\n" + report);

        for (NoteRunner.ParagraphResult p : result.paragraphs()) {
            if (p.index() < target && p.interpreter().equals("%spark") && !p.detail().equals("no code")) {
                assertEquals(NoteRunner.Status.PASSED, p.status(), "before the broken paragraph: " + p);
            } else if (p.index() > target) {
                assertEquals(NoteRunner.Status.SKIPPED, p.status(), "after the broken paragraph: " + p);
                assertEquals("not run: paragraph " + target + " failed", p.detail());
            }
        }
    }

    /** Copies {@code source} to {@code dest} with {@code code} appended to the paragraph titled {@code title}. */
    static int inject(Path source, Path dest, String title, String code) throws IOException {
        ObjectNode note = (ObjectNode) JSON.readTree(source.toFile());
        ArrayNode paragraphs = (ArrayNode) note.get("paragraphs");
        for (int i = 0; i < paragraphs.size(); i++) {
            ObjectNode p = (ObjectNode) paragraphs.get(i);
            if (title.equals(p.path("title").asText())) {
                String text = p.get("text").asText();
                assertTrue(text.startsWith("%spark\n"), "the target paragraph should be %spark: " + text);
                p.put("text", text + "\n" + code + "\n");
                Files.writeString(dest, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(note));
                return i;
            }
        }
        throw new AssertionError("no paragraph titled '" + title + "' in " + source);
    }
}
