// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's library example runs on a small table of the shape it expects. */
class TableJobExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeProgramTrainsSavesAndWritesJoinablePredictions() throws Exception {
        SparkSession spark = TestSpark.local();
        Object[] blobs = TestSpark.blobs(150, 4);
        Tensor x = (Tensor) blobs[0];
        int[] labels = (int[]) blobs[1];
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < labels.length; r++) {
            List<Double> f = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                f.add((double) x.getFlat(r * 4 + c));
            }
            rows.add(RowFactory.create((long) r, f, List.of("Sandal", "Coat", "Bag").get(labels[r]),
                    r % 5 == 0 ? "test" : "train"));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("pixels",
                DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.StringType)
                .add("split", DataTypes.StringType);
        spark.createDataFrame(rows, schema).write().parquet(dir.resolve("table").toString());

        TableJob.run(spark, dir.resolve("table").toString(), dir.resolve("out").toString(), 3, 20);

        Dataset<Row> predictions = spark.read().parquet(dir.resolve("out/predictions").toString());
        assertEquals(30, predictions.count());
        long right = predictions.where("label = predictedLabel").count();
        assertTrue(right >= 26, right + " of 30");
    }
}
