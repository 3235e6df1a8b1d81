// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.bench;

import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Sequences;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv1D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.GlobalMaxPooling1D;
import dev.kindling.core.layers.LSTM;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.MaxPooling1D;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Chapter 6's word-level workflows on a real text corpus: the section of a Debian package from its one-line
 * description, in the package index every Debian machine has ({@code /var/lib/apt/lists/*_Packages}, bookworm main,
 * decompressed by {@code scripts/bench packages}). The 8 largest sections, {@code PER_SECTION} packages drawn from
 * each (seed 1), 80% train / 20% test; words are lower-cased runs of letters, numbered by frequency in the training
 * descriptions as Keras's {@code text_tokenizer(num_words = 2000)} does (ids 1..1999, rarer words dropped), padded
 * as {@code pad_sequences(maxlen = 12)}. Writes the split to {@code DIR/train.csv} and {@code DIR/test.csv} (label,
 * then 12 ids) for {@code scripts/lib/pytorch_packages.py}, then trains an embedding + dense classifier, an LSTM
 * and a 1-d convnet, printing parameters, seconds per epoch and test accuracy. Not a test. Arguments: PACKAGES DIR.
 */
public final class PackageSectionBench {
    static final List<String> SECTIONS = List.of("libs", "libdevel", "python", "doc", "perl", "devel", "utils",
            "haskell");
    static final int PER_SECTION = 1500;
    static final int WORDS = 2000;
    static final int MAXLEN = 12;
    static final int EPOCHS = 5;

    private PackageSectionBench() {
    }

    public static void main(String[] args) throws IOException {
        Path packages = Path.of(args[0]);
        Path dir = Path.of(args[1]);
        Files.createDirectories(dir);
        Map<String, List<String>> bySection = new LinkedHashMap<>();
        SECTIONS.forEach(s -> bySection.put(s, new ArrayList<>()));
        String section = null;
        String description = null;
        for (String line : Files.readAllLines(packages, StandardCharsets.UTF_8)) {
            if (line.isEmpty()) {
                if (section != null && description != null && bySection.containsKey(section)) {
                    bySection.get(section).add(description);
                }
                section = null;
                description = null;
            } else if (line.startsWith("Section: ")) {
                section = line.substring(9).trim();
            } else if (line.startsWith("Description: ")) {
                description = line.substring(13).trim();
            }
        }
        Random rng = new Random(1);
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int s = 0; s < SECTIONS.size(); s++) {
            List<String> own = new ArrayList<>(bySection.get(SECTIONS.get(s)));
            Collections.shuffle(own, rng);
            for (String d : own.subList(0, PER_SECTION)) {
                texts.add(d);
                labels.add(s);
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, rng);
        int trainCount = texts.size() * 4 / 5;
        Map<String, Integer> frequency = new HashMap<>();
        for (int k = 0; k < trainCount; k++) {
            for (String w : words(texts.get(order.get(k)))) {
                frequency.merge(w, 1, Integer::sum);
            }
        }
        Map<String, Integer> ids = new HashMap<>();
        frequency.entrySet().stream().sorted((a, b) -> !b.getValue().equals(a.getValue()) ? b.getValue() - a.getValue()
                : a.getKey().compareTo(b.getKey())).limit(WORDS - 1).forEach(e -> ids.put(e.getKey(), ids.size() + 1));
        List<int[]> trainSeqs = new ArrayList<>();
        List<int[]> testSeqs = new ArrayList<>();
        float[] trainY = new float[trainCount];
        float[] testY = new float[texts.size() - trainCount];
        for (int k = 0; k < texts.size(); k++) {
            int i = order.get(k);
            int[] seq = words(texts.get(i)).stream().filter(ids::containsKey).mapToInt(ids::get).toArray();
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
        System.out.printf(Locale.ROOT, "descriptions: %d train, %d test, %d sections, %d distinct words in training"
                + " (kept %d)%n", trainCount, testY.length, SECTIONS.size(), frequency.size(), ids.size());
        Tensor trainT = Labels.toCategorical(Tensor.of(trainY, trainY.length), SECTIONS.size());
        Tensor testT = Labels.toCategorical(Tensor.of(testY, testY.length), SECTIONS.size());
        Map<String, List<Layer>> middles = new LinkedHashMap<>();
        middles.put("Flatten -> Dense(32, relu)", List.of(new Flatten(), new Dense(32, Activation.RELU)));
        middles.put("LSTM(32)", List.of(new LSTM(32)));
        middles.put("Conv1D(32, 3, same) -> MaxPooling1D(2) -> Conv1D(32, 3, same) -> GlobalMaxPooling1D", List.of(
                new Conv1D(32, 3, Activation.RELU).withPadding(Padding.SAME), new MaxPooling1D(2),
                new Conv1D(32, 3, Activation.RELU).withPadding(Padding.SAME), new GlobalMaxPooling1D()));
        for (Map.Entry<String, List<Layer>> e : middles.entrySet()) {
            List<Layer> layers = new ArrayList<>();
            layers.add(new Embedding(WORDS, 32).withInputLength(MAXLEN));
            layers.addAll(e.getValue());
            layers.add(new Dense(SECTIONS.size(), Activation.SOFTMAX));
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
            double mean = Arrays.stream(seconds, 1, EPOCHS).average().orElse(0);
            double accuracy = model.evaluate(testX, testT).metrics().get("accuracy");
            System.out.printf(Locale.ROOT, "Kindling %s: %,d parameters, %.2f s/epoch (epochs 2..%d), test accuracy"
                    + " %.4f after %d epochs%n", e.getKey(), params, mean, EPOCHS, accuracy, EPOCHS);
        }
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}]+")).filter(w -> !w.isEmpty()).toList();
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
