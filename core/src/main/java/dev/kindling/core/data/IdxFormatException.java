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

    private final transient Path file;

    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public IdxFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
