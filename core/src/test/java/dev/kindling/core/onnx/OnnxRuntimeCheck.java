// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Scores an exported model with ONNX Runtime's Java API and compares it with Kindling's own {@code predict}.
 */
final class OnnxRuntimeCheck {
    /** The bar: outputs (probabilities or values) within this of Kindling's, float32 on both sides. */
    static final double TOLERANCE = 1e-5;

    private OnnxRuntimeCheck() {
    }

    /** What one comparison measured. */
    record Result(int rows, double maxAbsDifference, int classDisagreements, float[][] onnxOutputs) {
    }

    /**
     * ONNX Runtime's outputs for {@code x} fed as {@code (rows, sampleShape...)}, one intra-op thread (the other
     * core is the build's).
     */
    static float[][] run(Path onnxFile, Tensor x, Shape sampleShape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(onnxFile.toString(), options)) {
                return run(env, session, x, sampleShape);
            }
        }
    }

    static float[][] run(OrtEnvironment env, OrtSession session, Tensor x, Shape sampleShape) throws OrtException {
        long[] dims = new long[sampleShape.rank() + 1];
        dims[0] = x.dim(0);
        for (int i = 0; i < sampleShape.rank(); i++) {
            dims[i + 1] = sampleShape.dim(i);
        }
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toFloatArray()), dims);
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            return (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
        }
    }

    /**
     * Exports {@code model} to {@code file}, scores {@code x} with ONNX Runtime and with Kindling, and asserts
     * the outputs agree within {@link #TOLERANCE} and, for a classifier, the predicted classes are the same.
     */
    static Result assertAgrees(Sequential model, Tensor x, Path file, String what) throws Exception {
        return assertAgrees(model, x, file, what, true);
    }

    /** As {@link #assertAgrees(Sequential, Tensor, Path, String)}; {@code classes} false for a regression model. */
    static Result assertAgrees(Sequential model, Tensor x, Path file, String what, boolean classes)
            throws Exception {
        model.exportOnnx(file);
        Shape sample = model.network().inputShape();
        float[][] onnx = run(file, x, sample);
        Tensor kindling = model.predict(x);
        assertEquals(x.dim(0), onnx.length, what + ": rows");
        assertEquals(kindling.dim(1), onnx[0].length, what + ": outputs per row");
        double max = 0;
        int disagreements = 0;
        int outputs = kindling.dim(1);
        for (int i = 0; i < onnx.length; i++) {
            for (int j = 0; j < outputs; j++) {
                double d = Math.abs(onnx[i][j] - kindling.getFlat(i * outputs + j));
                assertTrue(Double.isFinite(d), what + ": row " + i + " output " + j + " is not finite");
                max = Math.max(max, d);
            }
            if (classes && classOf(onnx[i]) != classOf(kindling, i)) {
                disagreements++;
            }
        }
        System.out.printf("%s: %d rows, max |kindling - onnxruntime| = %.3g, classes disagreeing: %d%n", what,
                onnx.length, max, disagreements);
        assertTrue(max <= TOLERANCE, what + ": max abs difference " + max + " > " + TOLERANCE);
        assertEquals(0, disagreements, what + ": rows whose predicted class differs");
        return new Result(onnx.length, max, disagreements, onnx);
    }

    /** Kindling's rule ({@code Sequential.predictClasses}): one output is class 1 above 0.5, else the argmax. */
    static int classOf(float[] row) {
        if (row.length == 1) {
            return row[0] > 0.5f ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < row.length; j++) {
            if (row[j] > row[best]) {
                best = j;
            }
        }
        return best;
    }

    private static int classOf(Tensor outputs, int row) {
        int n = outputs.dim(1);
        float[] r = new float[n];
        for (int j = 0; j < n; j++) {
            r[j] = (float) outputs.getFlat(row * n + j);
        }
        return classOf(r);
    }
}
