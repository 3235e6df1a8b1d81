// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An MNIST-style data set in memory, as Keras's {@code dataset_mnist()} returns it: raw pixel values 0..255 and
 * integer class labels, both as float32 tensors.
 *
 * <pre>{@code
 * Mnist mnist = Mnist.load(Path.of("data/mnist-digits"));
 * Tensor x = Mnist.flattenAndScale(mnist.trainImages());        // (n, 784), values in [0, 1]
 * Tensor images = Mnist.imagesAndScale(mnist.trainImages());    // (n, 28, 28, 1) for a convnet
 * Tensor y = Labels.toCategorical(mnist.trainLabels(), 10);     // (n, 10), one-hot
 * }</pre>
 *
 * @param trainImages {@code (n, 28, 28)} pixel values 0..255
 * @param trainLabels {@code (n)} class labels 0..9
 * @param testImages  {@code (m, 28, 28)} pixel values 0..255
 * @param testLabels  {@code (m)} class labels 0..9
 */
public record Mnist(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels) {

    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    /** Number of classes in MNIST and Fashion-MNIST. */
    public static final int NUM_CLASSES = 10;

    /**
     * Loads the four standard MNIST files from {@code dir}: {@code train-images-idx3-ubyte.gz},
     * {@code train-labels-idx1-ubyte.gz}, {@code t10k-images-idx3-ubyte.gz} and {@code t10k-labels-idx1-ubyte.gz},
     * each also accepted without {@code .gz} (the gzipped one wins if both exist). Works for Fashion-MNIST too,
     * which uses the same names and format.
     *
     * @throws NoSuchFileException naming both accepted names when a file is missing
     * @throws IdxFormatException when a file is malformed, images are not 3-d or labels not 1-d, image and label
     *     counts differ (naming both files and both counts), train and test images differ in size, or a label is
     *     outside 0..9
     */
    public static Mnist load(Path dir) throws IOException {
        Path trainImagesFile = find(dir, TRAIN_IMAGES);
        Path trainLabelsFile = find(dir, TRAIN_LABELS);
        Path testImagesFile = find(dir, TEST_IMAGES);
        Path testLabelsFile = find(dir, TEST_LABELS);
        Tensor trainImages = Idx.read(trainImagesFile, 3);
        Tensor trainLabels = Idx.read(trainLabelsFile, 1);
        Tensor testImages = Idx.read(testImagesFile, 3);
        Tensor testLabels = Idx.read(testLabelsFile, 1);
        checkCounts(trainImagesFile, trainImages, trainLabelsFile, trainLabels);
        checkCounts(testImagesFile, testImages, testLabelsFile, testLabels);
        Shape trainPixels = Shape.of(trainImages.dim(1), trainImages.dim(2));
        Shape testPixels = Shape.of(testImages.dim(1), testImages.dim(2));
        if (!trainPixels.equals(testPixels)) {
            throw new IdxFormatException(testImagesFile, "test images are " + testPixels + " pixels but the train"
                    + " images in " + trainImagesFile + " are " + trainPixels);
        }
        checkLabels(trainLabelsFile, trainLabels);
        checkLabels(testLabelsFile, testLabels);
        return new Mnist(trainImages, trainLabels, testImages, testLabels);
    }

    private static Path find(Path dir, String name) throws NoSuchFileException {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new NoSuchFileException(gz.toString(), null, "missing MNIST file: neither " + gz + " nor " + plain
                + " exists" + (Files.isDirectory(dir) ? "" : " (" + dir + " is not a directory)"));
    }

    private static void checkCounts(Path imagesFile, Tensor images, Path labelsFile, Tensor labels)
            throws IdxFormatException {
        if (images.dim(0) != labels.dim(0)) {
            throw new IdxFormatException(labelsFile, "image and label counts differ: " + imagesFile + " has "
                    + images.dim(0) + " images but " + labelsFile + " has " + labels.dim(0) + " labels");
        }
    }

    private static void checkLabels(Path file, Tensor labels) throws IdxFormatException {
        int n = labels.size();
        for (int i = 0; i < n; i++) {
            double v = labels.getFlat(i);
            if (!(v >= 0 && v < NUM_CLASSES)) {
                throw new IdxFormatException(file, "label " + i + " is " + (long) v + ", expected a class in 0.."
                        + (NUM_CLASSES - 1));
            }
        }
    }

    /** Number of training samples. */
    public int trainSize() {
        return trainImages.dim(0);
    }

    /** Number of test samples. */
    public int testSize() {
        return testImages.dim(0);
    }

    /**
     * Prepares images as chapter 2 of <i>Deep Learning with R</i> does ({@code array_reshape(x, c(n, 28 * 28))}
     * then {@code x / 255}): {@code (n, h, w)} raw pixels become a float32 {@code (n, h * w)} matrix in [0, 1].
     * Returns a new tensor; the input is left alone.
     */
    public static Tensor flattenAndScale(Tensor images) {
        if (images.rank() < 2) {
            throw new IllegalArgumentException("expected images of shape (n, height, width) or (n, features), got "
                    + images.shape());
        }
        int[] dims = images.shape().dims();
        int features = 1;
        for (int i = 1; i < dims.length; i++) {
            features *= dims[i];
        }
        float[] values = images.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            values[i] /= 255f;
        }
        return Tensor.wrap(values, 0, Shape.of(dims[0], features));
    }

    /**
     * Prepares images as chapter 5 of <i>Deep Learning with R</i> does ({@code array_reshape(x, c(n, 28, 28, 1))}
     * then {@code x / 255}): {@code (n, h, w)} raw pixels become a float32 {@code (n, h, w, 1)} tensor in [0, 1],
     * one channel last, the input a convnet takes. Returns a new tensor; the input is left alone.
     */
    public static Tensor imagesAndScale(Tensor images) {
        if (images.rank() != 3) {
            throw new IllegalArgumentException("expected images of shape (n, height, width), got " + images.shape());
        }
        return flattenAndScale(images).reshape(images.dim(0), images.dim(1), images.dim(2), 1);
    }
}
