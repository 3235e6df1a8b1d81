// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.TestSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.ParamsSuite$;
import org.apache.spark.ml.util.MLTestingUtils$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's own conformance checks for ML stages (ParamsSuite.checkParams, MLTestingUtils.checkCopyAndUids, as MLlib's
 * suites run them on its predictors), the Params' names, docs, defaults and validation, the layers spec, and
 * estimators saved and loaded with every Param.
 */
class KindlingParamsTest {

    private static Dataset<Row> blobs() {
        Object[] data = TestSpark.blobs(120, 5);
        return TestSpark.frame(TestSpark.local(), (Tensor) data[0], (int[]) data[1], 2);
    }

    private static Dataset<Row> line() {
        return blobs().withColumn("label",
                org.apache.spark.ml.functions.vector_to_array(functions.col("features"), "float64").getItem(0));
    }

    @Test
    void anOptimizerSpecTakesKerasArgumentsAsTheLayersSpecDoes() {
        assertEquals(Optimizer.adam(0.01), new KindlingClassifier().setOptimizer("adam(learning_rate=0.01)")
                .getOptimizer());
        assertEquals(Optimizer.adam(0.01), new KindlingRegressor().setOptimizer("Adam(0.01)").getOptimizer());
        assertEquals(Optimizer.rmsprop(), new KindlingClassifier().setOptimizer("rmsprop").getOptimizer());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KindlingClassifier().setOptimizer("adam(learning_rate=0.01, momentum=0.9)"));
        assertEquals("optimizer \"adam(learning_rate=0.01, momentum=0.9)\": adam has no argument 'momentum'; it takes"
                + " learning_rate, beta_1, beta_2, epsilon", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new KindlingClassifier().setOptimizer("adamw"));
        assertTrue(e.getMessage().startsWith("optimizer \"adamw\": unknown optimizer 'adamw', expected one of "),
                e.getMessage());
    }

    @Test
    void sparksConformanceChecksPassForEstimatorsAndModels() {
        KindlingClassifier classifier = new KindlingClassifier().setLayers("dense(8, relu), dense(3, softmax)")
                .setEpochs(2).setVerbose(0);
        KindlingClassificationModel classification = classifier.fit(blobs());
        ParamsSuite$.MODULE$.checkParams(classifier);
        ParamsSuite$.MODULE$.checkParams(classification);
        MLTestingUtils$.MODULE$.checkCopyAndUids(classifier, classification);

        KindlingRegressor regressor = new KindlingRegressor().setLayers("dense(8, relu), dense(1, linear)")
                .setEpochs(2).setVerbose(0);
        KindlingRegressionModel regression = regressor.fit(line());
        ParamsSuite$.MODULE$.checkParams(regressor);
        ParamsSuite$.MODULE$.checkParams(regression);
        MLTestingUtils$.MODULE$.checkCopyAndUids(regressor, regression);

        // the fitted model carries the estimator's values, as MLlib's models do
        assertEquals(2, classification.getEpochs());
        assertEquals(classifier.getLayers(), classification.getLayers());
        assertEquals(classifier.uid(), classification.uid());
    }

    @Test
    void paramsHaveKerasNamesDocsDefaultsAndNameMllibsEquivalents() {
        KindlingClassifier k = new KindlingClassifier();
        for (String name : List.of("layers", "optimizer", "learningRate", "loss", "epochs", "batchSize",
                "validationSplit", "seed", "partitions", "stepsPerJob", "handleInvalid", "verbose", "threshold",
                "initialModel", "initialLayers", "frozenLayers")) {
            Param<?> p = k.getParam(name);
            assertFalse(p.doc().isBlank(), name);
            assertEquals(k.uid(), p.parent(), name);
        }
        assertTrue(k.learningRate().doc().contains("stepSize"));
        assertTrue(k.epochs().doc().contains("maxIter"));
        assertFalse(k.isDefined(k.learningRate()), "no learning rate: the optimizer's own");
        assertFalse(k.isDefined(k.layers()), "layers have no default, as MLlib's MLP");
        assertEquals(1, k.getEpochs(), "Keras's default");
        assertEquals(32, k.getBatchSize(), "Keras's default");
        assertEquals(0.0, k.getValidationSplit());
        assertEquals(Optimizer.rmsprop(), k.getOptimizer(), "Keras's compile default");
        assertEquals("categorical_crossentropy", k.getLoss());
        assertEquals("error", k.getHandleInvalid());
        assertEquals(dev.kindling.spark.SparkTrainer.DEFAULT_STEPS_PER_JOB, k.getStepsPerJob());
        assertThrows(IllegalArgumentException.class, () -> k.setStepsPerJob(0));
        assertEquals(0.5, k.getThreshold());
        assertEquals("mean_squared_error", new KindlingRegressor().getLoss());
        assertFalse(new KindlingRegressor().hasParam("threshold"));

        assertEquals(Optimizer.rmsprop(0.01), k.setLearningRate(0.01).effectiveOptimizer(),
                "learningRate overrides the optimizer's rate");
        assertEquals(Optimizer.adam(0.01), k.setOptimizer("adam").effectiveOptimizer());
        String explained = k.explainParams();
        assertTrue(explained.contains("learningRate: when set, replaces the optimizer's own learning rate")
                && explained.contains("current: 0.01"), explained);
    }

    @Test
    void aLossRegisteredByTheUserIsAcceptedAsABuiltInOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KindlingClassifier().setLoss("squared_hinge_test"));
        assertTrue(e.getMessage().contains("unknown loss 'squared_hinge_test'"), e.getMessage());
        Loss hinge = new Loss() {
            @Override
            public String keyword() {
                return "squared_hinge_test";
            }

            @Override
            public dev.kindling.core.autodiff.Variable perSample(dev.kindling.core.autodiff.Variable z,
                                                                 Activation activation, dev.kindling.core.tensor.Tensor y) {
                throw new UnsupportedOperationException("not trained here");
            }
        };
        dev.kindling.core.registry.Registry.loss(hinge);
        assertEquals("squared_hinge_test", new KindlingClassifier().setLoss("squared_hinge_test").getLoss());
        assertEquals("squared_hinge_test", new KindlingRegressor().setLoss("squared_hinge_test").getLoss());
        assertThrows(IllegalArgumentException.class, () -> new KindlingRegressor().setLoss("binary_crossentropy"));
        // Judged by the last layer when it fits: softmax over classes or one sigmoid unit classify.
        KindlingClassifier.checkArchitecture(List.of(new Dense(3, Activation.SOFTMAX)), hinge, 3, -1);
        e = assertThrows(IllegalArgumentException.class, () -> KindlingClassifier.checkArchitecture(
                List.of(new Dense(3, Activation.RELU)), hinge, 3, -1));
        assertTrue(e.getMessage().contains("with the loss squared_hinge_test the last layer must be softmax"),
                e.getMessage());
        KindlingRegressor.checkArchitecture(List.of(new Dense(1)), hinge, 1, -1);
    }

    @Test
    void badParamValuesAreRefusedWithTheReason() {
        KindlingClassifier k = new KindlingClassifier();
        assertThrows(IllegalArgumentException.class, () -> k.setLearningRate(-1));
        assertThrows(IllegalArgumentException.class, () -> k.setEpochs(0));
        assertThrows(IllegalArgumentException.class, () -> k.setValidationSplit(1.0));
        assertThrows(IllegalArgumentException.class, () -> k.setHandleInvalid("keep"));
        assertThrows(IllegalArgumentException.class, () -> k.setThreshold(1.5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> k.setLoss("mean_squared_error"));
        assertTrue(e.getMessage().contains("loss given invalid value mean_squared_error"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> k.setLayers("dense(64, relux), dense(10, softmax)"));
        assertTrue(e.getMessage().contains("layer 1 'dense(64, relux)'")
                && e.getMessage().contains("unknown activation 'relux'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> k.setLayers("conv(3), dense(10, softmax)"));
        assertTrue(e.getMessage().contains("unknown layer 'conv', expected one of dense, dropout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> k.setLayers(List.of()));
        assertTrue(e.getMessage().contains("at least one layer"), e.getMessage());
        assertFalse(k.isDefined(k.layers()), "a refused value changes nothing");
    }

    @Test
    void theLayersSpecReadsKerasWords() {
        List<Layer> layers = LayerSpec.parse("dense(512, relu, 784), dropout(0.5), Dense(units=10, activation=softmax)");
        assertEquals(List.of(new Dense(512, Activation.RELU, 784), new Dropout(0.5),
                new Dense(10, Activation.SOFTMAX)), layers);
        assertEquals(List.of(new Dense(1, Activation.LINEAR)), LayerSpec.parse(" dense(1, linear) "));
        assertEquals(List.of(new Dense(1)), LayerSpec.parse("dense(1)"), "Keras's default activation is linear");
        assertEquals(List.of(new Conv2D(8, 3, Activation.RELU).withStrides(2, 2).withInputShape(28, 28, 1),
                new MaxPooling2D(2), new Flatten(), new Dense(10, Activation.SOFTMAX)), LayerSpec.parse(
                "conv2d(8, 3, strides=2, activation=relu, input_shape=[28, 28, 1]), max_pooling2d(2), flatten(),"
                + " dense(10, softmax)"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LayerSpec.parse("conv2d(8)"));
        assertTrue(missing.getMessage().contains("kernel_size"), missing.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerSpec.parse("dense(10, softmax, 3, 4)"));
        assertTrue(e.getMessage().contains("4 arguments, a dense layer takes at most 3 (units, activation, input_dim)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("dense(10, softmax"));
        assertTrue(e.getMessage().contains("unclosed '('"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("dense(units=10, size=3)"));
        assertTrue(e.getMessage().contains("size"), e.getMessage());
        // The job file's binder: the same words for the same mistake, at the key, in Keras's spelling.
        e = assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("dense(unit=10)"));
        assertTrue(e.getMessage().endsWith("'dense(unit=10)' of \"dense(unit=10)\": unit: unknown key for the dense"
                + " layer (did you mean 'units'?)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("conv2d(8, kernel_size=3, padding=full)"));
        assertTrue(e.getMessage().endsWith(": padding: unknown padding 'full', expected valid or same"), e.getMessage());
    }

    @Test
    void copiesShareNoValues() {
        KindlingClassifier original = new KindlingClassifier().setLayers("dense(4, softmax)").setEpochs(3);
        KindlingClassifier copy = original.copy(new ParamMap().put(original.epochs().w(7)));
        assertNotSame(original, copy);
        assertEquals(7, copy.getEpochs());
        assertEquals(3, original.getEpochs(), "the extra ParamMap changes the copy only");
        copy.setLearningRate(0.5);
        assertFalse(original.isDefined(original.learningRate()));
    }

    @Test
    void estimatorsAndUnfittedPipelinesSaveAndLoadEveryParam(@TempDir Path dir) throws java.io.IOException {
        KindlingClassifier k = new KindlingClassifier().setLayers("dense(16, relu), dropout(0.25), dense(1, sigmoid)")
                .setOptimizer(Optimizer.sgd(0.05, 0.9, true)).setLearningRate(0.02).setLoss(Loss.BINARY_CROSSENTROPY)
                .setEpochs(4).setBatchSize(64).setValidationSplit(0.1).setSeed(42).setPartitions(3)
                .setStepsPerJob(50).setHandleInvalid("skip").setVerbose(0).setThreshold(0.7).setThresholds(new double[] {0.4, 0.6})
                .setFeaturesCol("f").setLabelCol("y").setProbabilityCol("p").setRawPredictionCol("")
                .setInitialModel("hdfs:///models/base.kindling").setInitialLayers(2).setFrozenLayers(1);
        String path = dir.resolve("estimator").toUri().toString();
        k.write().save(path);
        KindlingClassifier loaded = KindlingClassifier.load(path);
        assertSameParams(k, loaded);
        assertThrows(java.io.IOException.class, () -> k.write().save(path), "no overwrite unless asked");
        k.write().overwrite().save(path);

        KindlingRegressor r = new KindlingRegressor().setLayers("dense(3, tanh), dense(1, linear)").setOptimizer("adagrad")
                .setEpochs(9);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {r});
        String pipelinePath = dir.resolve("pipeline").toUri().toString();
        pipeline.write().save(pipelinePath);
        assertSameParams(r, Pipeline.load(pipelinePath).getStages()[0]);
    }

    private static void assertSameParams(Params expected, Params actual) {
        assertEquals(expected.uid(), actual.uid());
        assertEquals(expected.getClass(), actual.getClass());
        for (Param<?> p : expected.params()) {
            Param<?> q = actual.getParam(p.name());
            assertEquals(expected.isSet(p), actual.isSet(q), p.name());
            assertEquals(expected.isDefined(p), actual.isDefined(q), p.name());
            if (expected.isDefined(p)) {
                Object a = expected.getOrDefault(p);
                Object b = actual.getOrDefault(q);
                if (a instanceof double[] x) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(x, (double[]) b, p.name());
                } else {
                    assertEquals(a, b, p.name());
                }
            }
        }
    }

    /**
     * The shared setters ({@link KindlingEstimator}) are found by name and called by reflection, as PySpark's py4j
     * calls them, on both estimators; each returns the estimator itself with the Param set, and chaining keeps the
     * estimator's own type.
     */
    @Test
    void theSharedSettersWorkByReflectionAndReturnTheEstimator() throws Exception {
        for (Params stage : new Params[] {new KindlingClassifier(), new KindlingRegressor()}) {
            Object[][] calls = {
                {"setEpochs", int.class, 3, "epochs"},
                {"setBatchSize", int.class, 16, "batchSize"},
                {"setSeed", long.class, 7L, "seed"},
                {"setLearningRate", double.class, 0.01, "learningRate"},
                {"setHandleInvalid", String.class, "skip", "handleInvalid"},
                {"setLayers", String.class, "dense(4, relu), dense(1, sigmoid)", "layers"},
            };
            for (Object[] call : calls) {
                Object returned = stage.getClass().getMethod((String) call[0], (Class<?>) call[1])
                        .invoke(stage, call[2]);
                assertTrue(returned == stage, call[0] + " returns the estimator itself");
                Object value = stage.getOrDefault(stage.getParam((String) call[3]));
                if (call[3].equals("layers")) {
                    assertEquals(LayerSpec.parse((String) call[2]), value);
                } else {
                    assertEquals(call[2], value, call[0] + " on " + stage.getClass().getSimpleName());
                }
            }
        }
        KindlingRegressor regressor = new KindlingRegressor().setLoss("mse").setEpochs(2);   // chaining keeps the type
        assertEquals(Loss.MEAN_SQUARED_ERROR.keyword(), regressor.getLoss());
        KindlingClassifier classifier = new KindlingClassifier().setEpochs(2).setThreshold(0.7);
        assertEquals(0.7, classifier.getThreshold());
    }
}
