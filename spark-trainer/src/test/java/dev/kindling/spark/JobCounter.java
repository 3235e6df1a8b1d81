// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

/** Counts the Spark jobs started after it was registered: tests use it to show a check ran before any job. */
public final class JobCounter extends SparkListener {
    private final SparkContext context;
    private final AtomicInteger jobs = new AtomicInteger();

    private JobCounter(SparkContext context) {
        this.context = context;
    }

    public static JobCounter on(SparkSession spark) {
        JobCounter counter = new JobCounter(spark.sparkContext());
        counter.context.addSparkListener(counter);
        return counter;
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
        jobs.incrementAndGet();
    }

    /** Jobs started so far; waits for the listener bus to deliver the events already posted, then unregisters. */
    public int started() {
        try {
            context.listenerBus().waitUntilEmpty(10_000);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Spark's listener bus did not drain in 10 s", e);
        } finally {
            context.removeSparkListener(this);
        }
        return jobs.get();
    }
}
