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
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trainer's promise: with the same seeds, training on any number of partitions learns the same weights as the
 * core's one-JVM fit, within float rounding (sums are added in a different order).
 */
class EquivalenceTest {
    private static final int ROWS = 203; // not a multiple of the batch size nor of the partition counts

    private static Sequential model(DType dtype, Supplier<Optimizer> optimizer) {
        Sequential model = new Sequential(new Dense(16, Activation.TANH, 4), new Dropout(0.2),
                new Dense(3, Activation.SOFTMAX)).dtype(dtype).seed(5);
        model.compile(optimizer.get(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions options() {
        return FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(11).listeners().build();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void partitionsLearnWhatOneJvmLearns(int partitions) {
        compare(DType.FLOAT32, Tolerances.FLOAT32_TRAINED, partitions, 0, Optimizer::rmsprop);
    }

    @Test
    void unevenTinyAndEmptyPartitionsToo() {
        // 203 rows in 64 slices: partitions of 3 or 4 rows, plus a repartition that scatters rows across
        // 7 partitions of uneven sizes. Batches of 32 span many partitions, some partitions hold none of a batch.
        compare(DType.FLOAT32, Tolerances.FLOAT32_TRAINED, 64, 0, Optimizer::rmsprop);
        compare(DType.FLOAT32, Tolerances.FLOAT32_TRAINED, 3, 7, () -> Optimizer.sgd(0.05, 0.9, true));
    }

    @Test
    void float64IsEqualToRoundingError() {
        compare(DType.FLOAT64, Tolerances.FLOAT64_TRAINED, 4, 0, Optimizer::adam);
    }

    private static void compare(DType dtype, double tolerance, int slices, int repartition,
                                Supplier<Optimizer> optimizer) {
        Object[] data = TestSpark.blobs(ROWS, 1);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];

        Sequential local = model(dtype, optimizer);
        History localHistory = local.fit(x, Labels.toCategorical(Tensor.of(toFloats(labels), ROWS), 3), options());

        SparkSession spark = TestSpark.local();
        Sequential distributed = model(dtype, optimizer);
        History sparkHistory = SparkTrainer.create().withPartitions(repartition)
                .fit(distributed, TestSpark.frame(spark, x, labels, slices), Columns.defaults(), options());

        Tensor a = local.weights();
        Tensor b = distributed.weights();
        assertTrue(Tensors.allClose(b, a, tolerance, tolerance), "weights differ beyond " + tolerance + " with " + slices
                + " slices: max |diff| " + b.sub(a).map(Math::abs).max().item());
        assertEquals(local.optimizerState().iterations(), distributed.optimizerState().iterations());
        for (String key : List.of("loss", "accuracy", "val_loss", "val_accuracy")) {
            List<Double> l = localHistory.get(key);
            List<Double> s = sparkHistory.get(key);
            for (int e = 0; e < l.size(); e++) {
                assertEquals(l.get(e), s.get(e), 10 * tolerance, key + " at epoch " + (e + 1));
            }
        }
    }

    /**
     * Partitions larger than a block (here 10 rows, in production 2^27 floats) pack into several blocks; the
     * fit is the same. 203 rows in 3 partitions: 7 blocks of up to 10 rows each per partition.
     */
    @Test
    void partitionsOfManyBlocksLearnWhatOneJvmLearns() {
        Object[] data = TestSpark.blobs(ROWS, 1);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        Sequential local = model(DType.FLOAT32, Optimizer::rmsprop);
        local.fit(x, Labels.toCategorical(Tensor.of(toFloats(labels), ROWS), 3), options());

        Sequential distributed = model(DType.FLOAT32, Optimizer::rmsprop);
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame = TestSpark.frame(TestSpark.local(), x, labels, 3);
        Packing.Layout layout = new Packing.Layout(4, Targets.of(Loss.CATEGORICAL_CROSSENTROPY, 3, false),
                Loss.CATEGORICAL_CROSSENTROPY, 3, DType.FLOAT32, "features", 40);
        Packing.Packed packed = Packing.pack(frame.javaRDD(), SampleReader.rows(Columns.defaults(), 0, true, 1, false),
                layout, 3, org.apache.spark.storage.StorageLevel.MEMORY_ONLY());
        assertEquals(List.of(7, 7, 7), packed.blocks().glom().map(List::size).collect(), "blocks per partition");
        try (PreparedData prepared = new PreparedData(packed, layout, false)) {
            SparkTrainer.create().fit(distributed, prepared, options());
        }
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED));
    }

    /**
     * Sample weights from a column, class weights from the options, and a separate validation DataFrame: the same
     * weights and history as the one-JVM fit with sample_weight, class_weight and validation_data.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void weightsAndValidationDataLearnWhatOneJvmLearns(int slices) {
        Object[] data = TestSpark.blobs(ROWS, 6);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        Object[] heldOut = TestSpark.blobs(57, 7);
        float[] w = new float[ROWS];
        for (int i = 0; i < ROWS; i++) {
            w[i] = (i % 4) * 0.5f;
        }
        FitOptions options = FitOptions.builder().epochs(3).batchSize(32).seed(11).classWeights(java.util.Map.of(2, 3.0))
                .listeners().build();
        Sequential local = model(DType.FLOAT32, Optimizer::rmsprop);
        Tensor vx = (Tensor) heldOut[0];
        Tensor vy = Labels.toCategorical(Tensor.of(toFloats((int[]) heldOut[1]), 57), 3);
        History localHistory = local.fit(x, Labels.toCategorical(Tensor.of(toFloats(labels), ROWS), 3), Tensor.of(w, ROWS),
                FitOptions.builder().epochs(3).batchSize(32).seed(11).classWeights(java.util.Map.of(2, 3.0))
                        .validationData(vx, vy).listeners().build());

        SparkSession spark = TestSpark.local();
        // The weight of row i is (i mod 4) / 2, in a column beside the features and the label.
        java.util.List<org.apache.spark.sql.Row> rows = new ArrayList<>();
        java.util.List<org.apache.spark.sql.Row> plain = TestSpark.frame(spark, x, labels, 1).collectAsList();
        for (int i = 0; i < ROWS; i++) {
            rows.add(org.apache.spark.sql.RowFactory.create(plain.get(i).get(0), plain.get(i).get(1), (double) w[i]));
        }
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame = spark.createDataFrame(
                TestSpark.jsc(spark).parallelize(rows, slices), TestSpark.SCHEMA
                .add("w", org.apache.spark.sql.types.DataTypes.DoubleType, false));
        Sequential distributed = model(DType.FLOAT32, Optimizer::rmsprop);
        History sparkHistory = SparkTrainer.create().fit(distributed, frame,
                TestSpark.frame(spark, vx, (int[]) heldOut[1], 2), Columns.defaults().withWeight("w"), options);
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED),
                "max |diff| " + distributed.weights().sub(local.weights()).map(Math::abs).max().item());
        for (String key : List.of("loss", "val_loss", "val_accuracy")) {
            for (int e = 0; e < 3; e++) {
                assertEquals(localHistory.get(key).get(e), sparkHistory.get(key).get(e), 10 * Tolerances.FLOAT32_TRAINED, key);
            }
        }
    }

    @Test
    void aBadWeightIsNamedBeforeTraining() {
        SparkSession spark = TestSpark.local();
        Object[] data = TestSpark.blobs(20, 1);
        java.util.List<org.apache.spark.sql.Row> plain = TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], 1)
                .collectAsList();
        java.util.List<org.apache.spark.sql.Row> rows = new ArrayList<>();
        for (int i = 0; i < plain.size(); i++) {
            rows.add(org.apache.spark.sql.RowFactory.create(plain.get(i).get(0), plain.get(i).get(1), i == 13 ? -1.0 : 1.0));
        }
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame = spark.createDataFrame(rows, TestSpark.SCHEMA
                .add("w", org.apache.spark.sql.types.DataTypes.DoubleType, false));
        DataException e = org.junit.jupiter.api.Assertions.assertThrows(DataException.class,
                () -> SparkTrainer.create().fit(model(DType.FLOAT32, Optimizer::rmsprop), frame,
                        Columns.defaults().withWeight("w"), options()));
        assertEquals("weight column 'w', row 13: -1.0, expected a finite number >= 0", e.getMessage());
    }

    /** The trainer sets each step's job description for the Spark UI, and gives the caller's back after the fit. */
    @Test
    void theCallersJobDescriptionIsRestored() {
        SparkSession spark = TestSpark.local();
        Object[] data = TestSpark.blobs(50, 1);
        spark.sparkContext().setJobDescription("my notebook paragraph");
        SparkTrainer.create().fit(model(DType.FLOAT32, Optimizer::rmsprop),
                TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], 2), Columns.defaults(), options());
        assertEquals("my notebook paragraph", spark.sparkContext().getLocalProperty("spark.job.description"));
        spark.sparkContext().setJobDescription(null);
    }

    @Test
    void rddOfSamplesTrainsTheSame() {
        Object[] data = TestSpark.blobs(ROWS, 2);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        Sequential local = model(DType.FLOAT32, Optimizer::rmsprop);
        local.fit(x, Labels.toCategorical(Tensor.of(toFloats(labels), ROWS), 3), options());

        List<Sample> samples = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            samples.add(Sample.of(x.slice(0, r, r + 1).toFloatArray(), labels[r]));
        }
        JavaRDD<Sample> rdd = TestSpark.jsc(TestSpark.local()).parallelize(samples, 3);
        Sequential distributed = model(DType.FLOAT32, Optimizer::rmsprop);
        SparkTrainer.create().fit(distributed, rdd, options());
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED));
    }

    private static float[] toFloats(int[] labels) {
        float[] f = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            f[i] = labels[i];
        }
        return f;
    }
}
