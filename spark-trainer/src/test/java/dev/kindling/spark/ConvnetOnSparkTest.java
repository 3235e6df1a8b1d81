// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.data.Labels;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A convnet on Spark: partitions hold flat rows of {@code h*w*c} features (the packing does not know about
 * images), the model declares its input shape and reshapes each block; and, as for dense networks, any number of
 * partitions learns what the one-JVM fit on image tensors learns, to float rounding.
 */
class ConvnetOnSparkTest {
    static final int ROWS = 157; // not a multiple of the batch size nor of the partition counts
    private static final int SIDE = 7;

    /** 7x7 one-channel images: a bright bar, horizontal (class 0), vertical (1) or diagonal (2), on noise. */
    static Object[] bars(long seed) {
        Random rng = new Random(seed);
        float[] x = new float[ROWS * SIDE * SIDE];
        int[] labels = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            int c = rng.nextInt(3);
            int at = rng.nextInt(SIDE);
            labels[i] = c;
            for (int p = 0; p < SIDE * SIDE; p++) {
                x[i * SIDE * SIDE + p] = (float) (0.3 * rng.nextDouble());
            }
            for (int k = 0; k < SIDE; k++) {
                int pixel = c == 0 ? at * SIDE + k : c == 1 ? k * SIDE + at : k * SIDE + k;
                x[i * SIDE * SIDE + pixel] += 1f;
            }
        }
        return new Object[] {Tensor.of(x, ROWS, SIDE, SIDE, 1), labels};
    }

    /** Strides, 'same' padding, two convolutions with more than one channel, and dropout on image-shaped outputs. */
    static Sequential model(DType dtype) {
        Sequential model = new Sequential(
                new Conv2D(4, 3, Activation.RELU).withInputShape(SIDE, SIDE, 1).withPadding(Padding.SAME),
                new MaxPooling2D(2),
                new Dropout(0.2),
                new Conv2D(6, 2, Activation.TANH).withStrides(2, 1),
                new Flatten(),
                new Dense(3, Activation.SOFTMAX)).dtype(dtype).seed(5);
        model.compile(Optimizer.rmsprop(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions options() {
        return FitOptions.builder().epochs(3).batchSize(32).validationSplit(0.2).seed(11).listeners().build();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void partitionsOfFlatRowsLearnWhatOneJvmLearnsOnImages(int partitions) {
        compare(DType.FLOAT32, Tolerances.FLOAT32_TRAINED, partitions);
    }

    @Test
    void float64IsEqualToRoundingError() {
        compare(DType.FLOAT64, Tolerances.FLOAT64_TRAINED, 3);
    }

    private static void compare(DType dtype, double tolerance, int partitions) {
        Object[] data = bars(1);
        Tensor images = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        Sequential local = model(dtype);
        History localHistory = local.fit(images, Labels.toCategorical(Tensor.of(toFloats(labels), ROWS), 3),
                options());

        SparkSession spark = TestSpark.local();
        Dataset<Row> rows = TestSpark.frame(spark, images.reshape(ROWS, -1), labels, partitions);
        Sequential distributed = model(dtype);
        SparkTrainer trainer = SparkTrainer.create();
        History sparkHistory = trainer.fit(distributed, rows, Columns.defaults(), options());

        Tensor a = local.weights();
        Tensor b = distributed.weights();
        assertTrue(Tensors.allClose(b, a, tolerance, tolerance), "weights differ beyond " + tolerance + " with " + partitions
                + " partitions: max |diff| " + b.sub(a).map(Math::abs).max().item());
        for (String key : List.of("loss", "accuracy", "val_loss", "val_accuracy")) {
            for (int e = 0; e < 3; e++) {
                assertEquals(localHistory.get(key).get(e), sparkHistory.get(key).get(e), 10 * tolerance,
                        key + " at epoch " + (e + 1));
            }
        }
        // Distributed inference reshapes the rows as training did.
        List<Row> predicted = trainer.predict(distributed, rows, "features").select("probability").collectAsList();
        Tensor probabilities = distributed.predict(images);
        for (int r = 0; r < ROWS; r += 37) {
            Vector p = predicted.get(r).getAs(0);
            for (int c = 0; c < 3; c++) {
                assertEquals(probabilities.get(r, c), p.apply(c), 10 * tolerance, "row " + r + ", class " + c);
            }
        }
    }

    @Test
    void rowsOfTheWrongWidthOrAModelWithoutItsShapeAreNamed() {
        Object[] data = bars(2);
        int[] labels = (int[]) data[1];
        SparkSession spark = TestSpark.local();
        Tensor narrow = ((Tensor) data[0]).reshape(ROWS, -1).slice(1, 0, SIDE * SIDE - 1);
        DataException e = assertThrows(DataException.class, () -> SparkTrainer.create()
                .fit(model(DType.FLOAT32), TestSpark.frame(spark, narrow, labels, 2), Columns.defaults(), options()));
        assertTrue(e.getMessage().contains("expected " + SIDE * SIDE + " values, got " + (SIDE * SIDE - 1)),
                e.getMessage());

        Sequential undeclared = new Sequential(new Conv2D(4, 3, Activation.RELU), new Flatten(),
                new Dense(3, Activation.SOFTMAX));
        undeclared.compile(Optimizer.sgd(), Loss.CATEGORICAL_CROSSENTROPY);
        Dataset<Row> flat = TestSpark.frame(spark, ((Tensor) data[0]).reshape(ROWS, -1), labels, 2);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> SparkTrainer.create().fit(undeclared, flat, Columns.defaults(), options()));
        assertTrue(shape.getMessage().contains("Conv2D") && shape.getMessage().contains("(49,)")
                && shape.getMessage().contains("(height, width, channels)"), shape.getMessage());
    }

    private static float[] toFloats(int[] labels) {
        float[] f = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            f[i] = labels[i];
        }
        return f;
    }
}
