// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.examples.PackageTexts;
import dev.kindling.spark.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Spark text example learns a generated two-section corpus through its pipeline. */
class PackageTextsOnSparkTest {
    @Test
    void thePipelineLearnsAGeneratedCorpus() {
        Random rng = new Random(2);
        List<PackageTexts.Document> docs = new ArrayList<>();
        for (int d = 0; d < 240; d++) {
            int s = d % 2;
            StringBuilder text = new StringBuilder("A tool.");
            for (int w = 0; w < 12; w++) {
                text.append(' ').append(rng.nextDouble() < 0.5 ? "s" + s + "w" + rng.nextInt(15) : "common"
                        + rng.nextInt(40));
            }
            docs.add(new PackageTexts.Document("p" + d, s == 0 ? "utils" : "net", text.toString()));
        }
        PackageTexts.Task task = PackageTexts.binary(docs, "utils", "net", 1);
        double accuracy = PackageTextsOnSpark.fitAndEvaluate(TestSpark.local(), task, 200, 6, 16, 1);
        assertTrue(accuracy > 0.9, "test accuracy " + accuracy);
    }
}
