package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.autodiff.Ops;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.data.Labels;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user adds without forking: a loss of their own, written from the autodiff ops in a few lines (no backward),
 * registered under its name, trained on Spark as in one JVM, saved and loaded with the model.
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
        Loss.register("focal", FocalLoss::new);
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
        assertTrue(distributed.weights().allClose(local.weights(), 1e-4, 1e-4));
        double accuracy = trainer.evaluate(distributed, TestSpark.frame(TestSpark.local(), x, labels, 2),
                Columns.defaults()).accuracy();
        assertTrue(accuracy > 0.85, "the focal loss learns the blobs: " + accuracy);

        distributed.save(dir.resolve("focal.kindling"));
        Sequential loaded = Sequential.load(dir.resolve("focal.kindling"));
        assertEquals(new FocalLoss(), loaded.compileConfig().loss());
        assertEquals(distributed.weights(), loaded.weights());
        loaded.fit(x, Labels.toCategorical(Tensor.of(f, labels.length), 3), options);   // and it trains on
    }
}
