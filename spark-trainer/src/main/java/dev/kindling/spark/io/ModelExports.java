// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.io;

import dev.kindling.core.model.Sequential;
import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * A model written in an interchange format, ONNX or Keras's {@code .keras}, to any Hadoop file system through
 * {@link HadoopFiles#writeFile} (a temporary file renamed into place: readers see the whole file or none).
 */
public final class ModelExports {

    /** The interchange formats, with their usual file extension. */
    public enum Format {
        ONNX(".onnx"),
        KERAS(".keras");

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        public String extension() {
            return extension;
        }

        /** {@code onnx} or {@code keras}, any case. */
        public static Format of(String name) {
            for (Format f : values()) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown export format '" + name + "', expected onnx or keras");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private ModelExports() {
    }

    /**
     * Writes {@code model} as {@code format} to {@code pathOrUri} ({@code file:}, {@code hdfs:}, {@code s3a:}, or a
     * local path), with the active Spark session's Hadoop configuration if there is one, else Hadoop's defaults.
     *
     * @throws IllegalArgumentException before anything is written, for a layer the format cannot express
     */
    public static HadoopFiles.Location write(Sequential model, Format format, String pathOrUri) throws IOException {
        Configuration hadoop = SparkSession.getActiveSession().isDefined()
                ? SparkSession.getActiveSession().get().sparkContext().hadoopConfiguration() : new Configuration();
        return write(model, format, hadoop, pathOrUri);
    }

    /** As {@link #write(Sequential, Format, String)} with the given Hadoop configuration. */
    public static HadoopFiles.Location write(Sequential model, Format format, Configuration hadoop, String pathOrUri)
            throws IOException {
        if (format == Format.ONNX) {
            dev.kindling.core.onnx.OnnxExport.requireExporters(model.network());
        }
        HadoopFiles.Location target = HadoopFiles.locate(hadoop, pathOrUri);
        HadoopFiles.writeFile(target, out -> {
            switch (format) {
                case ONNX -> model.exportOnnx(out);
                case KERAS -> model.exportKeras(out);
            }
        });
        return target;
    }
}
