// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.examples;

import dev.kindling.core.data.Labels;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Chapter 3's two text workflows of <i>Deep Learning with R</i> in one JVM, on Debian's package descriptions
 * ({@link PackageTexts}) instead of IMDB and Reuters, each document a multi-hot row of the 10,000 most frequent
 * training words, held as sparse rows:
 * <ul>
 *   <li><b>binary</b>: section {@code net} (1) or {@code utils} (0); Dense(16, relu) -> Dense(16, relu) -> Dense(1,
 *       sigmoid), RMSProp, binary cross-entropy, 4 epochs (the book's final IMDB fit) of batch 64: the book's 512
 *       suits its 25,000 reviews (49 steps an epoch), the 2,039 training documents here would get 4 steps an epoch
 *       and end undertrained and at the mercy of the initial weights (measured: 0.834 to 0.886 over 8 seeds);</li>
 *   <li><b>topics</b>: the 46 most frequent sections (Reuters has 46 topics), 11,228 documents (Reuters' count),
 *       Dense(64, relu) -> Dense(64, relu) -> Dense(46, softmax), RMSProp, 9 epochs of batch 512 (the book's final
 *       Reuters fit), once with sparse_categorical_crossentropy on integer labels and once with
 *       categorical_crossentropy on one-hot labels, as the book shows both.</li>
 * </ul>
 * Prints each model's seconds per epoch and test accuracy. With OUT_DIR it also writes the splits as word ids
 * ({@link PackageTexts#writeIds}) for the PyTorch anchor of {@code scripts/bench chapter3}.
 *
 * <p>Usage: {@code Chapter3Text [PACKAGES_TSV [OUT_DIR [SEED]]]}, default {@code data/debian-packages/packages.tsv}
 * (written by {@code scripts/fetch-chapter3-data}).
 */
public final class Chapter3Text {
    /** Keras's {@code num_words = 10000} of chapter 3. */
    public static final int NUM_WORDS = 10_000;
    public static final String NEGATIVE = "utils";
    public static final String POSITIVE = "net";
    public static final int TOPICS = 46;
    public static final int TOPIC_DOCUMENTS = 11_228;
    /** The binary recipe's batch size (see the class comment). */
    public static final int BINARY_BATCH = 64;

    private Chapter3Text() {
    }

    /** The binary model: Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid), compiled as the book's. */
    public static Sequential binaryModel(int width, long seed) {
        Sequential model = new Sequential(new Dense(16, Activation.RELU, width), new Dense(16, Activation.RELU),
                new Dense(1, Activation.SIGMOID)).seed(seed);
        model.compile(Optimizer.rmsprop(), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    /** The topic model: Dense(64, relu) -> Dense(64, relu) -> Dense(classes, softmax) with {@code loss}. */
    public static Sequential topicModel(int width, int classes, Loss loss, long seed) {
        Sequential model = new Sequential(new Dense(64, Activation.RELU, width), new Dense(64, Activation.RELU),
                new Dense(classes, Activation.SOFTMAX)).seed(seed);
        model.compile(Optimizer.rmsprop(), loss, Metric.ACCURACY);
        return model;
    }

    /** What one recipe measured. */
    public record Result(String name, double secondsPerEpoch, double testAccuracy, double testLoss) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Kindling %s: %.3f s/epoch, test accuracy %.4f (loss %.4f)", name,
                    secondsPerEpoch, testAccuracy, testLoss);
        }
    }

    /** Fits {@code model} on sparse rows and evaluates it on the test rows. */
    public static Result run(String name, Sequential model, SparseRows x, Tensor y, SparseRows testX, Tensor testY,
                             int epochs, int batchSize, long seed) {
        History history = model.fit(x, y, FitOptions.builder().epochs(epochs).batchSize(batchSize).seed(seed)
                .listeners().build());
        List<Double> seconds = history.epochSeconds();
        double perEpoch = seconds.stream().skip(seconds.size() > 1 ? 1 : 0).mapToDouble(Double::doubleValue).average()
                .orElse(Double.NaN);
        Evaluation test = model.evaluate(testX, testY);
        return new Result(name, perEpoch, test.accuracy(), test.loss());
    }

    public static void main(String[] args) throws Exception {
        Path tsv = Path.of(args.length > 0 ? args[0] : "data/debian-packages/packages.tsv");
        Path out = args.length > 1 ? Path.of(args[1]) : null;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1L;
        if (!Files.isRegularFile(tsv)) {
            System.err.println(tsv + ": no such file; run scripts/fetch-chapter3-data first");
            System.exit(2);
        }
        List<PackageTexts.Document> docs = PackageTexts.read(tsv);
        if (out != null) {
            Files.createDirectories(out);
        }

        PackageTexts.Task binary = PackageTexts.binary(docs, NEGATIVE, POSITIVE, seed);
        PackageTexts.Vocabulary words = binary.vocabulary(NUM_WORDS);
        SparseRows x = words.multiHot(binary.train());
        SparseRows testX = words.multiHot(binary.test());
        System.out.printf(Locale.ROOT, "binary: %s (0) vs %s (1), %d training / %d test documents, %d-word multi-hot"
                        + " rows with %.1f non-zeros on average (%d bytes packed per row, %d dense)%n", NEGATIVE,
                POSITIVE, x.rows(), testX.rows(), NUM_WORDS, (double) x.nonZeros() / x.rows(),
                x.packedBytes() / x.rows(), 4L * NUM_WORDS);
        if (out != null) {
            PackageTexts.writeIds(out.resolve("binary-train.txt"), words.ids(binary.train()), binary.trainLabels());
            PackageTexts.writeIds(out.resolve("binary-test.txt"), words.ids(binary.test()), binary.testLabels());
        }
        Tensor y = PackageTexts.labels(binary.trainLabels()).reshape(x.rows(), 1);
        Tensor testY = PackageTexts.labels(binary.testLabels()).reshape(testX.rows(), 1);
        System.out.println(run("binary Dense(16)-Dense(16)-Dense(1, sigmoid)", binaryModel(NUM_WORDS, seed), x, y,
                testX, testY, 4, BINARY_BATCH, seed));

        PackageTexts.Task topics = PackageTexts.topics(docs, TOPICS, TOPIC_DOCUMENTS, 0.8, seed);
        PackageTexts.Vocabulary topicWords = topics.vocabulary(NUM_WORDS);
        SparseRows tx = topicWords.multiHot(topics.train());
        SparseRows ttestX = topicWords.multiHot(topics.test());
        System.out.printf(Locale.ROOT, "topics: %d sections (%s ... %s), %d training / %d test documents%n",
                topics.classes().size(), topics.classes().get(0), topics.classes().get(topics.classes().size() - 1),
                tx.rows(), ttestX.rows());
        if (out != null) {
            PackageTexts.writeIds(out.resolve("topics-train.txt"), topicWords.ids(topics.train()), topics.trainLabels());
            PackageTexts.writeIds(out.resolve("topics-test.txt"), topicWords.ids(topics.test()), topics.testLabels());
        }
        Tensor labels = PackageTexts.labels(topics.trainLabels());
        Tensor testLabels = PackageTexts.labels(topics.testLabels());
        System.out.println(run("topics sparse_categorical_crossentropy", topicModel(NUM_WORDS, TOPICS,
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY, seed), tx, labels.reshape(tx.rows(), 1), ttestX,
                testLabels.reshape(ttestX.rows(), 1), 9, 512, seed));
        System.out.println(run("topics categorical_crossentropy (one-hot)", topicModel(NUM_WORDS, TOPICS,
                Loss.CATEGORICAL_CROSSENTROPY, seed), tx, Labels.toCategorical(labels, TOPICS), ttestX,
                Labels.toCategorical(testLabels, TOPICS), 9, 512, seed));
    }
}
