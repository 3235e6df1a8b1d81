// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not a well-formed IDX file, or whose contents do not fit what the caller expects (for example
 * MNIST images and labels with different sample counts). The message names the file and says what was expected
 * and what was found.
 */
public class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;

    public IdxFormatException(Path file, String problem) {
        this(file.toString(), problem);
    }

    public IdxFormatException(Path file, String problem, Throwable cause) {
        this(file.toString(), problem, cause);
    }

    /** For a file named by a URI (on HDFS, say) rather than a local path. */
    public IdxFormatException(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
    }

    public IdxFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
        this.source = source;
    }

    /** The offending file, as a path or URI. */
    public String source() {
        return source;
    }
}
