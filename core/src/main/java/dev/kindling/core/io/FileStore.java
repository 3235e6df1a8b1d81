// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A folder of files (checkpoints, saved models, logs). Writes are atomic (a temporary name, then a rename), so a reader sees a file whole
 * or not at all; temporary files start with a dot and are never listed.
 */
public interface FileStore {

    /** The names of the files in the folder (not temporary ones), in any order; empty if it does not exist. */
    List<String> list() throws IOException;

    /** Writes file {@code name} atomically, replacing one of that name. */
    void write(String name, LocalFiles.Contents contents) throws IOException;

    InputStream open(String name) throws IOException;

    void delete(String name) throws IOException;

    /** Where file {@code name} is, for messages: a path or URI. */
    String location(String name);

    /**
     * Whether a file of the folder is one {@link #list} names: a regular file whose name does not start with a dot
     * (the writers' temporary files do). The one rule every store lists by.
     */
    static boolean listed(String name, boolean regularFile) {
        return regularFile && !name.startsWith(".");
    }

    /** A folder on the local disk (created at the first write). */
    static FileStore local(Path dir) {
        return new LocalFileStore(dir);
    }
}
