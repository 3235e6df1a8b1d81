// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.bench;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.spark.TensorFrames;
import dev.kindling.spark.ml.KindlingClassificationModel;
import dev.kindling.spark.ml.KindlingClassifier;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Kindling next to MLlib's MultilayerPerceptronClassifier through the same Spark ML Pipeline (VectorAssembler ->
 * StandardScaler -> classifier) on Fashion-MNIST 60,000 / 10,000 in one run: test accuracy and fit seconds of each,
 * then a CrossValidator over 2 learning rates x 2 epoch counts, 2 folds, with the choice and every metric. Not a
 * test: run through {@code scripts/bench ml}. Properties: {@code bench.data} (data/fashion-mnist),
 * {@code bench.master} (local[2]), {@code bench.epochs} (5), {@code bench.mllib.maxIter} (100),
 * {@code bench.cv} (true).
 */
public final class MlPipelineBench {

    private MlPipelineBench() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(System.getProperty("bench.data", "data/fashion-mnist"));
        String master = System.getProperty("bench.master", "local[2]");
        int epochs = Integer.getInteger("bench.epochs", 5);
        int maxIter = Integer.getInteger("bench.mllib.maxIter", 100);
        boolean cv = Boolean.parseBoolean(System.getProperty("bench.cv", "true"));
        SparkSession spark = SparkSession.builder().master(master).appName("kindling-ml-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        System.out.println("BLAS: " + Blas.implementationName() + "; master " + master + ", "
                + Runtime.getRuntime().availableProcessors() + " cores");

        Mnist mnist = Mnist.load(data);
        Dataset<Row> train = TensorFrames.of(spark, mnist.trainImages(), mnist.trainLabels(), 2, 255)
                .withColumnRenamed("features", "pixels").cache();
        Dataset<Row> test = TensorFrames.of(spark, mnist.testImages(), mnist.testLabels(), 2, 255)
                .withColumnRenamed("features", "pixels").cache();
        System.out.println(data + ": " + train.count() + " train rows, " + test.count() + " test rows");
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");

        KindlingClassifier kindling = new KindlingClassifier()
                .setLayers(new Dense(512, Activation.RELU), new Dense(10, Activation.SOFTMAX))
                .setOptimizer(Optimizer.rmsprop()).setLoss(Loss.CATEGORICAL_CROSSENTROPY)
                .setEpochs(epochs).setBatchSize(128).setSeed(1).setVerbose(0);
        MultilayerPerceptronClassifier mllib = new MultilayerPerceptronClassifier()
                .setLayers(new int[] {784, 512, 10}).setMaxIter(maxIter).setSeed(1L);
        System.out.println("Kindling: " + kindling.getLayers() + ", " + kindling.getOptimizer() + ", " + epochs
                + " epochs of batch 128");
        System.out.println("MLlib:    layers 784-512-10, solver " + mllib.getSolver() + ", maxIter " + maxIter
                + ", blockSize " + mllib.getBlockSize());

        double[] k = fitAndScore(pipeline(kindling), train, test, accuracy);
        System.out.printf(Locale.ROOT, "Kindling pipeline: test accuracy %.4f, fit %.1f s%n", k[0], k[1]);
        double[] m = fitAndScore(pipeline(mllib), train, test, accuracy);
        System.out.printf(Locale.ROOT, "MLlib MLP pipeline: test accuracy %.4f, fit %.1f s%n", m[0], m[1]);

        if (cv) {
            ParamMap[] grid = new ParamGridBuilder()
                    .addGrid(kindling.learningRate(), new double[] {1e-3, 1e-2})
                    .addGrid(kindling.epochs(), new int[] {1, 3})
                    .build();
            CrossValidator validator = new CrossValidator().setEstimator(pipeline(kindling))
                    .setEstimatorParamMaps(grid).setEvaluator(accuracy).setNumFolds(2).setSeed(1);
            long start = System.nanoTime();
            CrossValidatorModel chosen = validator.fit(train);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "CrossValidator, 2 folds, %d settings, %.1f s:%n", grid.length, seconds);
            for (int i = 0; i < grid.length; i++) {
                System.out.printf(Locale.ROOT, "  learningRate %s, epochs %s: mean validation accuracy %.4f%n",
                        grid[i].apply(kindling.learningRate()), grid[i].apply(kindling.epochs()),
                        chosen.avgMetrics()[i]);
            }
            KindlingClassificationModel best = (KindlingClassificationModel)
                    ((PipelineModel) chosen.bestModel()).stages()[2];
            System.out.printf(Locale.ROOT, "  chose learningRate %s, epochs %d: test accuracy %.4f%n",
                    best.getLearningRate(), best.getEpochs(), accuracy.evaluate(chosen.transform(test)));
        }
        spark.stop();
    }

    private static Pipeline pipeline(PipelineStage classifier) {
        VectorAssembler assembler = new VectorAssembler().setInputCols(new String[] {"pixels"})
                .setOutputCol("assembled");
        StandardScaler scaler = new StandardScaler().setInputCol("assembled").setOutputCol("features")
                .setWithMean(true).setWithStd(true);
        return new Pipeline().setStages(new PipelineStage[] {assembler, scaler, classifier});
    }

    /** Test accuracy and the wall seconds of {@code Pipeline.fit} (assembler, scaler and classifier). */
    private static double[] fitAndScore(Pipeline pipeline, Dataset<Row> train, Dataset<Row> test,
                                        MulticlassClassificationEvaluator accuracy) {
        long start = System.nanoTime();
        PipelineModel model = pipeline.fit(train);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new double[] {accuracy.evaluate(model.transform(test)), seconds};
    }
}
