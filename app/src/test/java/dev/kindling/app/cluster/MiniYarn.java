// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A real YARN inside the test JVM: Hadoop's {@link MiniYARNCluster} (a ResourceManager and one NodeManager on
 * 127.0.0.1) over a {@link MiniHdfs}, and a Hadoop configuration folder ({@code HADOOP_CONF_DIR}) that points
 * spark-submit at both. Containers (the application master, the executors) are separate JVMs the NodeManager starts.
 */
final class MiniYarn implements AutoCloseable {
    private final MiniYARNCluster cluster;
    private final Path confDir;
    private final Thread shutdownHook;

    private MiniYarn(MiniYARNCluster cluster, Path confDir) {
        this.cluster = cluster;
        this.confDir = confDir;
        this.shutdownHook = new Thread(cluster::stop, "stop-mini-yarn");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static MiniYarn start(MiniHdfs hdfs, Path confDir) throws IOException, InterruptedException {
        YarnConfiguration conf = new YarnConfiguration(hdfs.configuration());
        conf.set("fs.defaultFS", hdfs.uri());
        conf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        conf.set(YarnConfiguration.NM_ADDRESS, "127.0.0.1:0");
        conf.setInt(YarnConfiguration.NM_PMEM_MB, 6144);
        conf.setInt(YarnConfiguration.NM_VCORES, 4);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "99.0");
        // The capacity scheduler's one queue (the minicluster jar ships no capacity-scheduler.xml).
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        MiniYARNCluster cluster = new MiniYARNCluster("kindling", 1, 1, 1);
        cluster.init(conf);
        cluster.start();
        // The ResourceManager's real port is known once it has started.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (cluster.getResourceManager().getConfig().get(YarnConfiguration.RM_ADDRESS, "").endsWith(":0")
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Files.createDirectories(confDir);
        Configuration config = cluster.getConfig();
        config.set("fs.defaultFS", hdfs.uri());
        // The minicluster maps racks with a class of Hadoop's tests, which a Spark client does not have: Hadoop's
        // default mapping instead (every host on the default rack).
        config.set("net.topology.node.switch.mapping.impl", "org.apache.hadoop.net.ScriptBasedMapping");
        try (OutputStream out = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
            config.writeXml(out);
        }
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", hdfs.uri());
        try (OutputStream out = Files.newOutputStream(confDir.resolve("core-site.xml"))) {
            core.writeXml(out);
        }
        return new MiniYarn(cluster, confDir);
    }

    Path confDir() {
        return confDir;
    }

    String resourceManager() {
        return cluster.getResourceManager().getConfig().get(YarnConfiguration.RM_ADDRESS);
    }

    @Override
    public void close() {
        cluster.stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }
}
