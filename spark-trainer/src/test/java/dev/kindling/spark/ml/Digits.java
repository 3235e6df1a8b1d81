// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.data.Mnist;
import dev.kindling.spark.TensorFrames;
import dev.kindling.spark.TestSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The shipped digits (8,000 train / 2,000 test) as DataFrames of raw columns a Pipeline starts from: {@code pixels}
 * (a vector of the 784 pixels scaled to [0, 1]) and {@code label} (the digit, a double). Made once per test JVM.
 */
final class Digits {
    private static Dataset<Row> train;
    private static Dataset<Row> test;

    private Digits() {
    }

    static synchronized Dataset<Row> train() {
        load();
        return train;
    }

    static synchronized Dataset<Row> test() {
        load();
        return test;
    }

    private static void load() {
        SparkSession spark = TestSpark.local();
        if (train != null && !train.sparkSession().sparkContext().isStopped()) {
            return;
        }
        try {
            Mnist mnist = Mnist.load(Path.of(System.getProperty("kindling.data.dir", "../data"), "mnist-digits"));
            train = TensorFrames.of(spark, mnist.trainImages(), mnist.trainLabels(), 2, 255)
                    .withColumnRenamed("features", "pixels").cache();
            test = TensorFrames.of(spark, mnist.testImages(), mnist.testLabels(), 2, 255)
                    .withColumnRenamed("features", "pixels").cache();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
