// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.data.Sequences;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.GRU;
import dev.kindling.core.layers.LSTM;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.SimpleRNN;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Models over token sequences, chapter 6's: Keras's pad_sequences, summary shapes and parameter counts, training
 * each recurrence to an accuracy floor on a task that needs memory, bad token ids and lengths refused before
 * anything changes, save and load.
 */
class SequenceModelTest {
    private static final int VOCABULARY = 20;
    private static final int MAXLEN = 20;
    /** Chance is 0.5; each of the three recurrences reached 1.0 on this task (measured), the floor leaves room. */
    private static final double ACCURACY_FLOOR = 0.9;

    @Test
    void padSequencesHasKerasDefaults() {
        List<int[]> seqs = List.of(new int[] {1, 2, 3}, new int[] {4, 5}, new int[] {6, 7, 8, 9, 10});
        // pad_sequences(seqs, maxlen = 4): zeros in front, a long sequence keeps its last ids
        assertEquals(Tensor.of(new float[] {0, 1, 2, 3, 0, 0, 4, 5, 7, 8, 9, 10}, 3, 4),
                Sequences.padSequences(seqs, 4));
        assertEquals(Tensor.of(new float[] {1, 2, 3, 0, 4, 5, 0, 0, 6, 7, 8, 9}, 3, 4),
                Sequences.padSequences(seqs, 4, Sequences.Side.POST, Sequences.Side.POST, 0));
        // no maxlen: the longest sequence's length
        assertEquals(Tensor.of(new float[] {0, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 7, 8, 9, 10}, 3, 5),
                Sequences.padSequences(seqs));
        assertEquals(Sequences.Side.POST, Sequences.Side.fromKeyword("post"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sequences.Side.fromKeyword("middle"))
                .getMessage().contains("'middle'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sequences.padSequences(
                List.of(new int[] {1}, new int[] {2, -3}), 2)).getMessage().contains("sequence 1, position 1 has id -3"));
    }

    @Test
    void theChapter6LstmHasKerasShapesAndParameterCounts() {
        Sequential model = new Sequential(new Embedding(10000, 32).withInputLength(500), new LSTM(32),
                new Dense(1, Activation.SIGMOID));
        String summary = model.summary();
        String[][] rows = {
            {"embedding (Embedding)", "(None, 500, 32)", "320,000"},
            {"lstm (LSTM)", "(None, 32)", "8,320"},
            {"dense (Dense)", "(None, 1)", "33"}};
        for (String[] row : rows) {
            assertTrue(summary.lines().anyMatch(l -> l.contains(row[0]) && l.contains(row[1]) && l.trim().endsWith(row[2])),
                    "no row " + String.join(" | ", row) + " in\n" + summary);
        }
        assertTrue(summary.contains("Total params: 328,353"), summary);
        // stacked, with every step's output: Keras's (None, 500, 32) and GRU's 3*32*(32+32) + 2*3*32 weights
        String stacked = new Sequential(new Embedding(10000, 32).withInputLength(500),
                new GRU(32).withReturnSequences(true), new SimpleRNN(32), new Dense(1, Activation.SIGMOID)).summary();
        assertTrue(stacked.lines().anyMatch(l -> l.contains("gru (GRU)") && l.contains("(None, 500, 32)")
                && l.trim().endsWith("6,336")), stacked);
        assertTrue(stacked.lines().anyMatch(l -> l.contains("simple_rnn (SimpleRNN)") && l.contains("(None, 32)")
                && l.trim().endsWith("2,080")), stacked);
    }

    /**
     * Sequences of 5 to 20 ids drawn from 3..19, half of them with one id 1 somewhere and the other half with one
     * id 2 somewhere: the class is which of the two occurs. Padded in front, so the telling id may be 19 steps
     * before the end: the state must carry it.
     */
    static Tensor[] keyword(int n, long seed) {
        Random rng = new Random(seed);
        List<int[]> seqs = new ArrayList<>();
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int[] s = new int[5 + rng.nextInt(MAXLEN - 4)];
            for (int j = 0; j < s.length; j++) {
                s[j] = 3 + rng.nextInt(VOCABULARY - 3);
            }
            int label = rng.nextInt(2);
            s[rng.nextInt(s.length)] = label == 1 ? 1 : 2;
            seqs.add(s);
            y[i] = label;
        }
        return new Tensor[] {Sequences.padSequences(seqs, MAXLEN), Tensor.of(y, n, 1)};
    }

    private static Sequential model(Layer recurrent) {
        Sequential model = new Sequential(new Embedding(VOCABULARY, 8).withInputLength(MAXLEN), recurrent,
                new Dense(1, Activation.SIGMOID)).seed(11);
        model.compile(Optimizer.rmsprop(0.01), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        return model;
    }

    private static double trainedAccuracy(Layer recurrent) {
        Tensor[] train = keyword(512, 1);
        Tensor[] test = keyword(256, 2);
        Sequential model = model(recurrent);
        model.fit(train[0], train[1], FitOptions.builder().epochs(12).batchSize(32).seed(3).listeners().build());
        return model.evaluate(test[0], test[1]).metrics().get("accuracy");
    }

    @Test
    void anLstmLearnsWhichKeywordASequenceHolds() {
        double accuracy = trainedAccuracy(new LSTM(8));
        assertTrue(accuracy > ACCURACY_FLOOR, "LSTM test accuracy " + accuracy);
    }

    @Test
    void aGruWithRecurrentDropoutLearnsIt() {
        double accuracy = trainedAccuracy(new GRU(8).withDropout(0.1).withRecurrentDropout(0.1));
        assertTrue(accuracy > ACCURACY_FLOOR, "GRU test accuracy " + accuracy);
    }

    @Test
    void aSimpleRnnLearnsIt() {
        double accuracy = trainedAccuracy(new SimpleRNN(8));
        assertTrue(accuracy > ACCURACY_FLOOR, "SimpleRNN test accuracy " + accuracy);
    }

    @Test
    void aTokenIdOutOfRangeIsRefusedNamingRowAndValueAndChangesNothing() {
        Tensor[] data = keyword(40, 3);
        data[0].setFlat(7 * MAXLEN + 4, VOCABULARY);
        Sequential model = model(new LSTM(4));
        Tensor before = model.weights();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.fit(data[0], data[1],
                FitOptions.builder().epochs(1).batchSize(8).listeners().build()));
        assertTrue(e.getMessage().contains("row 7, timestep 4 has token id 20.0")
                && e.getMessage().contains("[0, 20)"), e.getMessage());
        assertEquals(before, model.weights());
        assertEquals(0, model.epochsTrained());
        data[0].setFlat(7 * MAXLEN + 4, 2.5);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> model.predict(data[0])).getMessage()
                .contains("token id 2.5"));
    }

    @Test
    void sequencesOfTheWrongLengthAreRefused() {
        Sequential model = model(new LSTM(4));
        Tensor shorter = Tensor.zeros(DType.FLOAT32, 3, MAXLEN - 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.predict(shorter));
        assertTrue(e.getMessage().contains(MAXLEN + " features per sample") && e.getMessage().contains("(3, 19)"),
                e.getMessage());
    }

    @Test
    void aTrainedSequenceModelSurvivesSaveAndLoad() throws Exception {
        Tensor[] data = keyword(64, 4);
        Sequential model = new Sequential(new Embedding(VOCABULARY, 4).withInputLength(MAXLEN),
                new GRU(4).withReturnSequences(true).withRecurrentDropout(0.2), new LSTM(3).withGoBackwards(true),
                new Dense(1, Activation.SIGMOID)).seed(2);
        model.compile(Optimizer.adam(), Loss.BINARY_CROSSENTROPY, Metric.ACCURACY);
        model.fit(data[0], data[1], FitOptions.builder().epochs(1).batchSize(16).listeners().build());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        model.save(bytes);
        Sequential loaded = Sequential.load(new ByteArrayInputStream(bytes.toByteArray()), "test");
        assertEquals(model.layers(), loaded.layers());
        assertEquals(model.predict(data[0]), loaded.predict(data[0]));
    }
}
