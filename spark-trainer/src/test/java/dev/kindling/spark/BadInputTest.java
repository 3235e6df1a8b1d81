// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Bad data fails before training starts, naming column, row and expected against got; the model is untouched. */
class BadInputTest {

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(3, Activation.SOFTMAX, 4)).seed(2);
        model.compile(Optimizer.sgd(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static final FitOptions OPTIONS = FitOptions.builder().epochs(1).batchSize(4).listeners().build();

    /** 10 good rows with one row replaced, in 3 partitions. */
    private static Dataset<Row> frame(StructType schema, int badRow, Row bad) {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 10; r++) {
            rows.add(r == badRow ? bad : RowFactory.create(Vectors.dense(1, 2, 3, 4), (double) (r % 3)));
        }
        SparkSession spark = TestSpark.local();
        return spark.createDataFrame(TestSpark.jsc(spark).parallelize(rows, 3), schema);
    }

    private static void assertFails(Dataset<Row> data, Columns columns, String... fragments) {
        Sequential model = model();
        Tensor before = model.weights();
        DataException e = assertThrows(DataException.class,
                () -> SparkTrainer.create().fit(model, data, columns, OPTIONS));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        assertEquals(before, model.weights(), "no training happened");
        assertNull(model.optimizerState());
    }

    @Test
    void missingColumn() {
        assertFails(frame(TestSpark.SCHEMA, -1, null), Columns.of("pixels", "label"),
                "features column 'pixels' is missing", "features, label");
    }

    @Test
    void featuresOfTheWrongLength() {
        assertFails(frame(TestSpark.SCHEMA, 7, RowFactory.create(Vectors.dense(1, 2, 3), 1.0)), Columns.defaults(),
                "features column 'features', row 7", "expected 4 values, got 3");
    }

    @Test
    void nullLabel() {
        assertFails(frame(TestSpark.SCHEMA, 5, RowFactory.create(Vectors.dense(1, 2, 3, 4), null)), Columns.defaults(),
                "label column 'label', row 5", "null");
    }

    /** A string label column holds class names (StringLabelsTest); one name for a 3-class model is refused. */
    @Test
    void classNamesThatDoNotMatchTheModelsClasses() {
        StructType schema = new StructType().add("features", TestSpark.SCHEMA.fields()[0].dataType())
                .add("label", DataTypes.StringType);
        List<Row> rows = Arrays.asList(RowFactory.create(Vectors.dense(1, 2, 3, 4), "cat"));
        SparkSession spark = TestSpark.local();
        assertFails(spark.createDataFrame(rows, schema), Columns.defaults(),
                "label column holds 1 class name (cat)", "the model tells 3 classes apart");
    }

    @Test
    void labelBeyondTheClasses() {
        assertFails(frame(TestSpark.SCHEMA, 8, RowFactory.create(Vectors.dense(1, 2, 3, 4), 3.0)), Columns.defaults(),
                "label column 'label', row 8", "label is 3.0", "[0, 3)");
    }

    @Test
    void nanFeatures() {
        assertFails(frame(TestSpark.SCHEMA, 2, RowFactory.create(Vectors.dense(1, Double.NaN, 3, 4), 0.0)),
                Columns.defaults(), "features column 'features'", "row 2, column 1", "NaN");
    }

    @Test
    void emptyDataFrame() {
        SparkSession spark = TestSpark.local();
        assertFails(spark.createDataFrame(new ArrayList<Row>(), TestSpark.SCHEMA), Columns.defaults(), "no rows");
    }

    @Test
    void arrayFeaturesWithANullElement() {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.IntegerType);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 6; r++) {
            List<Float> values = r == 4 ? Arrays.asList(1f, null, 3f, 4f) : Arrays.asList(1f, 2f, 3f, 4f);
            rows.add(RowFactory.create(scala.jdk.javaapi.CollectionConverters.asScala(values).toSeq(), r % 3));
        }
        SparkSession spark = TestSpark.local();
        assertFails(spark.createDataFrame(TestSpark.jsc(spark).parallelize(rows, 2), schema), Columns.defaults(),
                "features column 'features', row 4", "element 1 is null");
    }

    @Test
    void predictRefusesNaNFeaturesNamingRowAndPartition() {
        Dataset<Row> data = frame(TestSpark.SCHEMA, 4, RowFactory.create(Vectors.dense(1, 2, Double.NaN, 4), 1.0));
        Dataset<Row> predictions = SparkTrainer.create().predict(model(), data, "features");
        Exception e = assertThrows(Exception.class, predictions::collectAsList);
        // 10 rows in 3 slices of 3, 3, 4: row 4 is the second row (1) of partition 1.
        assertTrue(e.getMessage().contains("features column 'features': input at row 1 of partition 1, column 2 is NaN"),
                e.getMessage());
    }
}
