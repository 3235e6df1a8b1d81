// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static dev.kindling.core.Tolerances.FLOAT32_TRAINED;
import static dev.kindling.core.Tolerances.FLOAT64_TRAINED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.checkpoint.BackupAndRestore;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.Features;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.model.TrainingData;
import dev.kindling.core.model.TrainingListener;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sparse feature rows on Spark: a column of sparse vectors is packed as compressed sparse rows (never densified),
 * and learns what the one-JVM fit learns from the same values, dense or sparse, at any partitioning.
 */
class SparseEquivalenceTest {
    private static final int ROWS = 203;
    private static final int WORDS = 500;

    /** Multi-hot rows of 3 to 14 words; the label is whether a word below 50 occurs. */
    static Object[] multiHot(int rows, int words, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[rows * words];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            int n = 3 + rng.nextInt(12);
            for (int k = 0; k < n; k++) {
                int w = rng.nextInt(words);
                x[r * words + w] = 1f;
                labels[r] |= w < words / 10 ? 1 : 0;
            }
        }
        return new Object[] {Tensor.of(x, rows, words), labels};
    }

    /** The rows as a DataFrame of sparse vectors (HashingTF's form) or dense ones. */
    static Dataset<Row> frame(SparkSession spark, Tensor x, int[] labels, int slices, boolean sparse) {
        SparseRows rows = SparseRows.fromDense(x);
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < labels.length; r++) {
            int from = rows.rowStart()[r];
            int to = rows.rowStart()[r + 1];
            int[] indices = java.util.Arrays.copyOfRange(rows.columns(), from, to);
            double[] values = new double[to - from];
            for (int k = from; k < to; k++) {
                values[k - from] = rows.values().getFlat(k);
            }
            org.apache.spark.ml.linalg.Vector v = Vectors.sparse(x.dim(1), indices, values);
            out.add(RowFactory.create(sparse ? v : v.toDense(), (double) labels[r]));
        }
        return spark.createDataFrame(TestSpark.jsc(spark).parallelize(out, slices), TestSpark.SCHEMA);
    }

    private static Sequential model(DType dtype) {
        Sequential model = new Sequential(new Dense(16, Activation.RELU), new Dropout(0.2),
                new Dense(16, Activation.RELU), new Dense(1, Activation.SIGMOID)).dtype(dtype).seed(5);
        model.compile(dtype == DType.FLOAT32 ? Optimizer.rmsprop(0.01) : Optimizer.adam(0.01),
                Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions options() {
        return FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(11).listeners().build();
    }

    private static Tensor column(int[] labels) {
        float[] y = new float[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels[i];
        }
        return Tensor.of(y, labels.length, 1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void sparseVectorsOnSparkLearnWhatOneJvmLearnsFromDenseRows(int partitions) {
        Object[] data = multiHot(ROWS, WORDS, 1);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        Sequential local = model(DType.FLOAT32);
        History localHistory = local.fit(x, column(labels), options());

        Sequential distributed = model(DType.FLOAT32);
        History sparkHistory = SparkTrainer.create().withPartitions(partitions).fit(distributed,
                frame(TestSpark.local(), x, labels, 3, true), Columns.defaults(), options());

        Tensor a = local.weights();
        Tensor b = distributed.weights();
        assertTrue(Tensors.allClose(b, a, FLOAT32_TRAINED, FLOAT32_TRAINED), "at " + partitions
                + " partitions max |diff| " + b.sub(a).map(Math::abs).max().item());
        for (String key : List.of("loss", "accuracy", "val_loss", "val_accuracy")) {
            for (int e = 0; e < 3; e++) {
                assertEquals(localHistory.get(key).get(e), sparkHistory.get(key).get(e), 10 * FLOAT32_TRAINED, key);
            }
        }
    }

    @Test
    void float64SparseOnSparkEqualsOneJvmSparseToRounding() {
        Object[] data = multiHot(ROWS, WORDS, 2);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        Sequential local = model(DType.FLOAT64);
        local.fit(SparseRows.fromDense(x), column(labels), options());
        Sequential distributed = model(DType.FLOAT64);
        SparkTrainer.create().withPartitions(2).fit(distributed, frame(TestSpark.local(), x, labels, 3, true),
                Columns.defaults(), options());
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), FLOAT64_TRAINED, FLOAT64_TRAINED));
    }

    /** The packed blocks hold the non-zeros only: 4 bytes of row start plus 8 per non-zero, whatever the width. */
    @Test
    void aSparseVectorColumnIsPackedAsSparseRows() {
        Object[] data = multiHot(ROWS, WORDS, 3);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        long nonZeros = SparseRows.fromDense(x).nonZeros();
        Sequential model = model(DType.FLOAT32);
        SparkTrainer trainer = SparkTrainer.create().withPartitions(2);
        try (PreparedData sparse = trainer.prepare(model, frame(TestSpark.local(), x, labels, 3, true),
                Columns.defaults());
             PreparedData dense = trainer.prepare(model, frame(TestSpark.local(), x, labels, 3, false),
                     Columns.defaults())) {
            assertTrue(sparse.layout().sparse());
            assertFalse(dense.layout().sparse(), "a column of dense vectors is packed dense");
            List<Block> blocks = sparse.packed().blocks().collect();
            assertTrue(blocks.stream().allMatch(b -> b.features() instanceof Features.Sparse), "sparse blocks");
            long bytes = blocks.stream().mapToLong(b -> b.features().packedBytes()).sum();
            assertEquals(4L * (ROWS + blocks.size()) + 8L * nonZeros, bytes);
            long denseBytes = dense.packed().blocks().collect().stream().mapToLong(b -> b.features().packedBytes())
                    .sum();
            assertEquals(4L * ROWS * WORDS, denseBytes);
        }
    }

    @Test
    void sparseRowsPackedInSmallBlocksStillLearnTheSame() {
        Object[] data = multiHot(ROWS, WORDS, 4);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        Sequential local = model(DType.FLOAT32);
        local.fit(x, column(labels), options());
        Sequential distributed = model(DType.FLOAT32);
        distributed.build(WORDS);
        Packing.Layout layout = new Packing.Layout(WORDS, Targets.of(Loss.BINARY_CROSSENTROPY, 1, false),
                Loss.BINARY_CROSSENTROPY, 1, DType.FLOAT32, "features", 60).withSparseFeatures(true);
        // blocks end at 60 non-zeros: a few rows each
        Packing.Packed packed = Packing.pack(frame(TestSpark.local(), x, labels, 3, true).javaRDD(),
                SampleReader.rows(Columns.defaults(), 0, true, 1, false), layout, 3, StorageLevel.MEMORY_ONLY());
        assertTrue(packed.blocks().count() > 3 * 5, "many small blocks");
        try (PreparedData prepared = new PreparedData(packed, layout, false)) {
            SparkTrainer.create().fit(distributed, prepared, options());
        }
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), FLOAT32_TRAINED, FLOAT32_TRAINED));
    }

    /** Rows that arrive out of number order (input partitions grouped by host) are sorted within the block. */
    @Test
    void aSparseBlockOfUnorderedRowsIsSortedByNumber() {
        Object[] data = multiHot(6, 40, 9);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        List<Row> rows = frame(TestSpark.local(), x, labels, 1, true).collectAsList();
        long[] order = {4, 1, 5, 0, 3, 2};
        List<scala.Tuple2<Row, Long>> arriving = new ArrayList<>();
        for (long id : order) {
            arriving.add(new scala.Tuple2<>(rows.get((int) id), id));
        }
        Packing.Layout layout = new Packing.Layout(40, Targets.of(Loss.BINARY_CROSSENTROPY, 1, false),
                Loss.BINARY_CROSSENTROPY, 1, DType.FLOAT32, "features").withSparseFeatures(true);
        Block block = Packing.block(arriving.iterator(), SampleReader.rows(Columns.defaults(), 0, true, 1, false),
                layout, 100);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), java.util.Arrays.stream(block.ids()).boxed().toList());
        assertEquals(x, ((Features.Sparse) block.features()).x().toDense());
        for (int r = 0; r < 6; r++) {
            assertEquals(labels[r], block.targets().getFlat(r), 0.0);
        }
    }

    @Test
    void predictAndEvaluateOnSparseVectorsMatchTheOneJvmModel() {
        Object[] data = multiHot(ROWS, WORDS, 5);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        Sequential model = model(DType.FLOAT32);
        model.fit(SparseRows.fromDense(x), column(labels), options());
        Dataset<Row> frame = frame(TestSpark.local(), x, labels, 3, true);
        List<Row> predicted = SparkTrainer.create().predict(model, frame, "features").select("probability")
                .collectAsList();
        Tensor expected = model.predict(x);
        for (int r = 0; r < ROWS; r++) {
            double p = ((org.apache.spark.ml.linalg.Vector) predicted.get(r).get(0)).apply(1);
            assertEquals(expected.getFlat(r), p, 1e-5, "row " + r);
        }
        assertEquals(model.evaluate(x, column(labels)).loss(),
                SparkTrainer.create().evaluate(model, frame, Columns.defaults()).loss(), 1e-5);
    }

    /** A crash mid-fit on sparse vectors, resumed from its checkpoints, ends with the uninterrupted fit's weights. */
    @Test
    void aSparseFitOnSparkResumesFromItsCheckpoints(@TempDir Path checkpoints) {
        Object[] data = multiHot(ROWS, WORDS, 7);
        Dataset<Row> frame = frame(TestSpark.local(), (Tensor) data[0], (int[]) data[1], 2, true);
        Sequential expected = model(DType.FLOAT32);
        SparkTrainer.create().fit(expected, frame, Columns.defaults(), options());

        BackupAndRestore.Builder backup = BackupAndRestore.to(FileStore.local(checkpoints)).everySteps(2).keep(2);
        TrainingListener crash = new TrainingListener() {
            private int steps;

            @Override
            public void onBatchEnd(TrainingData.Step step, double elapsed, Map<String, Double> logs) {
                if (++steps == 7) {
                    throw new IllegalStateException("crash");
                }
            }
        };
        FitOptions.Builder crashing = FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(11);
        assertThrows(IllegalStateException.class, () -> SparkTrainer.create().fit(model(DType.FLOAT32), frame,
                Columns.defaults(), crashing.listeners(backup.build(), crash).build()));
        Sequential resumed = model(DType.FLOAT32);
        FitOptions.Builder resuming = FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(11);
        SparkTrainer.create().fit(resumed, frame, Columns.defaults(), resuming.listeners(backup.build()).build());
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.weights().toFloatArray(),
                resumed.weights().toFloatArray());
    }

    @Test
    void aBadSparseRowIsNamedByRowAndColumnBeforeAnyStep() {
        SparkSession spark = TestSpark.local();
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 20; r++) {
            double v = r == 13 ? Double.NaN : 1.0;
            rows.add(RowFactory.create(Vectors.sparse(50, new int[] {2, 17}, new double[] {1.0, v}), 0.0));
        }
        Dataset<Row> nan = spark.createDataFrame(TestSpark.jsc(spark).parallelize(rows, 2), TestSpark.SCHEMA);
        Sequential model = model(DType.FLOAT32);
        DataException e = assertThrows(DataException.class,
                () -> SparkTrainer.create().fit(model, nan, Columns.defaults(), options()));
        assertTrue(e.getMessage().contains("features column 'features': input at row 13, column 17 is NaN"),
                e.getMessage());
        assertEquals(0, model.epochsTrained());

        rows.set(5, RowFactory.create(Vectors.sparse(40, new int[] {2}, new double[] {1.0}), 0.0));
        rows.set(13, rows.get(0));
        Dataset<Row> narrow = spark.createDataFrame(TestSpark.jsc(spark).parallelize(rows, 2), TestSpark.SCHEMA);
        DataException width = assertThrows(DataException.class,
                () -> SparkTrainer.create().fit(model(DType.FLOAT32), narrow, Columns.defaults(), options()));
        assertTrue(width.getMessage().contains("features column 'features', row 5: expected 50 values, got 40"),
                width.getMessage());
    }

    /** The regressor stage on sparse vectors: trained sparse, and its transform agrees with the one-JVM model. */
    @Test
    void kindlingRegressorTakesSparseVectors() {
        Object[] data = multiHot(ROWS, WORDS, 8);
        Tensor x = (Tensor) data[0];
        Dataset<Row> frame = frame(TestSpark.local(), x, (int[]) data[1], 2, true);
        dev.kindling.spark.ml.KindlingRegressionModel fitted = new dev.kindling.spark.ml.KindlingRegressor()
                .setLayers("dense(8, relu), dense(1)").setEpochs(2).setBatchSize(32).setSeed(3).setVerbose(0)
                .fit(frame);
        List<Row> predicted = fitted.transform(frame).select("prediction").collectAsList();
        Tensor expected = fitted.sequential().predict(x);
        for (int r = 0; r < ROWS; r++) {
            assertEquals(expected.getFlat(r), predicted.get(r).getDouble(0), 1e-5, "row " + r);
        }
        Row first = frame.head();
        assertEquals(expected.getFlat(0), fitted.predict((org.apache.spark.ml.linalg.Vector) first.get(0)), 1e-5);
    }

    @Test
    void aModelThatCannotTakeSparseRowsIsRefusedBeforeAnyStep() {
        Object[] data = multiHot(60, 64, 6);
        Dataset<Row> frame = frame(TestSpark.local(), (Tensor) data[0], (int[]) data[1], 2, true);
        Sequential dense = model(DType.FLOAT32);
        try (PreparedData prepared = SparkTrainer.create().prepare(dense, frame, Columns.defaults())) {
            Sequential embedding = new Sequential(new Embedding(64, 2, 64), new Flatten(),
                    new Dense(1, Activation.SIGMOID));
            embedding.compile(Optimizer.sgd(0.1), Loss.BINARY_CROSSENTROPY);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SparkTrainer.create().fit(embedding, prepared, options()));
            assertTrue(e.getMessage().startsWith("fit: the data was prepared as sparse rows; sparse features")
                    && e.getMessage().contains("first layer is Embedding"), e.getMessage());
            assertEquals(0, embedding.epochsTrained());
        }
    }
}
