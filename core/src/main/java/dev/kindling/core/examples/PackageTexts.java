// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.examples;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Chapter 3's text tasks on a corpus that is at hand on a Debian machine, the package index: each package's English
 * description is a document and its {@code Section} its class ({@code scripts/fetch-chapter3-data} writes
 * {@code data/debian-packages/packages.tsv}: {@code package<TAB>section<TAB>text}). In the book's steps:
 * <ol>
 *   <li>{@link #read} the documents;</li>
 *   <li>a task: {@link #binary} (two sections, balanced, split in half as IMDB's reviews) or {@link #topics} (the
 *       most frequent sections, a sample of documents as many as Reuters' newswires, 80/20 as Reuters');</li>
 *   <li>{@link Task#vocabulary} of the training documents' most frequent words (Keras's {@code num_words}), then
 *       {@link Vocabulary#multiHot} rows, as sparse rows: a 10,000-word row holds a few dozen ones.</li>
 * </ol>
 * Words are lower-cased runs of letters and digits. Every choice is seeded, so a run and its PyTorch anchor (which
 * reads the split {@link #writeIds} writes) see the same documents.
 */
public final class PackageTexts {
    private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

    private PackageTexts() {
    }

    /** One document: its package, section and text. */
    public record Document(String name, String section, String text) {
        /** The document's words: lower-cased runs of letters and digits, in order. */
        public List<String> words() {
            List<String> words = new ArrayList<>();
            for (String w : NOT_WORD.split(text.toLowerCase(Locale.ROOT))) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
            return words;
        }
    }

    /**
     * The documents of a {@code package<TAB>section<TAB>text} file.
     *
     * @throws IllegalArgumentException naming the file and line of a line without three tab-separated fields
     */
    public static List<Document> read(Path tsv) throws IOException {
        List<Document> docs = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            lineNumber++;
            String[] fields = line.split("\t", -1);
            if (fields.length != 3 || fields[0].isEmpty() || fields[1].isEmpty()) {
                throw new IllegalArgumentException(tsv + ", line " + lineNumber + ": expected package<TAB>section"
                        + "<TAB>text, got " + fields.length + " field(s): "
                        + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
            }
            docs.add(new Document(fields[0], fields[1], fields[2]));
        }
        if (docs.isEmpty()) {
            throw new IllegalArgumentException(tsv + ": no documents");
        }
        return docs;
    }

    /** Documents with their class numbers, split into training and test documents; {@code classes} names them. */
    public record Task(List<String> classes, List<Document> train, int[] trainLabels, List<Document> test,
                       int[] testLabels) {
        /**
         * The {@code numWords} most frequent words of the training documents (counting every occurrence, as Keras's
         * tokenizer; ties in alphabetical order): word {@code i} is column {@code i} of a multi-hot row.
         */
        public Vocabulary vocabulary(int numWords) {
            Map<String, Integer> counts = new HashMap<>();
            for (Document d : train) {
                for (String w : d.words()) {
                    counts.merge(w, 1, Integer::sum);
                }
            }
            List<Map.Entry<String, Integer>> ranked = new ArrayList<>(counts.entrySet());
            ranked.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            Map<String, Integer> ids = new LinkedHashMap<>();
            for (int i = 0; i < Math.min(numWords, ranked.size()); i++) {
                ids.put(ranked.get(i).getKey(), i);
            }
            return new Vocabulary(ids, numWords);
        }
    }

    /** Word ids by frequency rank; {@code width} columns (a vocabulary smaller than asked leaves columns unused). */
    public record Vocabulary(Map<String, Integer> ids, int width) {
        /** Each document's distinct known words, as ascending ids. */
        public int[][] ids(List<Document> docs) {
            int[][] out = new int[docs.size()][];
            for (int r = 0; r < docs.size(); r++) {
                TreeSet<Integer> present = new TreeSet<>();
                for (String w : docs.get(r).words()) {
                    Integer id = ids.get(w);
                    if (id != null) {
                        present.add(id);
                    }
                }
                out[r] = present.stream().mapToInt(Integer::intValue).toArray();
            }
            return out;
        }

        /** Multi-hot rows {@code (docs, width)}: 1 where the document has the word (chapter 3's vectorize_sequences). */
        public SparseRows multiHot(List<Document> docs) {
            int[][] rows = ids(docs);
            int[] rowStart = new int[rows.length + 1];
            for (int r = 0; r < rows.length; r++) {
                rowStart[r + 1] = rowStart[r] + rows[r].length;
            }
            int[] columns = new int[rowStart[rows.length]];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(rows[r], 0, columns, rowStart[r], rows[r].length);
            }
            Tensor values = Tensor.full(dev.kindling.core.tensor.Shape.of(columns.length), DType.FLOAT32, 1.0);
            return SparseRows.of(width, rowStart, columns, values);
        }
    }

    /**
     * Two sections as a binary task, label 1 for {@code positive}: the larger one sampled down to the smaller's size,
     * shuffled with {@code seed} and split in half, as IMDB's 25,000 / 25,000 reviews.
     *
     * @throws IllegalArgumentException naming a section with no documents
     */
    public static Task binary(List<Document> docs, String negative, String positive, long seed) {
        List<Document> neg = new ArrayList<>();
        List<Document> pos = new ArrayList<>();
        for (Document d : docs) {
            if (d.section().equals(negative)) {
                neg.add(d);
            } else if (d.section().equals(positive)) {
                pos.add(d);
            }
        }
        if (neg.isEmpty() || pos.isEmpty()) {
            throw new IllegalArgumentException("binary task: section '" + (neg.isEmpty() ? negative : positive)
                    + "' has no documents");
        }
        Random rng = new Random(seed);
        Collections.shuffle(neg, rng);
        Collections.shuffle(pos, rng);
        int each = Math.min(neg.size(), pos.size());
        List<Document> chosen = new ArrayList<>(neg.subList(0, each));
        chosen.addAll(pos.subList(0, each));
        Collections.shuffle(chosen, rng);
        return split(chosen, List.of(negative, positive), chosen.size() / 2);
    }

    /**
     * The {@code classes} most frequent sections (ties by name) as a single-label topic task, class 0 the most
     * frequent: {@code documents} of their documents drawn with {@code seed} (all when fewer), the first
     * {@code trainFraction} training, as Reuters' 8,982 / 2,246 newswires of 46 topics.
     */
    public static Task topics(List<Document> docs, int classes, int documents, double trainFraction, long seed) {
        Map<String, Integer> counts = new HashMap<>();
        docs.forEach(d -> counts.merge(d.section(), 1, Integer::sum));
        List<String> sections = new ArrayList<>(counts.keySet());
        sections.sort(Comparator.<String, Integer>comparing(counts::get).reversed().thenComparing(s -> s));
        if (sections.size() < classes) {
            throw new IllegalArgumentException("topic task: " + classes + " classes asked, the documents have "
                    + sections.size() + " sections");
        }
        List<String> kept = sections.subList(0, classes);
        java.util.Set<String> keep = new java.util.HashSet<>(kept);
        List<Document> chosen = new ArrayList<>();
        for (Document d : docs) {
            if (keep.contains(d.section())) {
                chosen.add(d);
            }
        }
        Collections.shuffle(chosen, new Random(seed));
        chosen = new ArrayList<>(chosen.subList(0, Math.min(documents, chosen.size())));
        return split(chosen, List.copyOf(kept), (int) (chosen.size() * trainFraction));
    }

    private static Task split(List<Document> docs, List<String> classes, int train) {
        Map<String, Integer> label = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            label.put(classes.get(i), i);
        }
        int[] labels = docs.stream().mapToInt(d -> label.get(d.section())).toArray();
        return new Task(classes, List.copyOf(docs.subList(0, train)), java.util.Arrays.copyOfRange(labels, 0, train),
                List.copyOf(docs.subList(train, docs.size())), java.util.Arrays.copyOfRange(labels, train, labels.length));
    }

    /** A task's labels as a float tensor {@code (n)} (integer class numbers, sparse_categorical_crossentropy's). */
    public static Tensor labels(int[] labels) {
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i];
        }
        return Tensor.of(f, labels.length);
    }

    /**
     * Writes {@code label id id ...} lines (each document's distinct word ids, ascending): the split a PyTorch anchor
     * reads ({@code scripts/lib/pytorch_chapter3.py}) to train on the very same rows.
     */
    public static void writeIds(Path file, int[][] ids, int[] labels) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int r = 0; r < ids.length; r++) {
                StringBuilder line = new StringBuilder().append(labels[r]);
                for (int id : ids[r]) {
                    line.append(' ').append(id);
                }
                w.write(line.append('\n').toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
