// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The seed network of chapter 2 trained data-parallel in local[2] on the shipped MNIST digits. */
class SeedNetworkOnSparkTest {
    private static final double REQUIRED_TEST_ACCURACY = 0.93;

    @Test
    void reachesTheIssuesAccuracyAndPredictsAsDataFrame() throws IOException {
        Mnist mnist = Mnist.load(Path.of(System.getProperty("kindling.data.dir", "../data"), "mnist-digits"));
        SparkSession spark = TestSpark.local();
        Dataset<Row> train = TestSpark.frame(spark, Mnist.flattenAndScale(mnist.trainImages()),
                mnist.trainLabels().toIntArray(), 2).cache();
        Dataset<Row> test = TestSpark.frame(spark, Mnist.flattenAndScale(mnist.testImages()),
                mnist.testLabels().toIntArray(), 2).cache();

        Sequential network = new Sequential(new Dense(512, Activation.RELU, 784), new Dense(10, Activation.SOFTMAX))
                .seed(1);
        network.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        SparkTrainer trainer = SparkTrainer.create();
        History history = trainer.fit(network, train, Columns.defaults(),
                FitOptions.builder().epochs(5).batchSize(128).seed(1).build());
        Evaluation result = trainer.evaluate(network, test, Columns.defaults());
        System.out.println("Spark local[2] test " + result + "; " + trainer.lastTimings());

        assertEquals(5, history.epochs());
        assertTrue(result.accuracy() >= REQUIRED_TEST_ACCURACY, "test accuracy " + result.accuracy());
        StepTimings timings = trainer.lastTimings();
        assertEquals(63 * 5, timings.steps());
        assertTrue(timings.computeSeconds() > 0 && timings.computeSeconds() < timings.stepSeconds(),
                timings.toString());

        Dataset<Row> predictions = trainer.predict(network, test, "features");
        assertEquals(List.of("features", "label", "probability", "prediction"), List.of(predictions.columns()));
        List<Row> rows = predictions.select("label", "prediction", "probability").collectAsList();
        assertEquals(2000, rows.size());
        long correct = rows.stream().filter(r -> r.getDouble(0) == r.getDouble(1)).count();
        assertEquals(result.accuracy(), correct / 2000.0, 1e-9, "distributed predict agrees with evaluate");
        Vector p = rows.get(0).getAs(2);
        assertEquals(1.0, java.util.Arrays.stream(p.toArray()).sum(), Tolerances.FLOAT32_SUMS);
        int[] local = network.predictClasses(Mnist.flattenAndScale(mnist.testImages()).slice(0, 0, 10));
        for (int i = 0; i < 10; i++) {
            assertEquals(local[i], rows.get(i).getDouble(1), 0.0, "prediction of test digit " + i);
        }
        train.unpersist();
        test.unpersist();
    }

}
