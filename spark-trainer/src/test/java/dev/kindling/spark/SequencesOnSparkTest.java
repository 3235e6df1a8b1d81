// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.data.Sequences;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.GRU;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Token sequences on Spark: an {@code array<int>} column of any lengths padded as Keras's pad_sequences, a GRU
 * with dropout and recurrent dropout learning on 1, 2 and 8 partitions what it learns in one JVM, and a token id
 * out of the embedding's range named before the first step.
 */
class SequencesOnSparkTest {
    private static final int ROWS = 157; // not a multiple of the batch size nor of the partition counts
    private static final int VOCABULARY = 20;
    private static final int MAXLEN = 12;
    private static final StructType SCHEMA = new StructType()
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType), true)
            .add("label", DataTypes.DoubleType, true);

    /** Sequences of 3 to 16 ids; the label is whether id 1 occurs (it does in about half). */
    private static List<int[]> sequences(int n, long seed, double[] labels) {
        Random rng = new Random(seed);
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] s = new int[3 + rng.nextInt(14)];
            for (int j = 0; j < s.length; j++) {
                s[j] = 2 + rng.nextInt(VOCABULARY - 2);
            }
            labels[i] = rng.nextInt(2);
            if (labels[i] == 1) {
                s[rng.nextInt(s.length)] = 1;
            }
            seqs.add(s);
        }
        return seqs;
    }

    private static Dataset<Row> frame(SparkSession spark, List<int[]> seqs, double[] labels, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i++) {
            rows.add(RowFactory.create(seqs.get(i).clone(), labels[i]));
        }
        return spark.createDataFrame(TestSpark.jsc(spark).parallelize(rows, partitions), SCHEMA);
    }

    private static Sequential model() {
        Sequential model = new Sequential(new Embedding(VOCABULARY, 6).withInputLength(MAXLEN),
                new GRU(5).withDropout(0.2).withRecurrentDropout(0.3), new Dense(1, Activation.SIGMOID)).seed(7);
        model.compile(Optimizer.rmsprop(0.01), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static FitOptions options() {
        return FitOptions.builder().epochs(3).batchSize(16).validationSplit(0.2).seed(13).listeners().build();
    }

    @Test
    void padIsKerasPadSequencesOnAColumn() {
        SparkSession spark = TestSpark.local();
        double[] labels = new double[40];
        List<int[]> seqs = sequences(40, 3, labels);
        Dataset<Row> frame = frame(spark, seqs, labels, 3);
        for (Sequences.Side padding : Sequences.Side.values()) {
            for (Sequences.Side truncating : Sequences.Side.values()) {
                List<Row> padded = TokenSequences.pad(frame, "tokens", 8, padding, truncating, 0).collectAsList();
                for (int i = 0; i < seqs.size(); i++) {
                    int[] expected = Sequences.pad(seqs.get(i), 8, padding, truncating, 0);
                    List<Integer> got = padded.get(i).getList(0);
                    assertEquals(Arrays.stream(expected).boxed().toList(), got, padding + "/" + truncating + ", row " + i);
                }
            }
        }
        DataException e = assertThrows(DataException.class, () -> TokenSequences.pad(frame, "label", 8));
        assertTrue(e.getMessage().contains("array<int>"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void aGruWithRecurrentDropoutLearnsOnSparkWhatItLearnsInOneJvm(int partitions) {
        double[] labels = new double[ROWS];
        List<int[]> seqs = sequences(ROWS, 1, labels);
        float[] y = new float[ROWS];
        for (int i = 0; i < ROWS; i++) {
            y[i] = (float) labels[i];
        }
        Sequential local = model();
        local.fit(Sequences.padSequences(seqs, MAXLEN), Tensor.of(y, ROWS, 1), options());

        Sequential distributed = model();
        Dataset<Row> frame = TokenSequences.pad(frame(TestSpark.local(), seqs, labels, partitions), "tokens", MAXLEN);
        SparkTrainer.create().withPartitions(partitions).fit(distributed, frame,
                Columns.of("tokens", "label"), options());
        Tensor a = local.weights();
        Tensor b = distributed.weights();
        double maxDiff = b.sub(a).map(Math::abs).max().item();
        System.out.println("GRU with recurrent dropout, " + partitions + " partition(s): max |Spark - one JVM| weight "
                + maxDiff);
        assertTrue(Tensors.allClose(b, a, Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED), "weights differ beyond " + Tolerances.FLOAT32_TRAINED
                + " with " + partitions + " partitions: max |diff| " + maxDiff);
    }

    @Test
    void aTokenIdOutOfRangeIsNamedBeforeTheFirstStep() {
        double[] labels = new double[ROWS];
        List<int[]> seqs = sequences(ROWS, 2, labels);
        seqs.get(101)[seqs.get(101).length - 1] = VOCABULARY + 5; // the last id: kept by pre truncation
        Sequential model = model();
        Tensor before = model.weights();
        Dataset<Row> frame = TokenSequences.pad(frame(TestSpark.local(), seqs, labels, 2), "tokens", MAXLEN);
        DataException e = assertThrows(DataException.class, () -> SparkTrainer.create().fit(model, frame,
                Columns.of("tokens", "label"), options()));
        assertTrue(e.getMessage().contains("row 101") && e.getMessage().contains("token id 25.0")
                && e.getMessage().contains("tokens"), e.getMessage());
        assertEquals(before, model.weights());

        // predicting: the same check, the row named within its partition
        Dataset<Row> good = TokenSequences.pad(frame(TestSpark.local(), sequences(ROWS, 2, labels), labels, 2),
                "tokens", MAXLEN);
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(model, good, Columns.of("tokens", "label"), options());
        Exception p = assertThrows(Exception.class, () -> trainer.predict(model, frame,
                PredictionColumns.of("tokens")).collectAsList());
        assertTrue(p.getMessage().contains("token id 25.0") && p.getMessage().contains("of partition"),
                p.getMessage());
    }
}
