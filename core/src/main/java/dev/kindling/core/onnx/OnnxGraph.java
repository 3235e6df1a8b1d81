// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph under construction, as the {@link OnnxExporter}s see it: nodes appended in order (so the graph is
 * topologically sorted), weights as float32 initializers, and every name unique and prefixed with the current
 * layer's Keras name ({@code conv2d_1/Conv}, {@code dense/kernel}).
 *
 * <p>Layouts: Kindling keeps images channels last (NHWC), ONNX's {@code Conv} and poolings want channels first
 * (NCHW). {@link #channelsFirst} and {@link #channelsLast} write the {@code Transpose} nodes between the two, and
 * a {@code channelsLast} value is only materialized when something other than {@code channelsFirst} reads it, so
 * a chain of convolutions and poolings pays one transpose in and one out instead of two per layer.
 */
public final class OnnxGraph {
    private static final long[] TO_NCHW = {0, 3, 1, 2};
    private static final long[] TO_NHWC = {0, 2, 3, 1};

    private final GraphProto.Builder graph;
    private final Set<String> names = new HashSet<>();
    /** NHWC values not written yet, by name: the NCHW value each transposes. */
    private final Map<String, String> pendingChannelsLast = new HashMap<>();
    /** NHWC values (written or pending) that are the transpose of an NCHW value, by name. */
    private final Map<String, String> channelsFirstOf = new HashMap<>();
    private String scope = "";

    OnnxGraph(GraphProto.Builder graph) {
        this.graph = graph;
    }

    /** An attribute of a node: a name and a {@code long}, {@code long[]}, {@code float} or {@code String} value. */
    public record Attribute(String name, Object value) {
        public Attribute {
            if (!(value instanceof Long || value instanceof long[] || value instanceof Float
                    || value instanceof String)) {
                throw new IllegalArgumentException("ONNX attribute " + name + ": expected a long, long[], float or"
                        + " String, got " + (value == null ? "null" : value.getClass().getSimpleName()));
            }
        }

        AttributeProto proto() {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
            if (value instanceof Long i) {
                a.setType(AttributeProto.AttributeType.INT).setI(i);
            } else if (value instanceof long[] ints) {
                a.setType(AttributeProto.AttributeType.INTS);
                for (long i : ints) {
                    a.addInts(i);
                }
            } else if (value instanceof Float f) {
                a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
            } else {
                a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8((String) value));
            }
            return a.build();
        }
    }

    public static Attribute attribute(String name, long value) {
        return new Attribute(name, value);
    }

    public static Attribute attribute(String name, long... values) {
        return new Attribute(name, values.clone());
    }

    public static Attribute attribute(String name, float value) {
        return new Attribute(name, value);
    }

    public static Attribute attribute(String name, String value) {
        return new Attribute(name, value);
    }

    /** Names made from now on start with {@code layerName/}. */
    void scope(String layerName) {
        this.scope = layerName + "/";
    }

    /** A name not used yet in this graph: {@code scope + hint}, with a counter if needed. */
    public String uniqueName(String hint) {
        String base = scope + hint;
        String name = base;
        for (int i = 1; !names.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /** Reserves a name the graph's inputs or outputs use. */
    void reserve(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("ONNX name used twice: " + name);
        }
    }

    /**
     * Appends a node {@code opType(inputs) -> output} of the default ONNX domain and returns its output's name
     * ({@code scope/opType}).
     */
    public String node(String opType, List<String> inputs, Attribute... attributes) {
        return node(opType, inputs, uniqueName(opType), attributes);
    }

    private String node(String opType, List<String> inputs, String output, Attribute... attributes) {
        for (String input : inputs) {
            materialize(input);
        }
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(output).addOutput(output)
                .addAllInput(inputs);
        for (Attribute a : attributes) {
            n.addAttribute(a.proto());
        }
        graph.addNode(n);
        return output;
    }

    /**
     * Adds {@code values} as a float32 initializer (a float64 tensor is rounded to float32) and returns its name
     * ({@code scope/hint}).
     */
    public String initializer(String hint, Tensor values) {
        String name = uniqueName(hint);
        float[] data = values.toFloatArray();
        ByteBuffer raw = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(raw.array()));
        for (int d : values.shape().dims()) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** The NCHW form of an NHWC image batch: its source if {@code nhwc} came from {@link #channelsLast}. */
    public String channelsFirst(String nhwc) {
        String source = channelsFirstOf.get(nhwc);
        if (source != null) {
            return source;
        }
        String nchw = node("Transpose", List.of(nhwc), attribute("perm", TO_NCHW));
        return nchw;
    }

    /**
     * The NHWC form of an NCHW image batch. The {@code Transpose} node is written only when a node or the graph's
     * output reads the returned name; {@link #channelsFirst} of it is {@code nchw} again, without a node.
     */
    public String channelsLast(String nchw) {
        String nhwc = uniqueName("to_channels_last");
        pendingChannelsLast.put(nhwc, nchw);
        channelsFirstOf.put(nhwc, nchw);
        return nhwc;
    }

    /** Whether {@link #activation} can write {@code activation}: the built-in ones (an activation of one's own cannot). */
    static boolean exports(Activation activation) {
        return activation == Activation.LINEAR || activation == Activation.RELU || activation == Activation.SIGMOID
                || activation == Activation.TANH || activation == Activation.SOFTMAX;
    }

    /**
     * {@code activation} applied to {@code value}; softmax along {@code axis} (the channels: -1 for flat rows and
     * NHWC, 1 for NCHW). Linear is {@code value} itself.
     */
    public String activation(Activation activation, String value, long axis) {
        if (!exports(activation)) {
            throw new IllegalArgumentException("the activation '" + activation.keyword() + "' has no ONNX form here;"
                    + " ONNX export knows linear, relu, sigmoid, tanh and softmax");
        }
        if (activation == Activation.LINEAR) {
            return value;
        }
        if (activation == Activation.SOFTMAX) {
            return node("Softmax", List.of(value), attribute("axis", axis));
        }
        String op = activation.keyword();   // relu, sigmoid, tanh: ONNX's Relu, Sigmoid, Tanh
        return node(Character.toUpperCase(op.charAt(0)) + op.substring(1), List.of(value));
    }

    /** Writes the pending transpose named {@code name}, if there is one. */
    void materialize(String name) {
        String nchw = pendingChannelsLast.remove(name);
        if (nchw != null) {
            node("Transpose", List.of(nchw), name, attribute("perm", TO_NHWC));
        }
    }

    /** An {@code Identity} node from {@code value} to the graph output {@code output} (already reserved). */
    void identity(String value, String output) {
        node("Identity", List.of(value), output);
    }
}
