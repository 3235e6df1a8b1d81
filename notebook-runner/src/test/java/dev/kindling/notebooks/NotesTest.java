// SPDX-License-Identifier: Apache-2.0
package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every note in notebooks/ runs headlessly and every paragraph passes (or is skipped: markdown, configuration,
 * empty). The notes train with {@code kindling.notes.epochs} = 1 here unless the build sets it.
 */
class NotesTest {

    @Test
    void everyNoteRunsAndEveryParagraphPasses() {
        RepoNotes.oneEpochUnlessSet();
        List<Path> files = RepoNotes.notes(RepoNotes.dir());
        assertFalse(files.isEmpty(), "no .zpln notes in " + RepoNotes.dir());

        NoteRunner runner = NoteRunner.local();
        List<NoteRunner.NoteResult> results = new ArrayList<>();
        for (Path file : files) {
            results.add(runner.run(file));
        }
        String report = NoteRunner.report(results);
        System.out.println("\n==== notebook report ====\n" + report);

        List<String> failed = results.stream().flatMap(r -> r.failures().stream())
                .map(p -> p.note() + " #" + p.index() + " '" + p.title() + "': " + p.detail()).toList();
        assertEquals(List.of(), failed, report);
        for (NoteRunner.NoteResult r : results) {
            long passed = r.paragraphs().stream().filter(p -> p.status() == NoteRunner.Status.PASSED).count();
            assertTrue(passed > 0, r.name() + " ran no paragraph at all");
        }
    }
}
