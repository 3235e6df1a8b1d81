// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.bench;

import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Sequences;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Bidirectional;
import dev.kindling.core.layers.Conv1D;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.GlobalMaxPooling1D;
import dev.kindling.core.layers.MaxPooling1D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.GRU;
import dev.kindling.core.layers.LSTM;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Chapter 6's character-level workflow on real words: which language is this word? Debian's word lists
 * ({@code wamerican}, {@code wfrench}, {@code wngerman}, {@code witalian}, {@code wspanish}), lower-cased, letters
 * only, words found in more than one list dropped; {@code PER_LANGUAGE} words drawn from each (seed 1), 80% train,
 * 20% test; characters numbered from 2 by their frequency in the training words (1 = a character never seen in
 * training, 0 = padding), sequences padded as {@code pad_sequences(maxlen = 16)}. Writes the split to
 * {@code DIR/train.csv} and {@code DIR/test.csv} (label, then 16 ids) so that {@code scripts/lib/pytorch_words.py}
 * trains on exactly the same data, then trains four models after an {@code Embedding(vocabulary, 16)}: an
 * embedding + dense classifier, a 1-d convnet, a GRU and a Bidirectional LSTM, and prints each one's parameters,
 * seconds per epoch and test accuracy. Not a test: run through {@code scripts/bench words}. Argument: DIR.
 */
public final class WordLanguageBench {
    static final String[] LISTS = {"american-english", "french", "ngerman", "italian", "spanish"};
    static final int PER_LANGUAGE = 4000;
    static final int MAXLEN = 16;
    static final int EPOCHS = 5;

    private WordLanguageBench() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/bench-words");
        Files.createDirectories(dir);
        List<Set<String>> lists = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String name : LISTS) {
            Set<String> words = new HashSet<>();
            for (String line : Files.readAllLines(Path.of("/usr/share/dict", name), StandardCharsets.UTF_8)) {
                String w = line.trim().toLowerCase(Locale.ROOT);
                if (w.length() >= 2 && w.chars().allMatch(Character::isLetter)) {
                    words.add(w);
                }
            }
            words.forEach(w -> seen.merge(w, 1, Integer::sum));
            lists.add(words);
        }
        Random rng = new Random(1);
        List<String> words = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int lang = 0; lang < LISTS.length; lang++) {
            List<String> own = new ArrayList<>(lists.get(lang).stream().filter(w -> seen.get(w) == 1).sorted().toList());
            Collections.shuffle(own, rng);
            for (String w : own.subList(0, PER_LANGUAGE)) {
                words.add(w);
                labels.add(lang);
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, rng);
        int trainCount = words.size() * 4 / 5;
        Map<Integer, Integer> frequency = new HashMap<>();
        for (int i = 0; i < trainCount; i++) {
            words.get(order.get(i)).codePoints().forEach(c -> frequency.merge(c, 1, Integer::sum));
        }
        Map<Integer, Integer> ids = new LinkedHashMap<>();
        frequency.entrySet().stream().sorted((a, b) -> b.getValue() != a.getValue().intValue()
                ? b.getValue() - a.getValue() : a.getKey() - b.getKey()).forEach(e -> ids.put(e.getKey(), ids.size() + 2));
        int vocabulary = ids.size() + 2;
        List<int[]> trainSeqs = new ArrayList<>();
        List<int[]> testSeqs = new ArrayList<>();
        float[] trainY = new float[trainCount];
        float[] testY = new float[words.size() - trainCount];
        for (int k = 0; k < words.size(); k++) {
            int i = order.get(k);
            int[] seq = words.get(i).codePoints().map(c -> ids.getOrDefault(c, 1)).toArray();
            if (k < trainCount) {
                trainSeqs.add(seq);
                trainY[k] = labels.get(i);
            } else {
                testSeqs.add(seq);
                testY[k - trainCount] = labels.get(i);
            }
        }
        Tensor trainX = Sequences.padSequences(trainSeqs, MAXLEN);
        Tensor testX = Sequences.padSequences(testSeqs, MAXLEN);
        write(dir.resolve("train.csv"), trainX, trainY);
        write(dir.resolve("test.csv"), testX, testY);
        System.out.printf(Locale.ROOT, "words: %d train, %d test, %d languages, vocabulary %d (with 0 and 1)%n",
                trainCount, testY.length, LISTS.length, vocabulary);
        Tensor trainT = Labels.toCategorical(Tensor.of(trainY, trainY.length), LISTS.length);
        Tensor testT = Labels.toCategorical(Tensor.of(testY, testY.length), LISTS.length);
        Map<String, List<Layer>> middles = new LinkedHashMap<>();
        middles.put("Flatten -> Dense(32, relu)", List.of(new Flatten(), new Dense(32, Activation.RELU)));
        middles.put("Conv1D(32, 3) -> MaxPooling1D(2) -> Conv1D(32, 3) -> GlobalMaxPooling1D", List.of(
                new Conv1D(32, 3, Activation.RELU), new MaxPooling1D(2), new Conv1D(32, 3, Activation.RELU),
                new GlobalMaxPooling1D()));
        middles.put("GRU(32)", List.of(new GRU(32)));
        middles.put("Bidirectional(LSTM(32))", List.of(new Bidirectional(new LSTM(32))));
        for (Map.Entry<String, List<Layer>> e : middles.entrySet()) {
            List<Layer> layers = new ArrayList<>();
            layers.add(new Embedding(vocabulary, 16).withInputLength(MAXLEN));
            layers.addAll(e.getValue());
            layers.add(new Dense(LISTS.length, Activation.SOFTMAX));
            Sequential model = new Sequential(layers).seed(1);
            model.compile(Optimizer.adam(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
            int params = model.network().layout().size();
            double[] seconds = new double[EPOCHS];
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                long start = System.nanoTime();
                model.fit(trainX, trainT, FitOptions.builder().epochs(1).batchSize(64).seed(1 + epoch).listeners()
                        .build());
                seconds[epoch] = (System.nanoTime() - start) / 1e9;
            }
            double mean = 0;
            for (int epoch = 1; epoch < EPOCHS; epoch++) {
                mean += seconds[epoch] / (EPOCHS - 1);
            }
            double accuracy = model.evaluate(testX, testT).metrics().get("accuracy");
            System.out.printf(Locale.ROOT, "Kindling %s: %,d parameters, %.2f s/epoch (epochs 2..%d), test accuracy"
                    + " %.4f after %d epochs%n", e.getKey(), params, mean, EPOCHS, accuracy, EPOCHS);
        }
    }

    private static void write(Path file, Tensor x, float[] y) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < y.length; r++) {
            sb.append((int) y[r]);
            for (int t = 0; t < MAXLEN; t++) {
                sb.append(',').append((int) x.getFlat(r * MAXLEN + t));
            }
            sb.append('\n');
        }
        Files.writeString(file, sb);
    }
}
