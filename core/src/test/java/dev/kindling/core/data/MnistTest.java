// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static dev.kindling.core.data.IdxTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MnistTest {
    @TempDir
    Path dir;

    // ---- the shipped data/mnist-digits ---------------------------------------------------------------

    @Test
    void shippedDigitsLoadWithTheDocumentedShapesAndCounts() throws IOException {
        Mnist m = Mnist.load(RepoDataDir.dataDir().resolve("mnist-digits"));
        assertEquals(Shape.of(8000, 28, 28), m.trainImages().shape());
        assertEquals(Shape.of(8000), m.trainLabels().shape());
        assertEquals(Shape.of(2000, 28, 28), m.testImages().shape());
        assertEquals(Shape.of(2000), m.testLabels().shape());
        assertEquals(8000, m.trainSize());
        assertEquals(2000, m.testSize());
        assertEquals(DType.FLOAT32, m.trainImages().dtype());

        // The counts stated in data/mnist-digits/README.md.
        assertArrayEquals(new int[] {794, 881, 784, 830, 788, 688, 822, 865, 767, 781}, counts(m.trainLabels()));
        assertArrayEquals(new int[] {207, 246, 207, 202, 192, 175, 192, 205, 177, 197}, counts(m.testLabels()));

        for (Tensor images : new Tensor[] {m.trainImages(), m.testImages()}) {
            float[] px = images.toFloatArray();
            double sum = 0;
            float max = 0;
            for (float v : px) {
                assertTrue(v >= 0 && v <= 255 && v == Math.rint(v), "pixel " + v);
                sum += v;
                max = Math.max(max, v);
            }
            double mean = sum / px.length;
            // Full MNIST's mean pixel is 33.3; a mostly black image set with white strokes.
            assertTrue(mean > 30 && mean < 37, "mean pixel " + mean);
            assertEquals(255f, max);
        }
    }

    @Test
    void shippedDigitsAreRealDigitsNotNoise() throws IOException {
        // Rough shape check that would fail for shuffled pixels or misaligned labels: the border is nearly
        // always black, and the mean "1" has far less ink than the mean "0".
        Mnist m = Mnist.load(RepoDataDir.dataDir().resolve("mnist-digits"));
        double[] ink = new double[10];
        int[] n = counts(m.trainLabels());
        double border = 0;
        for (int i = 0; i < m.trainSize(); i++) {
            int label = (int) m.trainLabels().getFlat(i);
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    double v = m.trainImages().get(i, r, c);
                    ink[label] += v;
                    if (r == 0 || r == 27 || c == 0 || c == 27) {
                        border += v;
                    }
                }
            }
        }
        assertTrue(border / (m.trainSize() * 108.0) < 1, "mean border pixel " + border / (m.trainSize() * 108.0));
        assertTrue(ink[1] / n[1] < 0.7 * (ink[0] / n[0]), "ink of 1s " + ink[1] / n[1] + " vs 0s " + ink[0] / n[0]);
    }

    @Test
    void flattenAndScaleGivesRowsOfPixelsOver255() throws IOException {
        Mnist m = Mnist.load(RepoDataDir.dataDir().resolve("mnist-digits"));
        float[] before = m.trainImages().toFloatArray();
        Tensor x = Mnist.flattenAndScale(m.trainImages());
        assertEquals(Shape.of(8000, 784), x.shape());
        assertEquals(DType.FLOAT32, x.dtype());
        float[] scaled = x.toFloatArray();
        assertEquals(before.length, scaled.length);
        int inked = 0;
        float max = 0;
        for (int i = 0; i < before.length; i++) {
            assertEquals(before[i] / 255f, scaled[i], "flat index " + i);
            inked += before[i] > 0 ? 1 : 0;
            max = Math.max(max, scaled[i]);
        }
        assertTrue(inked > before.length / 10, "only " + inked + " non-zero pixels");
        assertEquals(1f, max);
        assertEquals(before[0], m.trainImages().getFlat(0));
        assertArrayEquals(before, m.trainImages().toFloatArray(), "input left unchanged");
        // row-major flattening: pixel (i, r, c) is column r * 28 + c of row i
        assertEquals((float) m.trainImages().get(17, 14, 14) / 255f, x.get(17, 14 * 28 + 14));
        assertThrows(IllegalArgumentException.class, () -> Mnist.flattenAndScale(Tensor.of(new float[] {1}, 1)));
    }

    // ---- loading synthetic directories ---------------------------------------------------------------

    @Test
    void loadsPlainAndGzippedNames() throws IOException {
        writeSet(dir, 4, 3, ".gz", "");
        Mnist m = Mnist.load(dir);
        assertEquals(Shape.of(4, 28, 28), m.trainImages().shape());
        assertEquals(Shape.of(3), m.testLabels().shape());
        assertArrayEquals(new float[] {0, 1, 2, 3}, m.trainLabels().toFloatArray());
    }

    @Test
    void mismatchedCountsNameBothFilesAndBothCounts() throws IOException {
        writeSet(dir, 4, 3, ".gz", ".gz");
        Path labels = dir.resolve(Mnist.TEST_LABELS + ".gz");
        Idx.write(labels, Tensor.of(new float[] {1, 2}, 2));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Mnist.load(dir));
        assertMessage(e, labels, dir.resolve(Mnist.TEST_IMAGES + ".gz") + " has 3 images",
                labels + " has 2 labels");
    }

    @Test
    void labelsOutsideZeroToNineAreRejected() throws IOException {
        writeSet(dir, 4, 3, ".gz", ".gz");
        Path labels = dir.resolve(Mnist.TRAIN_LABELS + ".gz");
        Idx.write(labels, Tensor.of(new float[] {1, 2, 10, 3}, 4));
        assertMessage(assertThrows(IdxFormatException.class, () -> Mnist.load(dir)), labels,
                "label 2 is 10", "expected a class in 0..9");
    }

    @Test
    void imagesMustBeThreeDimensional() throws IOException {
        writeSet(dir, 4, 3, ".gz", ".gz");
        Path images = dir.resolve(Mnist.TRAIN_IMAGES + ".gz");
        Idx.write(images, Tensor.zeros(DType.FLOAT32, 4, 784));
        assertMessage(assertThrows(IdxFormatException.class, () -> Mnist.load(dir)), images,
                "expected 3 (magic 0x00000803), got 2 (magic 0x00000802)");
    }

    @Test
    void trainAndTestImagesMustHaveTheSameSize() throws IOException {
        writeSet(dir, 4, 3, ".gz", ".gz");
        Path images = dir.resolve(Mnist.TEST_IMAGES + ".gz");
        Idx.write(images, Tensor.zeros(DType.FLOAT32, 3, 32, 32));
        assertMessage(assertThrows(IdxFormatException.class, () -> Mnist.load(dir)), images,
                "test images are (32, 32) pixels", "are (28, 28)");
    }

    @Test
    void missingFileNamesBothAcceptedNames() throws IOException {
        writeSet(dir, 4, 3, ".gz", ".gz");
        Files.delete(dir.resolve(Mnist.TEST_IMAGES + ".gz"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Mnist.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve(Mnist.TEST_IMAGES + ".gz").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("nor " + dir.resolve(Mnist.TEST_IMAGES)), e.getMessage());
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static void writeSet(Path dir, int train, int test, String trainSuffix,
                                 String testSuffix) throws IOException {
        Idx.write(dir.resolve(Mnist.TRAIN_IMAGES + trainSuffix), Tensor.zeros(DType.FLOAT32, train, 28, 28));
        Idx.write(dir.resolve(Mnist.TRAIN_LABELS + trainSuffix), Tensors.arange(DType.FLOAT32, train));
        Idx.write(dir.resolve(Mnist.TEST_IMAGES + testSuffix), Tensor.zeros(DType.FLOAT32, test, 28, 28));
        Idx.write(dir.resolve(Mnist.TEST_LABELS + testSuffix), Tensors.arange(DType.FLOAT32, test));
    }

    private static int[] counts(Tensor labels) {
        int[] c = new int[10];
        for (int v : labels.toIntArray()) {
            c[v]++;
        }
        return c;
    }
}
