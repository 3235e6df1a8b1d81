// SPDX-License-Identifier: Apache-2.0
package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading notes (no Spark): the repository's notes' shape, directives, and clear errors for bad files. */
class NoteTest {

    @Test
    void everyRepositoryNoteStartsWithHowToLoadKindlingThenItsConfiguration() {
        for (Path file : RepoNotes.notes(RepoNotes.dir())) {
            Note note = Note.read(file);
            Note.Paragraph first = note.paragraphs().get(0);
            Note.Paragraph second = note.paragraphs().get(1);
            assertEquals("md", first.interpreter(note.defaultGroup()), file + ": first paragraph");
            assertTrue(first.body().contains("spark.jars") && first.body().contains("kindling-app.jar")
                    && first.body().contains("zeppelin.spark.enableSupportedVersionCheck"), file + ": " + first.body());
            assertEquals("spark.conf", second.interpreter(note.defaultGroup()), file + ": second paragraph");
            assertTrue(second.body().contains("spark.jars ") && second.body().contains("kindling-app.jar")
                    && second.body().contains("zeppelin.spark.enableSupportedVersionCheck false"), file + ": " + second.body());
            assertTrue(note.paragraphs().stream().anyMatch(p -> p.interpreter(note.defaultGroup()).equals("spark")),
                    file + " has no %spark paragraph");
        }
    }

    @Test
    void directivesAndBodies() {
        Note.Paragraph sql = new Note.Paragraph("t", "%spark.sql\nselect 1", "p1", Map.of());
        assertEquals("spark.sql", sql.interpreter("spark"));
        assertEquals("select 1", sql.body());
        Note.Paragraph local = new Note.Paragraph("t", "  %spark(pool=fast) val a = 1", "p2", Map.of());
        assertEquals("spark", local.interpreter("spark"));
        assertEquals("val a = 1", local.body());
        Note.Paragraph bare = new Note.Paragraph(null, "val percent = 5 % 2", "p3", null);
        assertEquals("spark", bare.interpreter("spark"), "no directive: the note's default interpreter");
        assertEquals("val percent = 5 % 2", bare.body());
        assertEquals("(untitled)", bare.displayTitle());
        assertTrue(bare.enabled());
        assertFalse(new Note.Paragraph("t", "%md x", "p4", Map.of("enabled", false)).enabled());
        assertEquals("", new Note.Paragraph("t", null, "p5", Map.of()).body(), "Zeppelin's empty trailing paragraph");
    }

    @Test
    void badFilesAreNamedWithTheProblem(@TempDir Path dir) throws IOException {
        Path broken = Files.writeString(dir.resolve("Broken_ABCDEFGH1.zpln"), "{\"name\": \"x\", \"paragraphs\": [");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Note.read(broken));
        assertTrue(e.getMessage().contains(broken.toString()) && e.getMessage().contains("not a readable Zeppelin note"),
                e.getMessage());

        Path wrongId = Files.writeString(dir.resolve("Note_ABCDEFGH1.zpln"),
                "{\"name\": \"n\", \"id\": \"ZZZZZZZZ9\", \"paragraphs\": [{\"text\": \"%md hi\"}]}");
        e = assertThrows(IllegalArgumentException.class, () -> Note.read(wrongId));
        assertTrue(e.getMessage().contains("_ZZZZZZZZ9.zpln"), e.getMessage());

        Path noParagraphs = Files.writeString(dir.resolve("Empty_ABCDEFGH2.zpln"),
                "{\"name\": \"n\", \"id\": \"abc\", \"paragraphs\": []}");
        e = assertThrows(IllegalArgumentException.class, () -> Note.read(noParagraphs));
        assertTrue(e.getMessage().contains("9 upper-case letters or digits, got abc")
                && e.getMessage().contains("no \"paragraphs\""), e.getMessage());
    }
}
