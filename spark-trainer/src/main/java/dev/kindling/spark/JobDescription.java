// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import org.apache.spark.SparkContext;

/**
 * What the Spark UI shows for the jobs this thread starts while it is open: the description, and the call site
 * (without it every job is {@code runJob at Aggregation.java:53} or {@code count at Inputs.java:...}). Closing
 * gives back what was there before, so descriptions nest.
 *
 * <pre>{@code
 * try (JobDescription ignored = JobDescription.of(spark, "packing: parquet [t] into 2 partitions")) {
 *     ... // every job started here shows that line
 * }
 * }</pre>
 */
public final class JobDescription implements AutoCloseable {
    static final String DESCRIPTION = "spark.job.description";
    private static final String CALL_SITE_SHORT = "callSite.short";
    private static final String CALL_SITE_LONG = "callSite.long";

    private static final String GROUP = "spark.jobGroup.id";
    private static final java.util.concurrent.atomic.AtomicInteger FITS = new java.util.concurrent.atomic.AtomicInteger();

    private final SparkContext spark;
    private final String description;
    private final String shortSite;
    private final String longSite;
    private final String group;

    private JobDescription(SparkContext spark, String text, String groupId) {
        this.spark = spark;
        this.description = spark.getLocalProperty(DESCRIPTION);
        this.shortSite = spark.getLocalProperty(CALL_SITE_SHORT);
        this.longSite = spark.getLocalProperty(CALL_SITE_LONG);
        this.group = spark.getLocalProperty(GROUP);
        if (groupId != null) {
            spark.setLocalProperty(GROUP, groupId);
        }
        spark.setJobDescription(text);
        spark.setCallSite("kindling " + (text.length() > 60 ? text.substring(0, 60) + "..." : text));
    }

    /** Describes the jobs the current thread starts until {@link #close}. */
    public static JobDescription of(SparkContext spark, String text) {
        return new JobDescription(spark, text, null);
    }

    /**
     * A job group for one fit ({@code kindling-fit-<n>}, numbered in this JVM), so the UI's jobs page groups the
     * fit's jobs and {@code cancelJobGroup} stops them; described by {@code text} until a step describes itself.
     */
    static JobDescription fit(SparkContext spark, String text) {
        return new JobDescription(spark, text, "kindling-fit-" + FITS.incrementAndGet());
    }

    @Override
    public void close() {
        spark.setLocalProperty(DESCRIPTION, description);
        spark.setLocalProperty(CALL_SITE_SHORT, shortSite);
        spark.setLocalProperty(CALL_SITE_LONG, longSite);
        spark.setLocalProperty(GROUP, group);
    }
}
