// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import dev.kindling.core.model.History;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.io.ModelExports;
import java.io.IOException;

/**
 * What both fitted Kindling models offer beside Spark ML's own API: the trained network, its history and summary,
 * and its exports. An interface, not a base class, because each model must extend its own Spark ML model type.
 */
public interface KindlingModel {

    /** The trained network (the model's own: changing it changes what this model predicts). */
    Sequential sequential();

    KindlingTrainingSummary summary();

    /** Keras's per-epoch history of the fit. */
    default History history() {
        return summary().history();
    }

    /** Always true: the summary holds numbers only, so it survives save and load. */
    default boolean hasSummary() {
        return true;
    }

    /**
     * Writes the trained network as an ONNX file (opset 13, input {@code input}, output {@code output}, a dynamic
     * batch axis) to {@code pathOrUri} on any Hadoop file system, atomically; ONNX Runtime and every ONNX reader
     * score it. See {@code Sequential.exportOnnx}.
     */
    default void exportOnnx(String pathOrUri) throws IOException {
        ModelExports.write(sequential(), ModelExports.Format.ONNX, pathOrUri);
    }

    /**
     * Writes the trained network in Keras 3's {@code .keras} format (architecture and weights) to {@code pathOrUri}
     * on any Hadoop file system, atomically. See {@code Sequential.exportKeras}.
     */
    default void exportKeras(String pathOrUri) throws IOException {
        ModelExports.write(sequential(), ModelExports.Format.KERAS, pathOrUri);
    }
}
