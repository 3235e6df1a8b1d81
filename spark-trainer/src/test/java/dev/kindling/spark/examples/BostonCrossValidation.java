// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.examples;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.spark.ml.KindlingRegressor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Chapter 3's Boston housing regression with k-fold validation, the Spark way: a {@link Pipeline} (VectorAssembler ->
 * StandardScaler with mean and standard deviation -> {@link KindlingRegressor}: Dense(64, relu) -> Dense(64, relu) ->
 * Dense(1), RMSProp, mean squared error) under Spark ML's {@link CrossValidator} with a fold column and a
 * {@link RegressionEvaluator} of {@code mae}. The scaler is fitted inside each fold on that fold's training rows,
 * so validation rows never leak into the normalization (the book normalizes with the training data's means and
 * standard deviations). Prints each fold's validation mae, then their mean, as the book does.
 *
 * <p>The rows of {@code data/boston-housing/boston.csv} ({@code scripts/fetch-chapter3-data}) are shuffled with the
 * seed; the first 404 (Keras's 80%) are the training data, cut into 4 folds of consecutive rows as the book's
 * {@code cut(1:nrow, breaks = k)}; the last 102 are held out. The book's k-fold run used batches of 1 for 100
 * epochs; this uses its final fit's settings, 80 epochs of batch 16.
 *
 * <p>Usage: {@code BostonCrossValidation [BOSTON_CSV [OUT_DIR [MASTER [SEED]]]]}; with OUT_DIR it writes the rows
 * with their fold ({@code -1} held out) as {@code boston-folds.csv} for the PyTorch anchor of
 * {@code scripts/bench chapter3}.
 */
public final class BostonCrossValidation {
    public static final String[] FEATURES = {"crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax",
        "ptratio", "black", "lstat"};
    public static final String TARGET = "medv";
    public static final int FOLDS = 4;

    private BostonCrossValidation() {
    }

    /** Per-fold validation mae and CrossValidator's own average of them. */
    public record Result(double[] foldMae, double meanMae) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            for (int k = 0; k < foldMae.length; k++) {
                s.append(String.format(Locale.ROOT, "fold %d validation mae %.3f%n", k + 1, foldMae[k]));
            }
            return s.append(String.format(Locale.ROOT, "mean validation mae %.3f", meanMae)).toString();
        }
    }

    /**
     * The estimator: features assembled, standardized with the training rows' statistics, then the network, trained
     * with RMSProp at {@code learningRate} (Keras's default 0.001 in the book).
     */
    public static Pipeline pipeline(int epochs, int batchSize, double learningRate, long seed) {
        VectorAssembler assembler = new VectorAssembler().setInputCols(FEATURES).setOutputCol("raw");
        StandardScaler scaler = new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true)
                .setWithStd(true);
        KindlingRegressor regressor = new KindlingRegressor().setLabelCol(TARGET)
                .setLayers(new Dense(64, Activation.RELU), new Dense(64, Activation.RELU), new Dense(1))
                .setOptimizer(Optimizer.rmsprop(learningRate)).setEpochs(epochs).setBatchSize(batchSize).setSeed(seed).setVerbose(0);
        return new Pipeline().setStages(new PipelineStage[] {assembler, scaler, regressor});
    }

    /**
     * k-fold validation of {@link #pipeline} over the rows whose integer column {@code fold} is in {@code [0, k)}:
     * each fold's mae from the sub-model trained without it, and CrossValidator's mean.
     */
    public static Result crossValidate(Dataset<Row> rows, int epochs, int batchSize, double learningRate, long seed) {
        RegressionEvaluator mae = new RegressionEvaluator().setLabelCol(TARGET).setPredictionCol("prediction")
                .setMetricName("mae");
        ParamMap[] noGrid = new ParamGridBuilder().build();
        CrossValidator cv = new CrossValidator().setEstimator(pipeline(epochs, batchSize, learningRate, seed))
                .setEstimatorParamMaps(noGrid).setEvaluator(mae).setNumFolds(FOLDS).setFoldCol("fold").setCollectSubModels(true);
        CrossValidatorModel fitted = cv.fit(rows);
        Model<?>[][] sub = fitted.subModels();
        double[] folds = new double[sub.length];
        for (int k = 0; k < sub.length; k++) {
            folds[k] = mae.evaluate(sub[k][0].transform(rows.filter("fold = " + k)));
        }
        return new Result(folds, fitted.avgMetrics()[0]);
    }

    /** MASS's rows, shuffled with {@code seed}: 404 training rows in 4 folds of consecutive rows, 102 held out (-1). */
    public static Dataset<Row> withFolds(SparkSession spark, List<double[]> table, long seed) {
        List<double[]> shuffled = new ArrayList<>(table);
        Collections.shuffle(shuffled, new Random(seed));
        int train = (int) (shuffled.size() * 0.8);
        int perFold = (train + FOLDS - 1) / FOLDS;
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < shuffled.size(); r++) {
            Object[] values = new Object[FEATURES.length + 2];
            for (int c = 0; c <= FEATURES.length; c++) {
                values[c] = shuffled.get(r)[c];
            }
            values[FEATURES.length + 1] = r < train ? r / perFold : -1;
            rows.add(RowFactory.create(values));
        }
        StructType schema = new StructType();
        for (String f : FEATURES) {
            schema = schema.add(f, DataTypes.DoubleType, false);
        }
        schema = schema.add(TARGET, DataTypes.DoubleType, false).add("fold", DataTypes.IntegerType, false);
        return spark.createDataFrame(rows, schema);
    }

    /**
     * The rows of a CSV with a header naming the 13 features and medv (in any order).
     *
     * @throws IllegalArgumentException naming the file, line and column of a missing column or a bad number
     */
    public static List<double[]> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(csv + ": empty, expected a header");
        }
        List<String> header = Arrays.asList(lines.get(0).split(","));
        int[] index = new int[FEATURES.length + 1];
        for (int c = 0; c < index.length; c++) {
            String name = c < FEATURES.length ? FEATURES[c] : TARGET;
            index[c] = header.indexOf(name);
            if (index[c] < 0) {
                throw new IllegalArgumentException(csv + ", line 1: no column '" + name + "' in the header " + header);
            }
        }
        List<double[]> table = new ArrayList<>();
        for (int l = 1; l < lines.size(); l++) {
            String[] fields = lines.get(l).split(",", -1);
            double[] row = new double[index.length];
            for (int c = 0; c < index.length; c++) {
                String name = header.get(index[c]);
                try {
                    row[c] = Double.parseDouble(fields[index[c]]);
                } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                    throw new IllegalArgumentException(csv + ", line " + (l + 1) + ", column " + name
                            + ": expected a number, got '" + (index[c] < fields.length ? fields[index[c]] : "") + "'");
                }
            }
            table.add(row);
        }
        return table;
    }

    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args.length > 0 ? args[0] : "data/boston-housing/boston.csv");
        Path out = args.length > 1 ? Path.of(args[1]) : null;
        String master = args.length > 2 ? args[2] : "local[2]";
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1L;
        if (!Files.isRegularFile(csv)) {
            System.err.println(csv + ": no such file; run scripts/fetch-chapter3-data first");
            System.exit(2);
        }
        SparkSession spark = SparkSession.builder().master(master).appName("kindling-boston-cv")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Dataset<Row> rows = withFolds(spark, read(csv), seed).cache();
            if (out != null) {
                Files.createDirectories(out);
                try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("boston-folds.csv")))) {
                    w.println(String.join(",", FEATURES) + "," + TARGET + ",fold");
                    for (Row r : rows.collectAsList()) {
                        StringBuilder line = new StringBuilder();
                        for (int c = 0; c < r.length(); c++) {
                            line.append(c == 0 ? "" : ",").append(r.get(c));
                        }
                        w.println(line);
                    }
                }
            }
            long start = System.nanoTime();
            Result result = crossValidate(rows.filter("fold >= 0"), 80, 16, 0.001, seed);
            System.out.println(result);
            System.out.printf(Locale.ROOT, "Kindling Boston %d-fold (CrossValidator over KindlingRegressor, %s): mean"
                    + " validation mae %.3f, %.1f s%n", FOLDS, master, result.meanMae(), (System.nanoTime() - start) / 1e9);
        } finally {
            spark.stop();
        }
    }
}
