// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.data.Labels;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chapter 3's text preparation and recipes on generated documents (the real corpus is fetched, never shipped): the
 * tasks' selections and splits, the vocabulary's order, multi-hot rows, bad files named with their line, and the
 * recipes learning a separable corpus.
 */
class PackageTextsTest {
    @TempDir
    Path dir;

    /**
     * Documents of {@code sections} sections; section s draws most of its words from its own 20 ("s3w7") and some
     * from 50 shared ones, so the classes are learnable but not by one word.
     */
    private static List<PackageTexts.Document> corpus(int sections, int perSectionBase, long seed) {
        Random rng = new Random(seed);
        List<PackageTexts.Document> docs = new ArrayList<>();
        for (int s = 0; s < sections; s++) {
            int count = perSectionBase * (sections - s);   // section 0 the most frequent
            for (int d = 0; d < count; d++) {
                StringBuilder text = new StringBuilder("Package of section ").append(s).append('.');
                for (int w = 0; w < 12; w++) {
                    text.append(' ').append(rng.nextDouble() < 0.6 ? "s" + s + "w" + rng.nextInt(20)
                            : "common" + rng.nextInt(50)).append(rng.nextBoolean() ? "," : "");
                }
                docs.add(new PackageTexts.Document("pkg-" + s + "-" + d, "sec" + s, text.toString()));
            }
        }
        return docs;
    }

    @Test
    void readsTheFetchedFormatAndNamesABadLine() throws Exception {
        Path tsv = dir.resolve("packages.tsv");
        Files.writeString(tsv, "0ad\tgames\tReal-time strategy game\nacl\tutils\tAccess control list utilities\n");
        assertEquals(List.of(new PackageTexts.Document("0ad", "games", "Real-time strategy game"),
                new PackageTexts.Document("acl", "utils", "Access control list utilities")), PackageTexts.read(tsv));
        assertEquals(List.of("real", "time", "strategy", "game"), PackageTexts.read(tsv).get(0).words());

        Files.writeString(tsv, "0ad\tgames\tReal-time strategy game\nacl utils Access control\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackageTexts.read(tsv));
        assertEquals(tsv + ", line 2: expected package<TAB>section<TAB>text, got 1 field(s): acl utils Access control",
                e.getMessage());
        Files.writeString(tsv, "");
        assertThrows(IllegalArgumentException.class, () -> PackageTexts.read(tsv));
    }

    @Test
    void binaryTaskIsBalancedAndSplitInHalf() {
        List<PackageTexts.Document> docs = corpus(3, 10, 1);   // 30, 20 and 10 documents
        PackageTexts.Task task = PackageTexts.binary(docs, "sec0", "sec2", 5);
        assertEquals(List.of("sec0", "sec2"), task.classes());
        assertEquals(10, task.train().size());
        assertEquals(10, task.test().size());
        int positives = 0;
        for (int i = 0; i < 10; i++) {
            positives += task.trainLabels()[i] + task.testLabels()[i];
            assertEquals(task.train().get(i).section().equals("sec2") ? 1 : 0, task.trainLabels()[i]);
        }
        assertEquals(10, positives, "as many of each section");
        PackageTexts.Task again = PackageTexts.binary(docs, "sec0", "sec2", 5);
        assertEquals(task.train(), again.train(), "seeded");
        assertArrayEquals(task.testLabels(), again.testLabels());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PackageTexts.binary(docs, "sec0", "games", 5));
        assertEquals("binary task: section 'games' has no documents", e.getMessage());
    }

    @Test
    void topicTaskKeepsTheMostFrequentSections() {
        List<PackageTexts.Document> docs = corpus(5, 4, 2);   // 20, 16, 12, 8, 4 documents
        PackageTexts.Task task = PackageTexts.topics(docs, 3, 40, 0.75, 3);
        assertEquals(List.of("sec0", "sec1", "sec2"), task.classes());
        assertEquals(30, task.train().size());
        assertEquals(10, task.test().size());
        for (int i = 0; i < task.train().size(); i++) {
            assertEquals("sec" + task.trainLabels()[i], task.train().get(i).section());
        }
        assertEquals(48, PackageTexts.topics(docs, 3, 1000, 0.5, 3).train().size() * 2, "all 48 when fewer asked");
        assertThrows(IllegalArgumentException.class, () -> PackageTexts.topics(docs, 6, 40, 0.8, 3));
    }

    @Test
    void vocabularyRanksTrainingWordsAndRowsAreMultiHot() {
        List<PackageTexts.Document> train = List.of(new PackageTexts.Document("a", "x", "net net tool"),
                new PackageTexts.Document("b", "y", "Tool, net; zebra apple"));
        PackageTexts.Task task = new PackageTexts.Task(List.of("x", "y"), train, new int[] {0, 1}, List.of(),
                new int[0]);
        PackageTexts.Vocabulary words = task.vocabulary(3);
        // net 3, tool 2, then apple and zebra once each: apple first by name; zebra left out.
        assertEquals(Map.of("net", 0, "tool", 1, "apple", 2), words.ids());
        SparseRows rows = words.multiHot(List.of(new PackageTexts.Document("c", "x", "zebra apple net net unknown"),
                new PackageTexts.Document("d", "x", "nothing known")));
        assertEquals(3, rows.width());
        assertArrayEquals(new int[] {0, 2, 2}, rows.rowStart());
        assertArrayEquals(new int[] {0, 2}, rows.columns());
        assertTrue(Tensors.allClose(rows.toDense(), Tensor.of(new float[] {1, 0, 1, 0, 0, 0}, 2, 3), 0, 0));
    }

    @Test
    void binaryRecipeLearnsAGeneratedCorpus() {
        PackageTexts.Task task = PackageTexts.binary(corpus(2, 150, 4), "sec1", "sec0", 1);
        PackageTexts.Vocabulary words = task.vocabulary(100);
        SparseRows x = words.multiHot(task.train());
        SparseRows testX = words.multiHot(task.test());
        Chapter3Text.Result result = Chapter3Text.run("binary", Chapter3Text.binaryModel(100, 1), x,
                PackageTexts.labels(task.trainLabels()).reshape(x.rows(), 1), testX,
                PackageTexts.labels(task.testLabels()).reshape(testX.rows(), 1), 8, 32, 1);
        assertTrue(result.testAccuracy() > 0.95, result.toString());
    }

    /** Chapter 3 shows both: integer labels with the sparse loss, one-hot rows with the categorical one; same model. */
    @Test
    void sparseAndOneHotTopicLossesLearnTheSameWeights() {
        PackageTexts.Task task = PackageTexts.topics(corpus(6, 15, 5), 5, 1000, 0.8, 2);
        PackageTexts.Vocabulary words = task.vocabulary(150);
        SparseRows x = words.multiHot(task.train());
        SparseRows testX = words.multiHot(task.test());
        Tensor labels = PackageTexts.labels(task.trainLabels());
        Tensor testLabels = PackageTexts.labels(task.testLabels());
        Sequential sparse = Chapter3Text.topicModel(150, 5, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 3);
        Sequential oneHot = Chapter3Text.topicModel(150, 5, Loss.CATEGORICAL_CROSSENTROPY, 3);
        FitOptions options = FitOptions.builder().epochs(6).batchSize(32).seed(4).listeners().build();
        sparse.fit(x, labels, options);
        oneHot.fit(x, Labels.toCategorical(labels, 5), options);
        assertTrue(Tensors.allClose(sparse.weights(), oneHot.weights(), 1e-5, 1e-6), "max |diff| "
                + sparse.weights().sub(oneHot.weights()).map(Math::abs).max().item());
        double accuracy = sparse.evaluate(testX, testLabels).accuracy();
        assertEquals(accuracy, oneHot.evaluate(testX, Labels.toCategorical(testLabels, 5)).accuracy(), 1e-12);
        assertTrue(accuracy > 0.9, "test accuracy " + accuracy);
    }
}
