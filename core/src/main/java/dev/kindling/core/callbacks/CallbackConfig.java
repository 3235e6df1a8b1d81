// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.model.TrainingListener;
import java.util.function.Function;

/**
 * A callback's description, as a job file gives it: a record of Keras's parameters (snake case; the job file's
 * kebab case is translated) under its registered {@code type} name, e.g. {@code {type = early_stopping,
 * patience = 2}}. Unset parameters are null and take the defaults of the callback's own builder, declared there
 * once. A callback of your own is its listener, a record like this one, and {@code Registry.callback(name,
 * Config.class)}; job files can name it then.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface CallbackConfig {

    /**
     * The listener. One that writes gets its folder from {@code storeAt} (a path or URI to a store); building writes
     * nothing, so a job file's callbacks can be built once to run their checks before training starts.
     *
     * @throws IllegalArgumentException for a parameter the callback refuses, naming it
     */
    TrainingListener build(Function<String, FileStore> storeAt);

    /** The file this callback writes (a path or URI, possibly a template), or null if it writes none. */
    default String path() {
        return null;
    }

    /** The folder part of a path or URI ({@code "."} for a bare file name). */
    static String folderOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : path.substring(0, slash);
    }

    /** The file name part of a path or URI. */
    static String fileOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** {@code path}, checked to be given, for the callbacks that write a file. */
    static String requirePath(String path, String type, String example) {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("a " + type + " needs path, e.g. \"" + example + "\"");
        }
        return path;
    }
}
