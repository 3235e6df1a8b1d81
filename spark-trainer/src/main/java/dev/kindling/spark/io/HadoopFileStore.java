// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.io;

import dev.kindling.core.io.FileStore;
import dev.kindling.core.io.LocalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;

/**
 * A {@link FileStore} in a folder on any Hadoop file system (a cluster-mode driver's local disk goes away with
 * its container; HDFS or S3 does not), written through {@link HadoopFiles#writeFile}.
 */
public final class HadoopFileStore implements FileStore {
    private final HadoopFiles.Location dir;

    private HadoopFileStore(HadoopFiles.Location dir) {
        this.dir = dir;
    }

    /** The store at {@code pathOrUri} (see {@link HadoopFiles#locate}); the folder is created at the first write. */
    public static HadoopFileStore at(Configuration hadoop, String pathOrUri) throws IOException {
        return new HadoopFileStore(HadoopFiles.locate(hadoop, pathOrUri));
    }

    @Override
    public List<String> list() throws IOException {
        if (!HadoopFiles.exists(dir)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (FileStatus s : dir.fs().listStatus(dir.path())) {
            String name = s.getPath().getName();
            if (FileStore.listed(name, s.isFile())) {
                names.add(name);
            }
        }
        return names;
    }

    @Override
    public void write(String name, LocalFiles.Contents contents) throws IOException {
        HadoopFiles.writeFile(dir.resolve(name), contents);
    }

    @Override
    public InputStream open(String name) throws IOException {
        return HadoopFiles.open(dir.resolve(name));
    }

    @Override
    public void delete(String name) throws IOException {
        dir.fs().delete(dir.resolve(name).path(), false);
    }

    @Override
    public String location(String name) {
        return dir.resolve(name).toString();
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
