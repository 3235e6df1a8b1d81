// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.BlockId;
import org.junit.jupiter.api.Test;
import scala.runtime.AbstractFunction1;

/**
 * User state is left as found: a fit destroys what it broadcast when it ends, and the broadcasts that a predicted or
 * TensorFrames DataFrame needs for as long as it is used go away once it is unreachable (Spark's ContextCleaner).
 */
class BroadcastCleanupTest {

    /** Broadcast blocks held by the driver's block manager now. */
    private static int broadcastBlocks() {
        return SparkEnv.get().blockManager().getMatchingBlockIds(new AbstractFunction1<BlockId, Object>() {
            @Override
            public Object apply(BlockId id) {
                return id.isBroadcast();
            }
        }).size();
    }

    private static void awaitAtMost(int blocks) throws InterruptedException {
        for (int i = 0; i < 100 && broadcastBlocks() > blocks; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    @Test
    void fitsAndUnreachableFramesLeaveNoBroadcastBehind() throws InterruptedException {
        TestSpark.local();
        Object[] data = TestSpark.blobs(120, 3);
        Tensor x = (Tensor) data[0];
        int[] labels = (int[]) data[1];
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i];
        }
        awaitAtMost(0);
        int before = broadcastBlocks();

        Sequential model = new Sequential(new Dense(8, Activation.RELU, 4), new Dense(3, Activation.SOFTMAX));
        model.compile(Optimizer.adam(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        Dataset<Row> frame = TensorFrames.of(TestSpark.local(), x, Tensor.of(f, f.length), 2, 1);
        SparkTrainer trainer = SparkTrainer.create();
        trainer.fit(model, frame, Columns.defaults(), FitOptions.builder().epochs(2).batchSize(16).listeners().build());
        Dataset<Row> predicted = trainer.predict(model, frame, "features");
        predicted.count();
        assertTrue(broadcastBlocks() > before, "the frame's samples and the predict's weights are broadcast");

        frame = null;
        predicted = null;
        awaitAtMost(before);
        assertTrue(broadcastBlocks() <= before, "broadcast blocks left: " + broadcastBlocks() + ", before: " + before);
    }
}
