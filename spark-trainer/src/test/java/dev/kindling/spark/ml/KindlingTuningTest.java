// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Layer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark's tuning on Kindling: CrossValidator over 2 learning rates x 2 epoch counts with 2 folds, and
 * TrainValidationSplit over two architectures (a grid over a non-numeric Param). Both copy the estimator with a
 * ParamMap per setting and fit each copy: the copies must share nothing, and the original must stay as it was.
 * 2,000 of the shipped digits keep it quick.
 */
class KindlingTuningTest {

    private static Pipeline pipeline(KindlingClassifier kindling) {
        VectorAssembler assembler = new VectorAssembler().setInputCols(new String[] {"pixels"})
                .setOutputCol("assembled");
        StandardScaler scaler = new StandardScaler().setInputCol("assembled").setOutputCol("features");
        return new Pipeline().setStages(new PipelineStage[] {assembler, scaler, kindling});
    }

    private static KindlingClassificationModel kindlingOf(org.apache.spark.ml.Model<?> model) {
        return (KindlingClassificationModel) ((PipelineModel) model).stages()[2];
    }

    @Test
    void crossValidatorOverLearningRatesAndEpochsPicksTheBestMeanMetric() {
        Dataset<Row> digits = Digits.train().limit(2000).cache();
        KindlingClassifier kindling = new KindlingClassifier().setLayers("dense(64, relu), dense(10, softmax)")
                .setBatchSize(64).setSeed(1).setVerbose(0);
        ParamMap[] grid = new ParamGridBuilder()
                .addGrid(kindling.learningRate(), new double[] {1e-4, 1e-3})
                .addGrid(kindling.epochs(), new int[] {1, 3})
                .build();
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");
        CrossValidator cv = new CrossValidator().setEstimator(pipeline(kindling)).setEstimatorParamMaps(grid)
                .setEvaluator(accuracy).setNumFolds(2).setSeed(7);
        CrossValidatorModel chosen = cv.fit(digits);

        double[] metrics = chosen.avgMetrics();
        assertEquals(4, metrics.length);
        int best = 0;
        for (int i = 0; i < grid.length; i++) {
            System.out.printf(Locale.ROOT, "CrossValidator: learningRate %s, epochs %s -> mean accuracy %.4f%n",
                    grid[i].apply(kindling.learningRate()), grid[i].apply(kindling.epochs()), metrics[i]);
            best = metrics[i] > metrics[best] ? i : best;
        }
        KindlingClassificationModel model = kindlingOf(chosen.bestModel());
        System.out.println("CrossValidator chose learningRate " + model.getLearningRate() + ", epochs "
                + model.getEpochs());
        assertEquals((double) grid[best].apply(kindling.learningRate()), model.getLearningRate());
        assertEquals((int) grid[best].apply(kindling.epochs()), model.getEpochs());
        assertEquals(model.getEpochs(), model.history().epochs(), "the best model was refit with its own epochs");
        // Settings that learn differently score differently: the four fits did not share one network.
        assertTrue(Arrays.stream(metrics).distinct().count() > 1, Arrays.toString(metrics));
        assertTrue(metrics[best] > 0.5, "the best setting learns: " + metrics[best]);
        // 3 epochs at the larger rate learn more than 1 at the smaller: both settings ran as asked.
        assertTrue(metrics[3] > metrics[0], Arrays.toString(metrics));

        assertFalse(kindling.isSet(kindling.learningRate()), "CrossValidator left the original estimator alone");
        assertFalse(kindling.isSet(kindling.epochs()));
        digits.unpersist();
    }

    @Test
    void trainValidationSplitOverArchitectures() {
        Dataset<Row> digits = Digits.train().limit(2000).cache();
        KindlingClassifier kindling = new KindlingClassifier().setEpochs(2).setBatchSize(64).setSeed(1).setVerbose(0);
        List<Layer> narrow = List.of(new Dense(8, Activation.RELU), new Dense(10, Activation.SOFTMAX));
        List<Layer> wide = List.of(new Dense(128, Activation.RELU), new Dense(10, Activation.SOFTMAX));
        ParamMap[] grid = new ParamGridBuilder()
                .addGrid(kindling.layers(), CollectionConverters.asScala(List.of(narrow, wide)))
                .build();
        TrainValidationSplit split = new TrainValidationSplit().setEstimator(pipeline(kindling))
                .setEstimatorParamMaps(grid).setTrainRatio(0.75).setSeed(3)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy"));
        TrainValidationSplitModel chosen = split.fit(digits);
        double[] metrics = chosen.validationMetrics();
        System.out.println("TrainValidationSplit: 8 hidden units " + metrics[0] + ", 128 hidden units " + metrics[1]);
        assertNotEquals(metrics[0], metrics[1]);
        KindlingClassificationModel model = kindlingOf(chosen.bestModel());
        assertEquals(metrics[0] > metrics[1] ? narrow : wide, model.getLayers());
        assertEquals(metrics[0] > metrics[1] ? 8 * 784 + 8 + 8 * 10 + 10 : 128 * 784 + 128 + 128 * 10 + 10,
                model.sequential().network().layout().size(), "the chosen network has its own architecture");
        digits.unpersist();
    }
}
