// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table as it comes (an id, {@code array<double>} features, the label as a class name) through one Pipeline with
 * nothing done outside it: StringIndexer, KindlingClassifier on the array column, IndexToString without setLabels;
 * saved, loaded and scored on the raw table.
 */
class KindlingRawTableTest {
    static final List<String> NAMES = List.of("Sandal", "Coat", "Bag");

    @TempDir
    Path dir;

    /** Three blobs; class k is named NAMES[k]; features as array<double> (or array<float>). */
    private static Dataset<Row> table(SparkSession spark, boolean floats) {
        Object[] blobs = TestSpark.blobs(150, 3);
        Tensor x = (Tensor) blobs[0];
        int[] labels = (int[]) blobs[1];
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < labels.length; r++) {
            List<Object> f = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                double v = x.getFlat(r * 4 + c);
                f.add(floats ? (Object) (float) v : (Object) v);
            }
            rows.add(RowFactory.create((long) r, f, NAMES.get(labels[r])));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("pixels", DataTypes.createArrayType(floats ? DataTypes.FloatType : DataTypes.DoubleType), false)
                .add("label", DataTypes.StringType, false);
        return spark.createDataFrame(rows, schema).repartition(2);
    }

    @Test
    void aPipelineOnTheRawTableNamesClassesAndScoresTheSameAfterSaveAndLoad() throws Exception {
        SparkSession spark = TestSpark.local();
        Dataset<Row> raw = table(spark, false);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new StringIndexer().setInputCol("label").setOutputCol("labelIndex").setStringOrderType("alphabetAsc"),
            new KindlingClassifier().setFeaturesCol("pixels").setLabelCol("labelIndex")
                    .setLayers("dense(8, relu), dense(3, softmax)").setOptimizer(Optimizer.adam(0.05))
                    .setEpochs(10).setBatchSize(16).setSeed(1).setVerbose(0),
            new IndexToString().setInputCol("prediction").setOutputCol("predictedLabel")});   // no setLabels
        PipelineModel model = pipeline.fit(raw);
        Dataset<Row> scored = model.transform(raw);
        assertEquals(List.of("id", "pixels", "label", "labelIndex", "rawPrediction", "probability", "prediction",
                "predictedLabel"), Arrays.asList(scored.columns()), "transform keeps every column");
        Attribute prediction = Attribute.fromStructField(scored.schema().apply("prediction"));
        assertEquals(List.of("Bag", "Coat", "Sandal"),
                Arrays.asList(((NominalAttribute) prediction).values().get()), "StringIndexer's names, in its order");
        long right = scored.where("label = predictedLabel").count();
        assertTrue(right >= 135, right + " of 150");

        model.write().overwrite().save(dir.resolve("pipeline").toString());
        PipelineModel loaded = PipelineModel.load(dir.resolve("pipeline").toString());
        List<Row> before = scored.select("id", "predictedLabel", "probability").orderBy("id").collectAsList();
        List<Row> after = loaded.transform(raw).select("id", "predictedLabel", "probability").orderBy("id")
                .collectAsList();
        assertEquals(before, after, "the loaded pipeline scores the raw table the same");
        KindlingClassificationModel kindling = (KindlingClassificationModel) loaded.stages()[1];
        assertEquals(List.of("Bag", "Coat", "Sandal"), kindling.sequential().classNames());

        // array<float> features are taken too
        Dataset<Row> floats = model.stages()[0].transform(table(spark, true));
        KindlingClassificationModel onFloats = new KindlingClassifier().setFeaturesCol("pixels")
                .setLabelCol("labelIndex").setLayers("dense(3, softmax)").setEpochs(1).setVerbose(0).fit(floats);
        assertEquals(150, onFloats.transform(floats).count());
    }

    @Test
    void featuresOfAnotherTypeAreRefusedNamingTheTypesTaken() {
        SparkSession spark = TestSpark.local();
        Dataset<Row> raw = table(spark, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KindlingClassifier()
                .setFeaturesCol("label").setLabelCol("id").setLayers("dense(3, softmax)").fit(raw));
        assertTrue(e.getMessage().contains("the features column 'label' has type string, expected a vector"
                + " (VectorAssembler's) or an array of numbers (array<float>, array<double>)"), e.getMessage());
    }
}
