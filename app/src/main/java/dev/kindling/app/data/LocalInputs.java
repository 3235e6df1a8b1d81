// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.data;

import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfig.DataConfig;
import dev.kindling.app.config.JobConfig.Format;
import dev.kindling.app.config.JobConfig.ModelConfig;
import dev.kindling.core.data.Idx;
import dev.kindling.core.data.Mnist;
import dev.kindling.core.model.Network;
import dev.kindling.core.tensor.Shape;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * What the configured inputs on the local disk say before Spark starts: that each one exists (a folder for IDX's
 * {@code data.dir}, a file for IDX's pairs), and, for a first layer that needs (height, width, channels) with no
 * {@code model.input-shape}, the data's width (IDX images' header, a local CSV file's header, LibSVM's
 * num-features) to suggest one. Inputs on other file systems are read, and checked, by Spark. Each problem is at
 * the key that named the input, where it was set ({@link JobConfig#where}).
 */
public final class LocalInputs {
    private LocalInputs() {
    }

    /** Every problem of the configured local inputs, one line each. */
    public static void check(JobConfig job, List<String> problems) {
        DataConfig data = job.data();
        if (data.format() == Format.IDX && data.dir() != null) {
            exists(job, "data.dir", data.dir(), true, problems);
        }
        for (String key : List.of("train", "test", "validation")) {
            List<String> paths = switch (key) {
                case "train" -> data.format() == Format.IDX && data.dir() != null ? List.of() : data.train();
                case "test" -> data.format() == Format.IDX && data.dir() != null ? List.of() : data.test();
                default -> data.validation();
            };
            for (int i = 0; i < paths.size() && (data.format() != Format.IDX || paths.size() == 2); i++) {
                String p = paths.get(i);
                if (data.format() == Format.IDX || p.chars().noneMatch(c -> "*?[{".indexOf(c) >= 0)) {
                    exists(job, "data." + key + (paths.size() == 1 ? "" : "[" + i + "]"), p,
                            data.format() == Format.IDX ? Boolean.FALSE : null, problems);
                }
            }
        }
        checkInputShape(job, problems);
    }

    /** A path that exists: a folder when {@code directory}, a file when false, either when null. */
    private static void exists(JobConfig job, String key, String path, Boolean directory, List<String> problems) {
        Path local = localPath(path);
        String problem = local == null ? null : !Files.exists(local) ? "'" + path + "' does not exist"
                + (local.isAbsolute() ? "" : " (relative to " + Path.of("").toAbsolutePath() + ")")
                : directory != null && directory && !Files.isDirectory(local) ? "'" + path + "' is not a directory"
                : directory != null && !directory && !Files.isRegularFile(local) ? "'" + path + "' is not a file"
                : null;
        if (problem != null) {
            problems.add(job.where(key) + key + ": " + problem);
        }
    }

    /**
     * A first layer that needs (height, width, channels), a Conv2D say, with no {@code model.input-shape}: a problem
     * naming the key and a likely value from the data's width, when the data says it before Spark starts.
     */
    private static void checkInputShape(JobConfig job, List<String> problems) {
        ModelConfig model = job.model();
        DataConfig data = job.data();
        if (model.inputShape() != null || model.layers().isEmpty() || model.base() != null) {
            return;
        }
        Shape fromData = null;
        int width = 0;
        try {
            switch (data.format()) {
                case IDX -> {
                    String images = data.dir() != null ? data.dir() + "/" + Mnist.TRAIN_IMAGES
                            : data.train().isEmpty() ? null : data.train().get(0);
                    Path local = images == null ? null : localPath(images);
                    if (local != null && !Files.isRegularFile(local) && Files.isRegularFile(Path.of(local + ".gz"))) {
                        local = Path.of(local + ".gz");
                    }
                    if (local != null && Files.isRegularFile(local)) {
                        boolean gz = local.toString().endsWith(".gz");
                        try (InputStream in = Files.newInputStream(local)) {
                            int[] dims = Idx.readHeader(gz ? new GZIPInputStream(in) : in, local.toString(), gz, -1)
                                    .dims();
                            if (dims.length == 3 || dims.length == 4) {
                                fromData = Shape.of(dims[1], dims[2], dims.length == 4 ? dims[3] : 1);
                                width = fromData.size();
                            }
                        }
                    }
                }
                case CSV -> {
                    Path first = data.train().size() == 1 ? localPath(data.train().get(0)) : null;
                    if (!data.csv().featureColumns().isEmpty()) {
                        width = data.csv().featureColumns().size();
                    } else if (data.csv().header() && first != null && Files.isRegularFile(first)) {
                        try (var lines = Files.lines(first)) {
                            width = (int) Arrays.stream(lines.findFirst().orElse("").split(Pattern.quote(
                                    data.csv().delimiter()), -1)).map(String::trim).filter(c -> !c.equals(
                                    data.csv().labelColumn()) && !c.equals(data.weightColumn())).count();
                        }
                    }
                }
                case LIBSVM -> width = data.libsvm().numFeatures();
                default -> {
                }
            }
        } catch (IOException | RuntimeException e) {
            width = 0;   // the data's own check reports a file that cannot be read
        }
        if (!Network.needsInputShape(model.layers(), width)) {
            return;
        }
        Shape likely = fromData != null ? fromData : Network.likelyImageShape(width);
        String example = likely == null ? "" : ", e.g. [" + likely.toString().replaceAll("[()]", "") + "]";
        problems.add(job.where("model.input-shape") + "model.input-shape: missing: " + model.layers().get(0)
                .getClass().getSimpleName() + " (model.layers[0]) needs model.input-shape (height, width, channels); "
                + (width > 0 ? "the data has " + width + " features" + example : "e.g. [28, 28, 1] for 28x28 grey"
                + " images"));
    }

    /** The local file a path or URI names ({@code file:} or no scheme), or null for another file system. */
    public static Path localPath(String path) {
        if (path.startsWith("file:")) {
            try {
                return Path.of(URI.create(path));
            } catch (IllegalArgumentException e) {
                return Path.of(path.substring("file:".length()));
            }
        }
        if (path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            return null;
        }
        return new File(path).toPath();
    }
}
