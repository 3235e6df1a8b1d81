// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.bench;

import dev.kindling.core.blas.Blas;
import dev.kindling.core.data.Labels;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.examples.Convnet;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.Columns;
import dev.kindling.spark.PreparedData;
import dev.kindling.spark.SparkTrainer;
import dev.kindling.spark.TensorFrames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Chapter 5's fine-tuning workflow on Spark, end to end (issue 23), run by {@code scripts/fine-tune}:
 * <ol>
 *   <li>pretrain the chapter's convnet on the source data set (Fashion-MNIST), save it;</li>
 *   <li>take its convolutional base (conv2d .. flatten, 6 layers) with its weights, freeze it, put a new head on it
 *       (Dense(64, relu), Dense(10, softmax)), train it on a few labels of the target data set (the shipped digits);
 *       against the same network trained from scratch on the same labels; both test accuracies;</li>
 *   <li>unfreeze the last conv layer ({@code conv2d_2}) and train again with a 10x lower learning rate, as the book;</li>
 *   <li>one epoch on the whole target training set with the base frozen and with nothing frozen: seconds per epoch,
 *       and the bytes of task results per step (the gradient sums the driver receives; Spark's task metrics).</li>
 * </ol>
 * Not a test. System properties: {@code ft.source} (default data/fashion-mnist), {@code ft.target}
 * (data/mnist-digits), {@code ft.pretrainRows} (20,000), {@code ft.pretrainEpochs} (3), {@code ft.labels} (500),
 * {@code ft.epochs} (10), {@code ft.out} (out/fine-tune), {@code ft.master} (local[2]).
 */
public final class FineTuneExample {
    private static final int BATCH = 32;

    private FineTuneExample() {
    }

    public static void main(String[] args) throws Exception {
        Path source = Path.of(System.getProperty("ft.source", "data/fashion-mnist"));
        Path target = Path.of(System.getProperty("ft.target", "data/mnist-digits"));
        int pretrainRows = Integer.getInteger("ft.pretrainRows", 20_000);
        int pretrainEpochs = Integer.getInteger("ft.pretrainEpochs", 3);
        int labels = Integer.getInteger("ft.labels", 500);
        int epochs = Integer.getInteger("ft.epochs", 10);
        Path out = Path.of(System.getProperty("ft.out", "out/fine-tune"));
        Files.createDirectories(out);

        SparkSession spark = SparkSession.builder().master(System.getProperty("ft.master", "local[2]"))
                .appName("kindling-fine-tune").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.broadcast.compress", "false").config("spark.task.maxDirectResultSize", "64m")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        AtomicLong resultBytes = new AtomicLong();
        AtomicLong tasks = new AtomicLong();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    resultBytes.addAndGet(end.taskMetrics().resultSize());
                    tasks.incrementAndGet();
                }
            }
        });
        System.out.printf(Locale.ROOT, "master %s, BLAS %s, OPENBLAS_NUM_THREADS=%s%n", spark.sparkContext().master(),
                Blas.implementationName(), System.getenv("OPENBLAS_NUM_THREADS"));
        SparkTrainer trainer = SparkTrainer.create();

        // 1. Pretrain on the source.
        Mnist src = Mnist.load(source);
        int n = Math.min(pretrainRows, src.trainLabels().size());
        Dataset<Row> srcTrain = TensorFrames.of(spark, src.trainImages().slice(0, 0, n),
                src.trainLabels().slice(0, 0, n), 2, 255);
        Dataset<Row> srcTest = TensorFrames.of(spark, src.testImages(), src.testLabels(), 2, 255);
        Sequential pretrained = Convnet.chapter5(1);
        System.out.printf(Locale.ROOT, "%n== 1. pretrain on %s: %d images, %d epochs of batch 64%n", source, n,
                pretrainEpochs);
        trainer.fit(pretrained, srcTrain, Columns.defaults(),
                FitOptions.builder().epochs(pretrainEpochs).batchSize(64).seed(1).listeners().build());
        System.out.printf(Locale.ROOT, "pretrained test accuracy on %s: %.4f%n", source,
                trainer.evaluate(pretrained, srcTest, Columns.defaults()).accuracy());
        Path basePath = out.resolve("pretrained.kindling");
        pretrained.save(basePath);

        // 2. Fine-tune a frozen base with a new head, against training from scratch, on a few target labels.
        Mnist tgt = Mnist.load(target);
        Dataset<Row> few = TensorFrames.of(spark, tgt.trainImages().slice(0, 0, labels),
                tgt.trainLabels().slice(0, 0, labels), 2, 255);
        Dataset<Row> tgtTest = TensorFrames.of(spark, tgt.testImages(), tgt.testLabels(), 2, 255);
        FitOptions fewOptions = FitOptions.builder().epochs(epochs).batchSize(BATCH).seed(2).listeners().build();

        Sequential base = Sequential.load(basePath);
        Sequential tuned = Sequential.fromBase(base, 6).freezeBase()
                .add(new Dense(64, Activation.RELU), new Dense(10, Activation.SOFTMAX)).seed(3).build();
        tuned.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        System.out.printf(Locale.ROOT, "%n== 2. fine-tune on %d labels of %s, %d epochs of batch %d%n", labels, target,
                epochs, BATCH);
        System.out.print(tuned.summary());
        Tensor baseBefore = base.weights().slice(0, 0, frozenSize(tuned));
        History tunedHistory = trainer.fit(tuned, few, Columns.defaults(), fewOptions);
        double tunedAccuracy = trainer.evaluate(tuned, tgtTest, Columns.defaults()).accuracy();
        double frozenDiff = maxAbsDiff(baseBefore, tuned.weights().slice(0, 0, baseBefore.size()));

        Sequential scratch = Convnet.chapter5(3);
        History scratchHistory = trainer.fit(scratch, few, Columns.defaults(), fewOptions);
        double scratchAccuracy = trainer.evaluate(scratch, tgtTest, Columns.defaults()).accuracy();
        System.out.printf(Locale.ROOT, "fine-tuned (frozen base + new head): test accuracy %.4f (train loss %.4f)%n",
                tunedAccuracy, last(tunedHistory.get("loss")));
        System.out.printf(Locale.ROOT, "from scratch (same network, same labels): test accuracy %.4f (train loss %.4f)%n",
                scratchAccuracy, last(scratchHistory.get("loss")));
        System.out.printf(Locale.ROOT, "frozen base, max |after - before| over its %d weights: %s%n",
                baseBefore.size(), frozenDiff);

        // 3. Unfreeze the last conv layer and train again at a lower learning rate.
        tuned.unfreezeWeights("conv2d_2", null);
        tuned.compile(Optimizer.rmsprop(1e-4), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
        System.out.printf(Locale.ROOT, "%n== 3. unfreeze conv2d_2, rmsprop(1e-4), %d more epochs%n", epochs);
        System.out.print(tuned.summary());
        trainer.fit(tuned, few, Columns.defaults(), fewOptions);
        System.out.printf(Locale.ROOT, "after unfreezing conv2d_2: test accuracy %.4f%n",
                trainer.evaluate(tuned, tgtTest, Columns.defaults()).accuracy());
        tuned.save(out.resolve("fine-tuned.kindling"));

        // 4. Cost of a step with the base frozen vs nothing frozen, one epoch on the whole target training set.
        Dataset<Row> all = TensorFrames.of(spark, tgt.trainImages(), tgt.trainLabels(), 2, 255);
        System.out.printf(Locale.ROOT, "%n== 4. one epoch of batch 64 on %d images of %s, job per step%n",
                tgt.trainLabels().size(), target);
        PreparedData prepared = null;
        for (boolean frozen : List.of(true, false, true, false)) {
            Sequential m = Sequential.fromBase(Sequential.load(basePath), 6)
                    .add(new Dense(64, Activation.RELU), new Dense(10, Activation.SOFTMAX)).seed(3).build();
            if (frozen) {
                m.freezeWeights(0, 5);
            }
            m.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
            if (prepared == null) {
                prepared = trainer.prepare(m, all, Columns.defaults()); // packed once, outside the counts
            }
            long bytes0 = resultBytes.get();
            long tasks0 = tasks.get();
            History h = trainer.fit(m, prepared, FitOptions.builder().epochs(1).batchSize(64).seed(4).listeners()
                    .build());
            int steps = (tgt.trainLabels().size() + 63) / 64;
            System.out.printf(Locale.ROOT, "%-22s trainable %,7d: %.2f s/epoch, task results %,d bytes/step (%d tasks)"
                    + "%n", frozen ? "base frozen" : "nothing frozen", m.trainableParameterCount(),
                    h.epochSeconds().get(0), (resultBytes.get() - bytes0) / steps, tasks.get() - tasks0);
        }
        prepared.close();
        spark.stop();
    }

    /** Weights of the frozen layers at the front of {@code model}. */
    private static int frozenSize(Sequential model) {
        return model.weights().size() - model.trainableParameterCount();
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.getFlat(i) - b.getFlat(i)));
        }
        return max;
    }

    private static double last(List<Double> series) {
        return series.get(series.size() - 1);
    }
}
