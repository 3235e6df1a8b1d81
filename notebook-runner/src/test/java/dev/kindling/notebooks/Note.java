// SPDX-License-Identifier: Apache-2.0
package dev.kindling.notebooks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Zeppelin note ({@code NAME_ID.zpln}, Zeppelin 0.9+) as far as the runner needs it: name, id, default
 * interpreter group and the paragraphs in order. Fields the runner does not use (results, dates, forms, angular
 * objects...) are ignored, so a note exported from Zeppelin with its results still reads.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Note(@JsonProperty("name") String name,
                   @JsonProperty("id") String id,
                   @JsonProperty("defaultInterpreterGroup") String defaultInterpreterGroup,
                   @JsonProperty("paragraphs") List<Paragraph> paragraphs) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** Zeppelin's own note ids: 9 characters, upper-case letters and digits. */
    private static final Pattern NOTE_ID = Pattern.compile("[A-Z0-9]{9}");

    /** Reads and checks one note file; the error names the file and what is wrong with it. */
    public static Note read(Path file) {
        Note note;
        try {
            note = JSON.readValue(Files.readString(file), Note.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("note " + file + " is not a readable Zeppelin note: " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        if (note.name() == null || note.name().isBlank()) {
            problems.add("no \"name\"");
        }
        if (note.id() == null || !NOTE_ID.matcher(note.id()).matches()) {
            problems.add("\"id\" should be 9 upper-case letters or digits, got " + note.id());
        } else if (!file.getFileName().toString().endsWith("_" + note.id() + ".zpln")) {
            problems.add("file name should end with _" + note.id() + ".zpln (Zeppelin's NAME_ID.zpln)");
        }
        if (note.paragraphs() == null || note.paragraphs().isEmpty()) {
            problems.add("no \"paragraphs\"");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("note " + file + ": " + String.join("; ", problems));
        }
        return note;
    }

    /** The interpreter group of paragraphs without a directive ({@code spark} when the note does not say). */
    public String defaultGroup() {
        return defaultInterpreterGroup == null || defaultInterpreterGroup.isBlank() ? "spark" : defaultInterpreterGroup;
    }

    /** One paragraph: its title, its text (directive and code) and its config ({@code enabled}, editor...). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Paragraph(@JsonProperty("title") String title,
                            @JsonProperty("text") String text,
                            @JsonProperty("id") String id,
                            @JsonProperty("config") Map<String, Object> config) {

        /** Zeppelin saves a paragraph nobody typed into (the trailing one of every note) without "text". */
        public Paragraph {
            text = text == null ? "" : text;
        }

        /** {@code %spark}, {@code %spark.sql}, {@code %md}... at the start of the text, with optional local properties. */
        private static final Pattern DIRECTIVE = Pattern.compile("\\A\\s*%([\\w.]+)(\\([^)]*\\))?(\\s|\\z)");

        /** Zeppelin runs a paragraph whose config says nothing about {@code enabled}. */
        public boolean enabled() {
            Object enabled = config == null ? null : config.get("enabled");
            return !(enabled instanceof Boolean b) || b;
        }

        /**
         * The interpreter as Zeppelin names it: the directive without {@code %}, or the note's default group
         * when there is none ({@code spark}). A bare group name means its default interpreter ({@code %spark}).
         */
        public String interpreter(String defaultGroup) {
            Matcher m = DIRECTIVE.matcher(text);
            return m.find() ? m.group(1) : defaultGroup;
        }

        /** The code without the directive. */
        public String body() {
            Matcher m = DIRECTIVE.matcher(text);
            return m.find() ? text.substring(m.end()) : text;
        }

        /** The title, or {@code (untitled)}: reports name paragraphs by index and title. */
        public String displayTitle() {
            return title == null || title.isBlank() ? "(untitled)" : title;
        }
    }
}
