// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static dev.kindling.core.Tolerances.FLOAT32_TRAINED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.checkpoint.BackupAndRestore;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sparse feature rows through the Keras workflow in one JVM: the same values dense or sparse learn the same
 * weights, evaluate and predict the same; a model whose first layer cannot take them says so before any step.
 */
class SparseModelTest {
    private static final int WORDS = 300;
    private static final int ROWS = 240;

    @TempDir
    Path dir;

    /** Multi-hot "documents" of 3 to 12 words; the label is whether a word below 30 occurs. */
    static Tensor[] multiHot(int rows, int words, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[rows * words];
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            int n = 3 + rng.nextInt(10);
            for (int k = 0; k < n; k++) {
                int w = rng.nextInt(words);
                x[r * words + w] = 1f;
                y[r] = w < words / 10 ? 1f : y[r];
            }
        }
        return new Tensor[] {Tensor.of(x, rows, words), Tensor.of(y, rows, 1)};
    }

    private static Sequential model() {
        Sequential model = new Sequential(new Dense(16, Activation.RELU), new Dropout(0.25),
                new Dense(16, Activation.RELU), new Dense(1, Activation.SIGMOID)).seed(11);
        model.compile(Optimizer.rmsprop(0.01), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions options(TrainingListener... listeners) {
        return FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(5).listeners(listeners).build();
    }

    @Test
    void denseAndSparseRowsOfTheSameValuesTrainToTheSameWeights() {
        Tensor[] d = multiHot(ROWS, WORDS, 1);
        SparseRows sparse = SparseRows.fromDense(d[0]);
        Sequential dense = model();
        History denseHistory = dense.fit(d[0], d[1], options());
        Sequential fromSparse = model();
        History sparseHistory = fromSparse.fit(sparse, d[1], options());

        assertTrue(Tensors.allClose(fromSparse.weights(), dense.weights(), 0, FLOAT32_TRAINED),
                "max abs weight difference " + dense.weights().sub(fromSparse.weights()).map(Math::abs).max().item());
        Sequential untrained = model();
        untrained.build(WORDS);
        assertFalse(Tensors.allClose(dense.weights(), untrained.weights(), 0, 1e-3), "training moved the weights");
        for (Map.Entry<String, java.util.List<Double>> e : denseHistory.asMap().entrySet()) {
            assertArrayEquals(e.getValue().stream().mapToDouble(Double::doubleValue).toArray(),
                    sparseHistory.asMap().get(e.getKey()).stream().mapToDouble(Double::doubleValue).toArray(),
                    FLOAT32_TRAINED * 10, e.getKey());
        }

        Evaluation de = dense.evaluate(d[0], d[1]);
        Evaluation se = fromSparse.evaluate(sparse, d[1]);
        assertEquals(de.loss(), se.loss(), 1e-4);
        assertTrue(Tensors.allClose(fromSparse.predict(sparse), dense.predict(d[0]), 0, 1e-4));
        assertTrue(Tensors.allClose(fromSparse.predict(sparse), fromSparse.predict(d[0]), 0, 1e-5),
                "one model, the same rows dense or sparse");
    }

    @Test
    void float64SparseTrainingMatchesDenseToDoubleRounding() {
        Tensor[] d = multiHot(ROWS, WORDS, 2);
        Sequential dense = model().dtype(DType.FLOAT64);
        dense.compile(Optimizer.adam(0.01), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        dense.fit(d[0], d[1], options());
        Sequential sparse = model().dtype(DType.FLOAT64);
        sparse.compile(Optimizer.adam(0.01), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        sparse.fit(SparseRows.fromDense(d[0]), d[1], options());
        assertTrue(Tensors.allClose(sparse.weights(), dense.weights(), 0, 1e-10));
    }

    @Test
    void aSparseTrainedModelSavesAndLoadsAndPredictsTheSame() throws IOException {
        Tensor[] d = multiHot(ROWS, WORDS, 3);
        SparseRows sparse = SparseRows.fromDense(d[0]);
        Sequential model = model();
        model.fit(sparse, d[1], options());
        Path file = dir.resolve("sparse.kindling");
        model.save(file);
        Sequential loaded = Sequential.load(file);
        assertArrayEquals(model.predict(sparse).toFloatArray(), loaded.predict(sparse).toFloatArray());
    }

    /** A crash mid-epoch with sparse input, resumed from its checkpoints, ends bit for bit as an uninterrupted fit. */
    @Test
    void sparseTrainingResumesFromCheckpointsBitForBit() {
        Tensor[] d = multiHot(ROWS, WORDS, 4);
        SparseRows sparse = SparseRows.fromDense(d[0]);
        Sequential uninterrupted = model();
        History expected = uninterrupted.fit(sparse, d[1], options());

        TrainingListener crash = new TrainingListener() {
            private int steps;

            @Override
            public void onBatchEnd(TrainingData.Step step, double elapsedSeconds, Map<String, Double> runningLogs) {
                if (++steps == 9) {
                    throw new IllegalStateException("crash at step 9");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> model().fit(sparse, d[1], options(backup(), crash)));
        Sequential resumed = model();
        History history = resumed.fit(sparse, d[1], options(backup()));
        assertArrayEquals(uninterrupted.weights().toFloatArray(), resumed.weights().toFloatArray());
        assertEquals(expected.asMap(), history.asMap());
    }

    private BackupAndRestore backup() {
        return BackupAndRestore.to(FileStore.local(dir.resolve("backup"))).everySteps(4).everyEpochs(1).build();
    }

    @Test
    void aFirstLayerThatCannotTakeSparseRowsIsNamedBeforeAnyStep() {
        Tensor[] d = multiHot(40, 64, 5);
        SparseRows sparse = SparseRows.fromDense(d[0]);
        for (Layer first : new Layer[] {new Embedding(64, 4), new Conv2D(2, 3, Activation.RELU)}) {
            Sequential model = first instanceof Embedding
                    ? new Sequential(first, new Flatten(), new Dense(1, Activation.SIGMOID))
                    : new Sequential(first, new Flatten(), new Dense(1, Activation.SIGMOID));
            model.compile(Optimizer.sgd(0.1), Loss.BINARY_CROSSENTROPY);
            int[] steps = {0};
            TrainingListener count = new TrainingListener() {
                @Override
                public void onBatchEnd(TrainingData.Step step, double elapsed, Map<String, Double> logs) {
                    steps[0]++;
                }
            };
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.fit(sparse, d[1], options(count)));
            assertTrue(e.getMessage().startsWith("fit: sparse features")
                    && e.getMessage().contains("first layer is " + first.typeName())
                    && e.getMessage().contains("start the model with a Dense layer"), e.getMessage());
            assertEquals(0, steps[0]);
            assertFalse(model.isBuilt(), "nothing built or changed");
            IllegalArgumentException p = assertThrows(IllegalArgumentException.class, () -> model.predict(sparse));
            assertTrue(p.getMessage().startsWith("predict: sparse features"), p.getMessage());
        }
    }

    @Test
    void sparseRowsOfAnotherWidthOrWithNaNAreRefused() {
        Tensor[] d = multiHot(40, 64, 6);
        Sequential model = new Sequential(new Dense(4, Activation.RELU, 50), new Dense(1, Activation.SIGMOID));
        model.compile(Optimizer.sgd(0.1), Loss.BINARY_CROSSENTROPY);
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> model.fit(SparseRows.fromDense(d[0]), d[1], options()));
        assertTrue(wide.getMessage().contains("expects samples of shape (50,), the sparse rows have 64 columns"),
                wide.getMessage());
        SparseRows nan = SparseRows.of(50, new int[] {0, 1, 2}, new int[] {3, 7},
                Tensor.of(new float[] {1, Float.POSITIVE_INFINITY}, 2));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> model.fit(nan, Tensor.of(new float[] {0, 1}, 2, 1), options()));
        assertTrue(bad.getMessage().contains("row 1, column 7 is Infinity"), bad.getMessage());
        assertEquals(Shape.of(50), model.network().inputShape());
    }
}
