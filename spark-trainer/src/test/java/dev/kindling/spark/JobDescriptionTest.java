// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** What the Spark UI lists for a short fit: every job Kindling starts says what it is; a fit's jobs share a group. */
class JobDescriptionTest {

    /** (description, job group, call site) of each job started while registered. */
    static final class Jobs extends SparkListener {
        final List<String[]> started = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onJobStart(SparkListenerJobStart job) {
            Properties p = job.properties();
            started.add(new String[] {p.getProperty("spark.job.description"), p.getProperty("spark.jobGroup.id"),
                p.getProperty("callSite.short")});
        }

        List<String[]> drain(SparkContext sc) throws Exception {
            sc.listenerBus().waitUntilEmpty(10_000);
            sc.removeSparkListener(this);
            return started;
        }
    }

    @Test
    void everyJobOfAFitHasADescriptionAndTheFitsGroup() throws Exception {
        for (int stepsPerJob : new int[] {Integer.MAX_VALUE, 1}) {
            SparkSession spark = TestSpark.local();
            Object[] data = TestSpark.blobs(96, 2);
            Dataset<Row> frame = TestSpark.frame(spark, (Tensor) data[0], (int[]) data[1], 2);
            Sequential model = new Sequential(new Dense(3, Activation.SOFTMAX, 4)).seed(1);
            model.compile(Optimizer.sgd(0.1), Loss.SPARSE_CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
            Jobs jobs = new Jobs();
            spark.sparkContext().addSparkListener(jobs);
            SparkTrainer trainer = SparkTrainer.create().withStepsPerJob(stepsPerJob);
            try (PreparedData prepared = trainer.prepare(model, frame, Columns.defaults())) {
                trainer.fit(model, prepared, FitOptions.builder().epochs(2).batchSize(32).validationSplit(0.25)
                        .build());
                trainer.evaluate(model, prepared);
            }
            List<String[]> started = jobs.drain(spark.sparkContext());
            String group = null;
            StringBuilder shown = new StringBuilder();
            for (String[] job : started) {
                shown.append(job[0]).append(" | ").append(job[1]).append(" | ").append(job[2]).append('\n');
            }
            for (String[] job : started) {
                assertNotNull(job[0], "a job without a description:\n" + shown);
                if (job[1] != null) {
                    group = group == null ? job[1] : group;
                    assertEquals(group, job[1], "one group per fit:\n" + shown);
                }
            }
            assertTrue(group != null && group.startsWith("kindling-fit-"), shown.toString());
            assertTrue(started.stream().anyMatch(j -> j[0].startsWith("packing")), shown.toString());
            assertTrue(started.stream().anyMatch(j -> j[0].startsWith("validation")), shown.toString());
            assertTrue(started.stream().anyMatch(j -> j[0].startsWith("evaluation")), shown.toString());
            System.out.println("steps per job " + stepsPerJob + ": " + started.size() + " jobs\n" + shown);
        }
    }
}
