// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SparkTrainer on a label column of class names, with no StringIndexer in front: indexed as StringIndexer's
 * alphabetAsc (the same weights as training on those indices), the names kept with the model and on the prediction
 * column, and a name the model does not have refused naming its row.
 */
class StringLabelsTest {
    /** Class index k of the blobs is named NAMES.get(k); alphabetically: Bag (2), Coat (1), Sandal (0). */
    private static final List<String> NAMES = List.of("Sandal", "Coat", "Bag");

    @TempDir
    Path dir;

    private static Column element(Object... values) {
        Column[] literals = new Column[values.length];
        for (int i = 0; i < values.length; i++) {
            literals[i] = functions.lit(values[i]);
        }
        return functions.element_at(functions.array(literals), functions.col("label").cast("int").plus(1));
    }

    private static Sequential network() {
        Sequential model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX)).seed(3);
        model.compile(Optimizer.adam(0.05), Loss.SPARSE_CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    @Test
    void namesAreIndexedAlphabeticallyKeptWithTheModelAndWrittenOnPredictions() throws Exception {
        SparkSession spark = TestSpark.local();
        Object[] data = TestSpark.blobs(120, 8);
        Dataset<Row> numbered = TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], 2);
        Dataset<Row> named = numbered.withColumn("label", element(NAMES.toArray()));
        // Spark's own StringIndexer, alphabetAsc, gives these indices: what the trainer must use.
        Dataset<Row> indexed = new StringIndexer().setInputCol("label").setOutputCol("index")
                .setStringOrderType("alphabetAsc").fit(named).transform(named)
                .select(functions.col("features"), functions.col("index").as("label"));
        FitOptions options = FitOptions.builder().epochs(2).batchSize(16).seed(1).build();

        Sequential fromNames = network();
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(fromNames, named, Columns.defaults(), options);
        Sequential fromIndices = network();
        trainer.fit(fromIndices, indexed, Columns.defaults(), options);
        assertArrayEquals(fromIndices.weights().toFloatArray(), fromNames.weights().toFloatArray(),
                "names indexed as StringIndexer(alphabetAsc) indexes them");
        assertEquals(List.of("Bag", "Coat", "Sandal"), fromNames.classNames());

        Path file = dir.resolve("model.kindling");
        fromNames.save(file);
        Sequential loaded = Sequential.load(file);
        assertEquals(List.of("Bag", "Coat", "Sandal"), loaded.classNames());

        // The prediction column carries the names: IndexToString needs no setLabels.
        Dataset<Row> predicted = new IndexToString().setInputCol("prediction").setOutputCol("predictedLabel")
                .transform(trainer.predict(loaded, named, "features"));
        long right = predicted.where("label = predictedLabel").count();
        assertTrue(right >= 110, right + " of 120 named right");

        Evaluation onNames = trainer.evaluate(loaded, named, Columns.defaults());
        Evaluation onIndices = trainer.evaluate(loaded, indexed, Columns.defaults());
        assertEquals(onIndices.loss(), onNames.loss(), 0.0);
        ClassReport report = trainer.classReport(loaded, named, Columns.defaults());
        assertEquals(List.of("Bag", "Coat", "Sandal"), report.names());
        long support = 0;
        for (long[] row : report.confusion()) {
            for (long n : row) {
                support += n;
            }
        }
        assertEquals(120, support);
    }

    @Test
    void aNameTheModelDoesNotHaveIsBadDataNamingRowAndValue() {
        SparkSession spark = TestSpark.local();
        Object[] data = TestSpark.blobs(60, 8);
        Dataset<Row> numbered = TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], 1);
        Sequential model = network();
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(model, numbered.withColumn("label", element(NAMES.toArray())), Columns.defaults(),
                FitOptions.builder().epochs(1).batchSize(16).build());
        // Blob 0 is "Sandal" in training; here every class-0 row is "Boot".
        Dataset<Row> unseen = numbered.withColumn("label", element("Boot", "Coat", "Bag"));
        int first = -1;
        int[] labels = (int[]) data[1];
        for (int r = 0; r < labels.length && first < 0; r++) {
            first = labels[r] == 0 ? r : -1;
        }
        int row = first;
        DataException e = assertThrows(DataException.class, () -> trainer.evaluate(model, unseen,
                Columns.defaults()));
        assertEquals("the data: row " + row + ", column 'label': 'Boot' is not one of the model's 3 classes: Bag,"
                + " Coat, Sandal", e.getMessage());
    }

    @Test
    void namesThatDoNotMatchTheOutputAreRefusedAndNotKept() {
        SparkSession spark = TestSpark.local();
        Object[] data = TestSpark.blobs(60, 8);
        Dataset<Row> named = TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], 1)
                .withColumn("label", element(NAMES.toArray()));
        Sequential four = new Sequential(new Dense(4, Activation.SOFTMAX, 4)).seed(1);
        four.compile(Optimizer.sgd(0.1), Loss.SPARSE_CATEGORICAL_CROSSENTROPY);
        DataException e = assertThrows(DataException.class, () -> SparkTrainer.create().fit(four, named,
                Columns.defaults(), FitOptions.builder().epochs(1).batchSize(16).build()));
        assertTrue(e.getMessage().contains("holds 3 class names (Bag, Coat, Sandal), but the model tells 4 classes"
                + " apart"), e::getMessage);
        assertEquals(List.of(), four.classNames());

        // Training names learned, then a validation name the training rows do not have: refused, nothing kept.
        Sequential three = network();
        Dataset<Row> validation = named.withColumn("label", functions.lit("Boot"));
        DataException unseen = assertThrows(DataException.class, () -> SparkTrainer.create().fit(three, named,
                validation, Columns.defaults(), FitOptions.builder().epochs(1).batchSize(16).build()));
        assertTrue(unseen.getMessage().contains("row 0, column 'label': 'Boot' is not one of the model's 3 classes"),
                unseen::getMessage);
        assertEquals(List.of(), three.classNames());
    }
}
