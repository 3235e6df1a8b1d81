// SPDX-License-Identifier: Apache-2.0
/**
 * The headless Zeppelin note runner and its tests. {@link dev.kindling.notebooks.Note} reads a {@code .zpln} file
 * with Jackson; {@link dev.kindling.notebooks.NoteRunner} runs its {@code %spark} paragraphs in a Scala 2.13 REPL
 * ({@code IMain}) with {@code spark}, {@code sc} and a small {@code z} ({@link dev.kindling.notebooks.HeadlessZeppelinContext})
 * bound, its {@code %spark.sql} paragraphs through {@code spark.sql}, skips {@code %md}, {@code %spark.conf} and
 * disabled paragraphs, and reports every paragraph. {@code NotesTest} runs every note in {@code notebooks/}.
 * Test-only: nothing here ships in a jar.
 */
package dev.kindling.notebooks;
