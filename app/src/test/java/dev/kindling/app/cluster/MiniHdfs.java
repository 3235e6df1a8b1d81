// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS inside the test JVM: Hadoop's {@link MiniDFSCluster} (from the shaded
 * {@code hadoop-client-minicluster}, the test artifact made to sit beside Spark's {@code hadoop-client-api} and
 * {@code -runtime}), one NameNode and two DataNodes on 127.0.0.1, every file stored twice ({@code dfs.replication
 * = 2}), its blocks and metadata under a folder of {@code target/}. {@link #close} stops every daemon, and a
 * shutdown hook does if the JVM ends first.
 */
final class MiniHdfs implements AutoCloseable {
    /** Seconds after its last heartbeat that the NameNode declares a DataNode dead (Hadoop's default: 630). */
    static final int DEAD_DATANODE_SECONDS = 6;

    private final MiniDFSCluster cluster;
    private final String uri;
    private final Thread shutdownHook;

    private MiniHdfs(MiniDFSCluster cluster) {
        this.cluster = cluster;
        this.uri = cluster.getURI().toString().replaceAll("/$", "");
        this.shutdownHook = new Thread(cluster::shutdown, "stop-mini-hdfs");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the NameNode and two DataNodes with their storage under {@code baseDir} (emptied first). */
    static MiniHdfs start(Path baseDir) throws IOException {
        deleteRecursively(baseDir);
        Files.createDirectories(baseDir);
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toAbsolutePath().toString());
        conf.setInt("dfs.replication", 2);
        // A stopped DataNode is declared dead in seconds rather than in ten minutes, as a real cluster's would be
        // eventually; until then the NameNode may still hand it out as a write target and the client skips it.
        conf.setInt("dfs.heartbeat.interval", 1);
        conf.setInt("dfs.namenode.heartbeat.recheck-interval", (DEAD_DATANODE_SECONDS - 2) * 1000 / 2);
        conf.setInt("dfs.namenode.stale.datanode.interval", 3000);
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, baseDir.toFile()).numDataNodes(2)
                .waitSafeMode(true).build();
        cluster.waitActive();
        return new MiniHdfs(cluster);
    }

    /** {@code hdfs://127.0.0.1:PORT}, without a trailing slash. */
    String uri() {
        return uri;
    }

    /** {@code hdfs://127.0.0.1:PORT/path}. */
    String uri(String absolutePath) {
        return uri() + absolutePath;
    }

    DistributedFileSystem fs() throws IOException {
        return cluster.getFileSystem();
    }

    Configuration configuration() {
        return cluster.getConfiguration(0);
    }

    int liveDataNodes() {
        return (int) cluster.getDataNodes().stream().filter(d -> d.isDatanodeUp()).count();
    }

    /** Stops DataNode {@code i} (its blocks stay on disk), as a crashed machine would. */
    MiniDFSCluster.DataNodeProperties stopDataNode(int i) {
        return cluster.stopDataNode(i);
    }

    /** Starts a stopped DataNode again, on its old storage, and waits until the NameNode counts it. */
    void restartDataNode(MiniDFSCluster.DataNodeProperties stopped) throws IOException {
        cluster.restartDataNode(stopped, true);
        cluster.waitActive();
    }

    void stopNameNode() {
        cluster.shutdownNameNode(0);
    }

    void restartNameNode() throws IOException {
        cluster.restartNameNode(0, true);
        cluster.waitActive();
    }

    @Override
    public void close() {
        cluster.shutdown(true);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
