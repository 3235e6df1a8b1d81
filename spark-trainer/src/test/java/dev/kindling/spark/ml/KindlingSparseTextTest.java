// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.losses.Loss;
import dev.kindling.spark.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.Tokenizer;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text as Spark ML hands it over: Tokenizer -> HashingTF of 2^18 features (sparse vectors, a few dozen non-zeros
 * each) -> KindlingClassifier, trained, evaluated, saved and loaded. Packed dense, the 300 training rows alone
 * would be 300 MB of floats; packed sparse they are a few hundred bytes each.
 */
class KindlingSparseTextTest {
    /** Two topics told apart by their words: a small MLP separates them almost perfectly. */
    private static final double REQUIRED_ACCURACY = 0.9;
    private static final int FEATURES = 1 << 18;

    private static final String[] SPORT = {"goal", "match", "team", "score", "league", "coach", "striker", "referee",
        "season", "cup", "player", "stadium", "penalty", "keeper", "tackle"};
    private static final String[] KITCHEN = {"recipe", "oven", "flour", "butter", "sauce", "onion", "garlic", "bake",
        "simmer", "pepper", "salt", "dough", "pan", "roast", "spice"};
    private static final String[] COMMON = {"the", "a", "and", "of", "was", "with", "then", "after", "before", "very",
        "good", "long", "day", "time", "people", "again", "first", "last"};

    /** Documents of 8 to 30 words: mostly common words, a few of the topic's own. */
    static Dataset<Row> corpus(SparkSession spark, int documents, long seed) {
        Random rng = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            int topic = rng.nextInt(2);
            String[] own = topic == 1 ? SPORT : KITCHEN;
            StringBuilder text = new StringBuilder();
            int words = 8 + rng.nextInt(23);
            for (int w = 0; w < words; w++) {
                String word = rng.nextInt(4) == 0 ? own[rng.nextInt(own.length)] : COMMON[rng.nextInt(COMMON.length)];
                text.append(w == 0 ? "" : " ").append(rng.nextBoolean() ? word.toUpperCase(java.util.Locale.ROOT) : word);
            }
            rows.add(RowFactory.create(text.toString(), (double) topic));
        }
        StructType schema = new StructType().add("text", DataTypes.StringType).add("label", DataTypes.DoubleType);
        return spark.createDataFrame(rows, schema).repartition(2);
    }

    @Test
    void hashedTextOf2To18FeaturesTrainsThroughAPipelineAndSurvivesSaveAndLoad(@TempDir Path dir)
            throws java.io.IOException {
        SparkSession spark = TestSpark.local();
        Dataset<Row> train = corpus(spark, 300, 1);
        Dataset<Row> test = corpus(spark, 200, 2);
        KindlingClassifier kindling = new KindlingClassifier().setLayers("dense(16, relu), dense(1, sigmoid)")
                .setLoss(Loss.BINARY_CROSSENTROPY).setLearningRate(0.01).setEpochs(4).setBatchSize(50).setSeed(3)
                .setVerbose(0);
        PipelineStage[] stages = {new Tokenizer().setInputCol("text").setOutputCol("words"),
            new HashingTF().setInputCol("words").setOutputCol("features").setNumFeatures(FEATURES).setBinary(true),
            kindling};
        PipelineModel model = new Pipeline().setStages(stages).fit(train);
        KindlingClassificationModel fitted = (KindlingClassificationModel) model.stages()[2];
        assertEquals(FEATURES, fitted.numFeatures());

        Dataset<Row> predicted = model.transform(test).cache();
        assertTrue(predicted.select("features").head().get(0) instanceof SparseVector, "HashingTF makes sparse rows");
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        System.out.println("HashingTF 2^18 pipeline: test accuracy " + accuracy + "; " + fitted.summary());
        assertTrue(accuracy >= REQUIRED_ACCURACY, "test accuracy " + accuracy);

        String path = dir.resolve("text-pipeline").toUri().toString();
        model.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        List<Row> before = predicted.select("rawPrediction", "probability", "prediction").collectAsList();
        List<Row> after = loaded.transform(test).select("rawPrediction", "probability", "prediction").collectAsList();
        assertEquals(before, after, "predictions after PipelineModel.save/load");
        // the single-row API takes the sparse vector as it is
        Row first = predicted.select("features", "prediction").head();
        assertEquals(first.getDouble(1), fitted.predict((SparseVector) first.get(0)), 0.0);
    }
}
