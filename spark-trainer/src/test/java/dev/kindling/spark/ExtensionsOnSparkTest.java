// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.Tolerances;
import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.data.Labels;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user adds without forking: a loss and a layer of their own, each written from the autodiff ops in a few
 * lines (no backward), registered under its name, trained on Spark as in one JVM, saved and loaded with the model.
 */
class ExtensionsOnSparkTest {

    // ---- the user's code: a focal loss (Lin et al. 2017, gamma = 2) for softmax outputs -------------------------
    /** {@code -sum_k y_k (1 - p_k)^2 log p_k}, p = softmax(z), from the logits. */
    record FocalLoss() implements Loss {
        @Override
        public String keyword() {
            return "focal";
        }

        @Override
        public Variable perSample(Variable z, Activation activation, Tensor targets) {
            Variable logP = Ops.logSoftmax(z, -1);
            Variable one = Variable.constant(Tensor.scalar(1.0, z.value().dtype()));
            Variable focus = Ops.square(Ops.sub(one, Ops.exp(logP)));
            return Ops.neg(Ops.sum(Ops.mul(Variable.constant(targets), Ops.mul(focus, logP)), 1, false));
        }
    }

    // ---- the user's code: a gated linear unit (Dauphin et al. 2017), (x W + b) * sigmoid(x V + c) --------------
    record GatedDense(int units) implements Layer {
        @Override
        public String typeName() {
            return "GatedDense";
        }

        @Override
        public Shape outputShape(Shape input) {
            if (input.rank() != 1) {
                throw new IllegalArgumentException("GatedDense expects flat samples, got " + input);
            }
            return Shape.of(units);
        }

        @Override
        public List<Shape> parameterShapes(Shape input) {
            int n = input.dim(outputShape(input).rank() - 1);   // outputShape checks the input is flat
            return List.of(Shape.of(n, units), Shape.of(units), Shape.of(n, units), Shape.of(units));
        }

        @Override
        public Variable forwardPreActivation(Variable x, List<Variable> w, ForwardContext context) {
            return Ops.mul(Ops.affine(x, w.get(0), w.get(1)), Ops.sigmoid(Ops.affine(x, w.get(2), w.get(3))));
        }
    }
    // ------------------------------------------------------------------------------------------------------------

    @TempDir
    Path dir;

    private static Sequential model(Loss loss) {
        Sequential model = new Sequential(new Dense(16, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX)).seed(2);
        model.compile(Optimizer.adam(0.01), loss, Metric.ACCURACY);
        return model;
    }

    @Test
    void aCustomLossTrainsOnSparkAsInOneJvmAndSurvivesSaveAndLoad() throws IOException {
        Registry.loss("focal", FocalLoss::new);
        Object[] data = TestSpark.blobs(300, 5);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i];
        }
        FitOptions options = FitOptions.builder().epochs(4).batchSize(32).seed(1).listeners().build();
        Sequential local = model(new FocalLoss());
        local.fit(x, Labels.toCategorical(Tensor.of(f, labels.length), 3), options);

        Sequential distributed = model(new FocalLoss());
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(distributed, TestSpark.frame(TestSpark.local(), x, labels, 3), Columns.defaults(), options);
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED));
        double accuracy = trainer.evaluate(distributed, TestSpark.frame(TestSpark.local(), x, labels, 2),
                Columns.defaults()).accuracy();
        assertTrue(accuracy > 0.85, "the focal loss learns the blobs: " + accuracy);

        distributed.save(dir.resolve("focal.kindling"));
        Sequential loaded = Sequential.load(dir.resolve("focal.kindling"));
        assertEquals(new FocalLoss(), loaded.compileConfig().loss());
        assertEquals(distributed.weights(), loaded.weights());
        loaded.fit(x, Labels.toCategorical(Tensor.of(f, labels.length), 3), options);   // and it trains on
    }

    @Test
    void aCustomLayerTrainsOnSparkAsInOneJvmAndSurvivesSaveAndLoad() throws IOException {
        Object[] data = TestSpark.blobs(300, 5);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        FitOptions options = FitOptions.builder().epochs(4).batchSize(32).seed(1).listeners().build();
        Sequential unregistered = gated();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> unregistered.save(dir.resolve("gated.kindling")));
        assertTrue(e.getMessage().contains("layer 1 (GatedDense) is not registered"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("gated.kindling")), "nothing written");
        Registry.layer("gated_dense", GatedDense.class);

        Sequential local = gated();
        local.fit(x, Labels.toCategorical(labelTensor(labels), 3), options);
        Sequential distributed = gated();
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(distributed, TestSpark.frame(TestSpark.local(), x, labels, 3), Columns.defaults(), options);
        assertTrue(Tensors.allClose(distributed.weights(), local.weights(), Tolerances.FLOAT32_TRAINED, Tolerances.FLOAT32_TRAINED), "Spark learns what one JVM learns");
        assertTrue(distributed.summary().contains("gated_dense (GatedDense)"), distributed.summary());
        double accuracy = trainer.evaluate(distributed, TestSpark.frame(TestSpark.local(), x, labels, 2),
                Columns.defaults()).accuracy();
        assertTrue(accuracy > 0.85, "the gated layer learns the blobs: " + accuracy);

        distributed.save(dir.resolve("gated.kindling"));
        Sequential loaded = Sequential.load(dir.resolve("gated.kindling"));
        assertEquals(distributed.network(), loaded.network());
        assertEquals(distributed.weights(), loaded.weights());
        assertEquals(distributed.predict(x), loaded.predict(x));
    }

    private static Sequential gated() {
        Sequential model = new Sequential(new GatedDense(16), new Dense(3, Activation.SOFTMAX)).seed(2);
        model.compile(Optimizer.adam(0.01), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        model.build(4);
        return model;
    }

    private static Tensor labelTensor(int[] labels) {
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i];
        }
        return Tensor.of(f, labels.length);
    }
}
