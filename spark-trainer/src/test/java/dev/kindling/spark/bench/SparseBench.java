// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.bench;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.Columns;
import dev.kindling.spark.PreparedData;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.ml.KindlingClassificationModel;
import dev.kindling.spark.ml.KindlingClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.Tokenizer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.RDDInfo;

/**
 * Sparse rows against dense ones for chapter 3's first model ({@code Dense(16, relu) -> Dense(16, relu) ->
 * Dense(1, sigmoid)}) on synthetic multi-hot rows of 10,000 words (about 100 present per row): bytes per packed row
 * and seconds per epoch in one JVM and in local[2]; then a Tokenizer -> HashingTF (2^18 features) ->
 * KindlingClassifier pipeline on a synthetic corpus, trained, evaluated, saved and loaded. Not a test: run through
 * {@code scripts/bench sparse}. Properties: {@code bench.rows} (20000), {@code bench.words} (10000),
 * {@code bench.present} (100), {@code bench.epochs} (4), {@code bench.batch} (512), {@code bench.master}
 * (local[2]), {@code bench.documents} (20000), {@code bench.parts} (all: jvm,spark,hashing).
 */
public final class SparseBench {
    private static final int HASHED = 1 << 18;

    private SparseBench() {
    }

    /** Row {@code r}'s present words: {@code present} distinct ones, ascending, a function of (seed, r) only. */
    static int[] words(long seed, int r, int words, int present) {
        SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + r);
        java.util.BitSet chosen = new java.util.BitSet(words);
        while (chosen.cardinality() < present) {
            chosen.set(rng.nextInt(words));
        }
        return chosen.stream().toArray();
    }

    /** A hidden linear rule: each word's weight; a row is positive when its words' weights sum above 0. */
    static double[] ruleWeights(int words) {
        SplittableRandom rng = new SplittableRandom(77);
        double[] w = new double[words];
        for (int i = 0; i < words; i++) {
            w[i] = rng.nextDouble() - 0.5;
        }
        return w;
    }

    static double label(int[] present, double[] rule) {
        double s = 0;
        for (int w : present) {
            s += rule[w];
        }
        return s > 0 ? 1.0 : 0.0;
    }

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(16, Activation.RELU), new Dense(16, Activation.RELU),
                new Dense(1, Activation.SIGMOID)).seed(1);
        model.compile(Optimizer.rmsprop(0.001), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions options(int epochs, int batch) {
        return FitOptions.builder().epochs(epochs).batchSize(batch).seed(1).listeners().build();
    }

    /** Mean seconds of epochs 2.. (epoch 1 warms the JIT up), and epoch 1 on its own. */
    private static String epochSeconds(History h) {
        List<Double> s = h.epochSeconds();
        double rest = s.stream().skip(1).mapToDouble(Double::doubleValue).average().orElse(s.get(0));
        return String.format(Locale.ROOT, "%.3f s/epoch (mean of epochs 2-%d; epoch 1 %.3f s)", rest, s.size(),
                s.get(0));
    }

    private static String last(History h, String key) {
        return String.format(Locale.ROOT, "%.4f", h.get(key).get(h.get(key).size() - 1));
    }

    public static void main(String[] args) throws Exception {
        int rows = Integer.getInteger("bench.rows", 20000);
        int words = Integer.getInteger("bench.words", 10000);
        int present = Integer.getInteger("bench.present", 100);
        int epochs = Integer.getInteger("bench.epochs", 4);
        int batch = Integer.getInteger("bench.batch", 512);
        String master = System.getProperty("bench.master", "local[2]");
        String parts = System.getProperty("bench.parts", "jvm,spark,hashing");
        System.out.println("BLAS: " + Blas.implementationName() + "; " + Runtime.getRuntime().availableProcessors()
                + " cores, heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB");
        System.out.printf(Locale.ROOT, "multi-hot rows: %,d rows of %,d words, %d present each; Dense(16, relu) ->"
                + " Dense(16, relu) -> Dense(1, sigmoid), rmsprop, batch %d, %d epochs%n", rows, words, present, batch,
                epochs);
        double[] rule = ruleWeights(words);
        if (parts.contains("jvm")) {
            oneJvm(rows, words, present, epochs, batch, rule);
        }
        if (parts.contains("spark") || parts.contains("hashing")) {
            SparkSession spark = SparkSession.builder().master(master).appName("kindling-sparse-bench")
                    .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
            if (parts.contains("spark")) {
                onSpark(spark, master, rows, words, present, epochs, batch, rule);
            }
            if (parts.contains("hashing")) {
                hashing(spark, master, Integer.getInteger("bench.documents", 20000), epochs, batch);
            }
            spark.stop();
        }
    }

    private static void oneJvm(int rows, int words, int present, int epochs, int batch, double[] rule) {
        SparseRows.Builder b = new SparseRows.Builder(words);
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            int[] w = words(1, r, words, present);
            for (int c : w) {
                b.add(c, 1.0);
            }
            b.endRow();
            y[r] = (float) label(w, rule);
        }
        SparseRows sparse = b.build();
        Tensor labels = Tensor.of(y, rows, 1);
        Tensor dense = sparse.toDense();
        System.out.printf(Locale.ROOT, "one JVM, bytes per row: dense %,d, sparse %,.1f (features arrays)%n",
                (long) dense.size() * 4 / rows, sparse.packedBytes() / (double) rows);
        Sequential d = model();
        History dh = d.fit(dense, labels, options(epochs, batch));
        System.out.println("one JVM, dense:  " + epochSeconds(dh) + ", loss " + last(dh, "loss") + ", accuracy "
                + last(dh, "accuracy"));
        dense = null;
        Sequential s = model();
        History sh = s.fit(sparse, labels, options(epochs, batch));
        System.out.println("one JVM, sparse: " + epochSeconds(sh) + ", loss " + last(sh, "loss") + ", accuracy "
                + last(sh, "accuracy"));
        System.out.printf(Locale.ROOT, "one JVM, max |weight difference| dense vs sparse: %.3g%n",
                d.weights().sub(s.weights()).map(Math::abs).max().item());
    }

    /** The rows generated on the executors (nothing held on the driver), as sparse or dense vectors. */
    private static Dataset<Row> frame(SparkSession spark, int rows, int words, int present, double[] rule,
                                      boolean sparse) {
        List<Integer> ids = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            ids.add(r);
        }
        var out = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ids, 2).map(r -> {
            int[] w = words(1, r, words, present);
            double[] ones = new double[w.length];
            java.util.Arrays.fill(ones, 1.0);
            Vector v = Vectors.sparse(words, w, ones);
            return RowFactory.create(sparse ? v : v.toDense(), label(w, rule));
        });
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType())
                .add("label", DataTypes.DoubleType);
        return spark.createDataFrame(out, schema);
    }

    /** What the block managers hold in memory for cached RDDs, in bytes (Spark's own estimate of the objects). */
    private static long cachedBytes(SparkSession spark) {
        long total = 0;
        for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
            total += info.memSize();
        }
        return total;
    }

    private static void onSpark(SparkSession spark, String master, int rows, int words, int present, int epochs,
                                int batch, double[] rule) {
        for (boolean sparse : new boolean[] {true, false}) {
            String kind = sparse ? "sparse" : "dense ";
            Sequential model = model();
            SparkTrainer trainer = SparkTrainer.create();
            long before = cachedBytes(spark);
            long start = System.nanoTime();
            try (PreparedData data = trainer.prepare(model, frame(spark, rows, words, present, rule, sparse),
                    Columns.defaults())) {
                double packSeconds = (System.nanoTime() - start) / 1e9;
                long cached = cachedBytes(spark) - before;
                System.out.printf(Locale.ROOT, "%s, %s: packed %s in %.1f s into %d partitions: %,.1f bytes per row of"
                                + " features arrays, %,.1f bytes per row cached (Spark's memSize of the blocks)%n",
                        master, kind, data.sparseFeatures() ? "sparse" : "dense", packSeconds, data.partitions(),
                        data.featureBytes() / (double) rows, cached / (double) rows);
                History h = trainer.fit(model, data, options(epochs, batch));
                System.out.println(master + ", " + kind + ": " + epochSeconds(h) + ", loss " + last(h, "loss")
                        + ", accuracy " + last(h, "accuracy"));
            }
        }
    }

    private static final String[] COMMON = {"the", "a", "and", "of", "was", "with", "then", "after", "before", "very",
        "good", "long", "day", "time", "people", "again", "first", "last", "it", "is"};

    /** A word of the synthetic vocabulary: {@code w<number>}; topic words are the first half or the second. */
    static String document(SplittableRandom rng, int topic, int vocabulary) {
        StringBuilder text = new StringBuilder();
        int n = 20 + rng.nextInt(200);
        for (int i = 0; i < n; i++) {
            String word;
            int roll = rng.nextInt(10);
            if (roll < 5) {
                word = COMMON[rng.nextInt(COMMON.length)];
            } else if (roll < 7) {
                word = "w" + (topic * vocabulary / 2 + rng.nextInt(vocabulary / 2));
            } else {
                word = "w" + rng.nextInt(vocabulary);
            }
            text.append(i == 0 ? "" : " ").append(word);
        }
        return text.toString();
    }

    private static Dataset<Row> corpus(SparkSession spark, int documents, long seed) {
        List<Row> rows = new ArrayList<>(documents);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int d = 0; d < documents; d++) {
            int topic = rng.nextInt(2);
            rows.add(RowFactory.create(document(rng, topic, 20000), (double) topic));
        }
        StructType schema = new StructType().add("text", DataTypes.StringType).add("label", DataTypes.DoubleType);
        return spark.createDataFrame(rows, schema).repartition(2).cache();
    }

    private static void hashing(SparkSession spark, String master, int documents, int epochs, int batch)
            throws Exception {
        Dataset<Row> train = corpus(spark, documents, 1);
        Dataset<Row> test = corpus(spark, documents / 4, 2);
        Tokenizer tokenizer = new Tokenizer().setInputCol("text").setOutputCol("words");
        HashingTF hashing = new HashingTF().setInputCol("words").setOutputCol("features").setNumFeatures(HASHED)
                .setBinary(true);
        Dataset<Row> hashed = hashing.transform(tokenizer.transform(train));
        long nonZeros = hashed.select("features").javaRDD().map(r -> (long) ((Vector) r.get(0)).numActives())
                .reduce(Long::sum);
        Sequential probe = model();
        try (PreparedData data = SparkTrainer.create().prepare(probe, hashed, Columns.defaults())) {
            System.out.printf(Locale.ROOT, "HashingTF 2^18, %s: %,d documents, %.1f non-zeros per row, packed %s:"
                            + " %,.1f bytes per row of features arrays (dense would be %,d)%n", master, documents,
                    nonZeros / (double) documents, data.sparseFeatures() ? "sparse" : "dense",
                    data.featureBytes() / (double) documents, 4L * HASHED);
        }
        KindlingClassifier kindling = new KindlingClassifier()
                .setLayers("dense(16, relu), dense(16, relu), dense(1, sigmoid)").setLoss(Loss.BINARY_CROSSENTROPY)
                .setEpochs(epochs).setBatchSize(batch).setSeed(1).setVerbose(0);
        long start = System.nanoTime();
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {tokenizer, hashing, kindling}).fit(train);
        double seconds = (System.nanoTime() - start) / 1e9;
        KindlingClassificationModel fitted = (KindlingClassificationModel) model.stages()[2];
        Dataset<Row> predicted = model.transform(test).cache();
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        System.out.printf(Locale.ROOT, "HashingTF 2^18, %s: Tokenizer -> HashingTF -> KindlingClassifier fit in %.1f s"
                        + " (%s), test accuracy %.4f on %,d documents%n", master, seconds,
                epochSeconds(fitted.history()), accuracy, documents / 4);
        Path dir = Files.createTempDirectory("sparse-bench");
        String path = dir.resolve("pipeline").toUri().toString();
        model.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        List<Row> before = predicted.select("probability").collectAsList();
        List<Row> after = loaded.transform(test).select("probability").collectAsList();
        System.out.println("HashingTF 2^18: saved and loaded, predictions " + (before.equals(after) ? "identical"
                : "DIFFERENT") + " on " + before.size() + " documents");
    }
}
