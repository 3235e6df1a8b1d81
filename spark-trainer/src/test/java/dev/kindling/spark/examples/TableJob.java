// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.examples;

import dev.kindling.spark.ml.KindlingClassifier;
import java.io.IOException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * README's "Use Kindling from your own Spark job", verbatim: a Parquet table (id, pixels array&lt;double&gt;, label
 * a class name, split) trained through a Pipeline, the model saved, the test rows scored and written with their id.
 * Compiled (and run by {@code TableJobExampleTest}) in the test suite, so the README's program keeps working.
 */
public final class TableJob {

    public static void main(String[] args) throws IOException {
        SparkSession spark = SparkSession.builder().appName("my table job").getOrCreate();
        run(spark, args[0], args[1], Integer.parseInt(args[2]), 5);   // table, output folder, classes
        spark.stop();
    }

    public static void run(SparkSession spark, String table, String out, int classes, int epochs)
            throws IOException {
        Dataset<Row> rows = spark.read().parquet(table);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new StringIndexer().setInputCol("label").setOutputCol("labelIndex").setStringOrderType("alphabetAsc"),
            new KindlingClassifier().setFeaturesCol("pixels").setLabelCol("labelIndex")
                    .setLayers("dense(64, relu), dense(" + classes + ", softmax)")
                    .setOptimizer("adam(learning_rate=0.01)")
                    .setEpochs(epochs).setBatchSize(32).setSeed(1).setVerbose(0),
            new IndexToString().setInputCol("prediction").setOutputCol("predictedLabel")});
        PipelineModel model = pipeline.fit(rows.where("split = 'train'"));
        model.write().overwrite().save(out + "/model");
        model.transform(rows.where("split = 'test'")).select("id", "label", "predictedLabel")
                .write().mode(SaveMode.Overwrite).parquet(out + "/predictions");
    }
}
