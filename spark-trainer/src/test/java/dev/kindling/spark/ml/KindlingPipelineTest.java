// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.model.FitLoop;
import dev.kindling.core.optim.Optimizer;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipelines on the shipped digits in local[2]: VectorAssembler -> StandardScaler -> Kindling, for ten
 * classes, for "a 7 or not" with one sigmoid unit, and for a regression; each evaluated with Spark's own
 * evaluator, the first saved and loaded as a PipelineModel.
 */
class KindlingPipelineTest {
    private static final double REQUIRED_ACCURACY = 0.93;
    private static final double REQUIRED_AREA_UNDER_ROC = 0.98;
    /** The regression target's variance explained: 0.934 measured with these settings (the test prints it). */
    private static final double REQUIRED_R2 = 0.9;

    /** pixels plus a second input, the mean brightness, so that the assembler has something to assemble. */
    private static Dataset<Row> withInk(Dataset<Row> digits) {
        Column pixels = org.apache.spark.ml.functions.vector_to_array(functions.col("pixels"), "float64");
        return digits.withColumn("ink", functions.aggregate(pixels, functions.lit(0.0), Column::plus)
                .divide(784));
    }

    private static PipelineStage[] stages(PipelineStage last, String... inputs) {
        VectorAssembler assembler = new VectorAssembler().setInputCols(inputs).setOutputCol("assembled");
        StandardScaler scaler = new StandardScaler().setInputCol("assembled").setOutputCol("features")
                .setWithMean(true).setWithStd(true);
        return new PipelineStage[] {assembler, scaler, last};
    }

    @Test
    void tenDigitsThroughAPipelineThenSavedAndLoadedPredictTheSame(@TempDir Path dir) throws java.io.IOException {
        Dataset<Row> train = withInk(Digits.train());
        Dataset<Row> test = withInk(Digits.test());
        KindlingClassifier kindling = new KindlingClassifier()
                .setLayers(new Dense(512, Activation.RELU), new Dense(10, Activation.SOFTMAX))
                .setOptimizer(Optimizer.rmsprop()).setLoss(Loss.CATEGORICAL_CROSSENTROPY)
                .setEpochs(5).setBatchSize(128).setValidationSplit(0.2).setSeed(1).setVerbose(0)
                .setFeaturesCol("features").setLabelCol("label");
        PipelineModel model = new Pipeline().setStages(stages(kindling, "pixels", "ink")).fit(train);
        Dataset<Row> predicted = model.transform(test);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        KindlingClassificationModel fitted = (KindlingClassificationModel) model.stages()[2];
        System.out.println("digits pipeline: test accuracy " + accuracy + "; " + fitted.summary());
        assertTrue(accuracy >= REQUIRED_ACCURACY, "test accuracy " + accuracy);
        assertEquals(List.of("pixels", "label", "ink", "assembled", "features", "rawPrediction", "probability",
                "prediction"), List.of(predicted.columns()));
        assertEquals(10, fitted.numClasses());
        assertEquals(785, fitted.numFeatures());
        assertEquals(5, fitted.history().epochs());
        assertEquals(List.of("loss", "accuracy", "val_loss", "val_accuracy", FitLoop.LEARNING_RATE),
                List.copyOf(fitted.history().asMap().keySet()));
        assertEquals(List.of(1e-3, 1e-3, 1e-3, 1e-3, 1e-3), fitted.history().get(FitLoop.LEARNING_RATE));
        assertEquals(5 * 50, fitted.summary().totalIterations(), "6,400 training rows in batches of 128, 5 epochs");

        String path = dir.resolve("digits-pipeline").toUri().toString();
        model.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        List<Row> before = predicted.select("rawPrediction", "probability", "prediction").collectAsList();
        List<Row> after = loaded.transform(test).select("rawPrediction", "probability", "prediction").collectAsList();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertEquals(before.get(i), after.get(i), "row " + i + " after PipelineModel.save/load");
        }
        KindlingClassificationModel reloaded = (KindlingClassificationModel) loaded.stages()[2];
        assertEquals(fitted.uid(), reloaded.uid());
        assertEquals(fitted.sequential().weights(), reloaded.sequential().weights());
        assertEquals(fitted.history().asMap(), reloaded.history().asMap());
        assertEquals(fitted.extractParamMap().toString(), reloaded.extractParamMap().toString());
    }

    @Test
    void sevenOrNotWithOneSigmoidUnitRanksByRawPrediction() {
        Dataset<Row> train = withInk(Digits.train()).withColumn("label",
                functions.when(functions.col("label").equalTo(7), 1.0).otherwise(0.0));
        Dataset<Row> test = withInk(Digits.test()).withColumn("label",
                functions.when(functions.col("label").equalTo(7), 1.0).otherwise(0.0));
        KindlingClassifier kindling = new KindlingClassifier().setLayers("dense(64, relu), dense(1, sigmoid)")
                .setLoss(Loss.BINARY_CROSSENTROPY).setEpochs(3).setBatchSize(128).setSeed(1).setVerbose(0);
        PipelineModel model = new Pipeline().setStages(stages(kindling, "pixels", "ink")).fit(train);
        Dataset<Row> predicted = model.transform(test).cache();
        double auc = new BinaryClassificationEvaluator().setRawPredictionCol("rawPrediction")
                .setMetricName("areaUnderROC").evaluate(predicted);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        System.out.println("7-or-not pipeline: areaUnderROC " + auc + ", accuracy " + accuracy);
        assertTrue(auc >= REQUIRED_AREA_UNDER_ROC, "areaUnderROC " + auc);

        List<Row> rows = predicted.select("probability", "prediction").collectAsList();
        long sevens = 0;
        for (Row r : rows) {
            double p = ((Vector) r.getAs(0)).apply(1);
            assertEquals(p > 0.5 ? 1.0 : 0.0, r.getDouble(1), 0.0, "class 1 exactly when p > 0.5");
            sevens += (long) r.getDouble(1);
        }
        long actual = predicted.filter("label = 1").count();
        assertTrue(sevens > actual / 2 && sevens < 2 * actual, "predicted sevens " + sevens + ", actual " + actual);

        // The training stage (many steps per Spark job) learns the same network and the same history.
        KindlingClassificationModel fitted = (KindlingClassificationModel) model.stages()[2];
        PipelineModel staged = new Pipeline().setStages(stages(kindling.copy(new org.apache.spark.ml.param.ParamMap())
                .setStepsPerJob(1000), "pixels", "ink")).fit(train);
        KindlingClassificationModel stagedFit = (KindlingClassificationModel) staged.stages()[2];
        assertEquals(fitted.sequential().weights(), stagedFit.sequential().weights(), "stepsPerJob 1000 vs 1");
        assertEquals(fitted.history().asMap(), stagedFit.history().asMap());

        // A stricter threshold on the fitted model predicts fewer sevens, never more.
        fitted.setThreshold(0.9);
        long strict = model.transform(test).filter("prediction = 1").count();
        assertTrue(strict <= sevens, strict + " > " + sevens);
        predicted.unpersist();
    }

    @Test
    void howMuchOfTheFrameTheDigitCoversAsARegression() {
        // The target: the percentage of pixels brighter than 0.5, a step function of each pixel, not linear in them.
        Column pixels = org.apache.spark.ml.functions.vector_to_array(functions.col("pixels"), "float64");
        Column covered = functions.aggregate(pixels, functions.lit(0.0),
                (sum, x) -> sum.plus(functions.when(x.gt(0.5), 100.0 / 784).otherwise(0.0)));
        Dataset<Row> train = Digits.train().withColumn("label", covered);
        Dataset<Row> test = Digits.test().withColumn("label", covered);
        KindlingRegressor kindling = new KindlingRegressor().setLayers("dense(64, relu), dense(1, linear)")
                .setOptimizer(Optimizer.adam()).setEpochs(5).setBatchSize(64).setSeed(1).setVerbose(0);
        PipelineModel model = new Pipeline().setStages(stages(kindling, "pixels")).fit(train);
        Dataset<Row> predicted = model.transform(test).cache();
        RegressionEvaluator evaluator = new RegressionEvaluator();
        double rmse = evaluator.setMetricName("rmse").evaluate(predicted);
        double r2 = evaluator.setMetricName("r2").evaluate(predicted);
        System.out.println("covered-pixels regression pipeline: rmse " + rmse + ", r2 " + r2);
        assertTrue(r2 >= REQUIRED_R2, "r2 " + r2 + ", rmse " + rmse);

        KindlingRegressionModel fitted = (KindlingRegressionModel) model.stages()[2];
        Row first = predicted.select("features", "prediction").head();
        assertEquals(first.getDouble(1), fitted.predict((Vector) first.getAs(0)), Tolerances.FLOAT32_SUMS * Math.abs(first.getDouble(1)),
                "the one-row API agrees with transform");
        assertArrayEquals(new String[] {"pixels", "label", "assembled", "features", "prediction"}, predicted.columns());
        predicted.unpersist();
    }
}
