// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.examples;

import dev.kindling.core.examples.Chapter3Text;
import dev.kindling.core.examples.PackageTexts;
import dev.kindling.core.losses.Loss;
import dev.kindling.spark.ml.KindlingClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.CountVectorizer;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Chapter 3's binary text workflow the Spark way, on the documents and split of {@link Chapter3Text}'s (section
 * {@code net} vs {@code utils} of Debian's package descriptions): {@code RegexTokenizer} (lower-cased runs of letters
 * and digits, as {@link PackageTexts}) -> {@code CountVectorizer} of the 10,000 most frequent training words with
 * {@code binary = true} (multi-hot {@code SparseVector}s, packed sparse by the trainer) -> {@link KindlingClassifier}
 * with the book's Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid), RMSProp and binary cross-entropy. Prints
 * the test accuracy. CountVectorizer orders its vocabulary by its own counts, so word ids differ from the one-JVM
 * recipe's; the model and the documents are the same.
 *
 * <p>Usage: {@code PackageTextsOnSpark [PACKAGES_TSV [MASTER [SEED]]]}.
 */
public final class PackageTextsOnSpark {
    private PackageTextsOnSpark() {
    }

    /** The pipeline: tokens, multi-hot counts of {@code numWords} words, the classifier. */
    public static Pipeline pipeline(int numWords, int epochs, int batchSize, long seed) {
        KindlingClassifier kindling = new KindlingClassifier()
                .setLayers("dense(16, relu), dense(16, relu), dense(1, sigmoid)").setLoss(Loss.BINARY_CROSSENTROPY)
                .setOptimizer("rmsprop").setEpochs(epochs).setBatchSize(batchSize).setSeed(seed).setVerbose(0);
        return new Pipeline().setStages(new PipelineStage[] {
            new RegexTokenizer().setInputCol("text").setOutputCol("words").setPattern("[^\\p{L}\\p{N}]+")
                    .setToLowercase(true),
            new CountVectorizer().setInputCol("words").setOutputCol("features").setVocabSize(numWords)
                    .setBinary(true),
            kindling});
    }

    /** Documents with their labels as a {@code (text, label)} table. */
    public static Dataset<Row> frame(SparkSession spark, List<PackageTexts.Document> docs, int[] labels) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            rows.add(RowFactory.create(docs.get(i).text(), (double) labels[i]));
        }
        return spark.createDataFrame(rows, new StructType().add("text", DataTypes.StringType)
                .add("label", DataTypes.DoubleType));
    }

    /** Fits the pipeline on the task's training documents; returns the test accuracy. */
    public static double fitAndEvaluate(SparkSession spark, PackageTexts.Task task, int numWords, int epochs,
                                        int batchSize, long seed) {
        PipelineModel model = pipeline(numWords, epochs, batchSize, seed)
                .fit(frame(spark, task.train(), task.trainLabels()));
        return new MulticlassClassificationEvaluator().setMetricName("accuracy")
                .evaluate(model.transform(frame(spark, task.test(), task.testLabels())));
    }

    public static void main(String[] args) throws Exception {
        Path tsv = Path.of(args.length > 0 ? args[0] : "data/debian-packages/packages.tsv");
        String master = args.length > 1 ? args[1] : "local[2]";
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1L;
        if (!Files.isRegularFile(tsv)) {
            System.err.println(tsv + ": no such file; run scripts/fetch-chapter3-data first");
            System.exit(2);
        }
        PackageTexts.Task task = PackageTexts.binary(PackageTexts.read(tsv), Chapter3Text.NEGATIVE,
                Chapter3Text.POSITIVE, seed);
        SparkSession spark = SparkSession.builder().master(master).appName("kindling-package-texts")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            long start = System.nanoTime();
            double accuracy = fitAndEvaluate(spark, task, Chapter3Text.NUM_WORDS, 4, Chapter3Text.BINARY_BATCH, seed);
            System.out.printf(Locale.ROOT, "Kindling on Spark binary (RegexTokenizer -> CountVectorizer(10000, binary)"
                    + " -> KindlingClassifier, %s): test accuracy %.4f, %.1f s%n", master, accuracy,
                    (System.nanoTime() - start) / 1e9);
        } finally {
            spark.stop();
        }
    }
}
