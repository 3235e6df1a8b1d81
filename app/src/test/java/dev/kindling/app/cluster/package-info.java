// SPDX-License-Identifier: Apache-2.0
/**
 * The real-cluster end-to-end tests: a Spark standalone master and two workers started by {@code scripts/cluster}
 * on 127.0.0.1 (StandaloneClusterTest), Hadoop's MiniDFSCluster ({@link dev.kindling.app.cluster.MiniHdfs},
 * HdfsTest) and MiniYARNCluster ({@link dev.kindling.app.cluster.MiniYarn}, YarnClusterTest) in the test JVM, the
 * app submitted by {@code scripts/submit}, and the helpers that let them run in Maven's {@code test} phase (before
 * the shaded jar exists): {@link dev.kindling.app.cluster.TestClasspath} packs the compiled classes into a jar,
 * {@link dev.kindling.app.cluster.LocalCluster} drives the script, {@link dev.kindling.app.cluster.Submission} runs
 * a submission and watches the executor JVMs it gets.
 */
package dev.kindling.app.cluster;
