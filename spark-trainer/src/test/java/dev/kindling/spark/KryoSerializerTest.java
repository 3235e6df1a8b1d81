// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.data.Labels;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Evaluation;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Production settings: {@code spark.serializer=KryoSerializer}, through which Spark sends broadcasts, task results,
 * shuffled rows and serialized cached blocks. Training, evaluation and prediction learn and report what the one-JVM
 * model does, with blocks cached serialized (so they go through Kryo too) and with a shuffle in the packing.
 */
class KryoSerializerTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        spark = SparkSession.builder().master("local[2]").appName("kindling-kryo-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(16, Activation.TANH, 4), new Dropout(0.2),
                new Dense(3, Activation.SOFTMAX)).seed(5);
        model.compile(Optimizer.adam(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    @Test
    void trainsEvaluatesAndPredictsThroughKryo() {
        assertEquals("org.apache.spark.serializer.KryoSerializer", spark.sparkContext().conf().get("spark.serializer"));
        Object[] data = TestSpark.blobs(203, 4);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i];
        }
        Tensor y = Labels.toCategorical(Tensor.of(f, labels.length), 3);
        FitOptions options = FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(3).listeners()
                .build();
        Sequential local = model();
        local.fit(x, y, options);

        // Serialized cached blocks and a packing shuffle (3 input partitions spread over 5): all through Kryo.
        SparkTrainer trainer = SparkTrainer.create().withStorageLevel(StorageLevel.MEMORY_AND_DISK_SER())
                .withPartitions(5);
        Sequential distributed = model();
        trainer.fit(distributed, TestSpark.frame(spark, x, labels, 3), Columns.defaults(), options);
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED),
                "max |diff| " + distributed.weights().sub(local.weights()).map(Math::abs).max().item());

        Evaluation e = trainer.evaluate(distributed, TestSpark.frame(spark, x, labels, 2), Columns.defaults());
        assertEquals(local.evaluate(x, y).accuracy(), e.accuracy(), 1e-9);

        List<Row> predicted = trainer.predict(distributed, TestSpark.frame(spark, x, labels, 2), "features")
                .collectAsList();
        Tensor expected = local.predict(x);
        for (int r = 0; r < predicted.size(); r++) {
            Vector p = predicted.get(r).getAs("probability");
            for (int c = 0; c < 3; c++) {
                assertEquals(expected.getFlat(r * 3 + c), p.apply(c), 1e-3, "row " + r);
            }
        }

        List<Sample> samples = new ArrayList<>();
        for (int r = 0; r < labels.length; r++) {
            samples.add(Sample.of(x.slice(0, r, r + 1).toFloatArray(), labels[r]));
        }
        JavaRDD<Sample> rdd = TestSpark.jsc(spark).parallelize(samples, 3);
        Sequential fromSamples = model();
        trainer.fit(fromSamples, rdd, options);
        assertTrue(Tensors.allClose(fromSamples.weights(), local.weights(), Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED));
    }
}
