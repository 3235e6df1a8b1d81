// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A {@link FileStore} in a local folder, written through {@link LocalFiles#writeAtomically}. */
final class LocalFileStore implements FileStore {
    private final Path dir;

    LocalFileStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    @Override
    public List<String> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> FileStore.listed(p.getFileName().toString(), Files.isRegularFile(p)))
                    .map(p -> p.getFileName().toString()).forEach(names::add);
        }
        return names;
    }

    @Override
    public void write(String name, LocalFiles.Contents contents) throws IOException {
        LocalFiles.writeAtomically(dir.resolve(name), contents);
    }

    @Override
    public InputStream open(String name) throws IOException {
        return Files.newInputStream(dir.resolve(name));
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name));
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
