// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs only where {@code scripts/fetch-fashion-mnist} has put the full Fashion-MNIST into {@code data/}. */
class FashionMnistTest {
    @Test
    void fullFashionMnistLoadsWithBalancedClasses() throws IOException {
        Path dir = RepoDataDir.dataDir().resolve("fashion-mnist");
        assumeTrue(Files.isRegularFile(dir.resolve(Mnist.TRAIN_IMAGES + ".gz")),
                "no Fashion-MNIST in " + dir + "; run scripts/fetch-fashion-mnist");
        long start = System.nanoTime();
        Mnist m = Mnist.load(dir);
        System.out.printf("Mnist.load(%s): %.0f ms%n", dir, (System.nanoTime() - start) / 1e6);
        assertEquals(Shape.of(60000, 28, 28), m.trainImages().shape());
        assertEquals(Shape.of(10000, 28, 28), m.testImages().shape());
        assertArrayEquals(filled(6000), counts(m.trainLabels()));
        assertArrayEquals(filled(1000), counts(m.testLabels()));
        // Pixels are raw bytes: integers up to 255.
        assertEquals(255.0, m.trainImages().toDoubleArray()[indexOfMax(m.trainImages())]);
    }

    private static int[] filled(int v) {
        int[] a = new int[10];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static int[] counts(Tensor labels) {
        int[] c = new int[10];
        for (int v : labels.toIntArray()) {
            c[v]++;
        }
        return c;
    }

    private static int indexOfMax(Tensor t) {
        float[] v = t.toFloatArray();
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
