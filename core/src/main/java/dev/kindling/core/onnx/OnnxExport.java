// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.ParameterLayout;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a built model as an ONNX file that any ONNX runtime scores: opset {@value #OPSET}, float32 weights as
 * initializers, one input {@value #INPUT} of shape {@code (batch, inputShape...)} as the model declares it (flat
 * rows {@code (batch, 784)}, or images channels last {@code (batch, 28, 28, 1)}) and one output {@value #OUTPUT}
 * {@code (batch, outputs)}, both with a dynamic batch dimension named {@value #BATCH}. The output is what
 * {@code Sequential.predict} returns: probabilities for softmax and sigmoid outputs, values for a linear one.
 *
 * <p>Each layer kind's {@link OnnxExporter} comes from the registry; a model with a layer kind that has none
 * fails before anything is written, naming the layer.
 */
public final class OnnxExport {
    /** The ONNX operator set the exporters write (ONNX 1.8, 2020; every current runtime reads it). */
    public static final int OPSET = 13;
    /** IR version 7 goes with opset 13. */
    static final int IR_VERSION = 7;
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    public static final String BATCH = "batch";

    private OnnxExport() {
    }

    /**
     * Every layer has an exporter, or this throws naming the first that has not.
     *
     * @throws IllegalArgumentException naming the layer's position, kind and registered name
     */
    public static void requireExporters(Network network) {
        for (int i = 0; i < network.layers().size(); i++) {
            Class<? extends Layer> type = network.layers().get(i).getClass();
            if (Registry.onnxExporter(type) == null) {
                String name = Registry.layerName(type);
                throw new IllegalArgumentException("cannot export to ONNX: layer " + (i + 1) + " ("
                        + network.layers().get(i).typeName() + ", class " + type.getName()
                        + (name == null ? "" : ", registered as '" + name + "'") + ") has no ONNX exporter;"
                        + " register one with Registry.onnxExporter(" + type.getSimpleName() + ".class, exporter)");
            }
            Activation activation = network.layers().get(i).activation();
            if (!OnnxGraph.exports(activation)) {
                throw new IllegalArgumentException("cannot export to ONNX: layer " + (i + 1) + " ("
                        + network.layers().get(i).typeName() + ") uses the activation '" + activation.keyword()
                        + "', which has no ONNX form here (linear, relu, sigmoid, tanh and softmax have)");
            }
        }
    }

    /** The ONNX model of {@code network} with {@code weights} (the flat vector laid out by its layout). */
    public static ModelProto model(Network network, Tensor weights) {
        requireExporters(network);
        ParameterLayout layout = network.layout();
        List<Shape> shapes = Network.outputShapes(network.layers(), network.inputShape());
        GraphProto.Builder proto = GraphProto.newBuilder().setName("kindling_sequential");
        OnnxGraph graph = new OnnxGraph(proto);
        graph.reserve(INPUT);
        graph.reserve(OUTPUT);
        proto.addInput(valueInfo(INPUT, network.inputShape()));
        List<String> names = network.kerasLayerNames();
        String value = INPUT;
        for (int i = 0; i < network.layers().size(); i++) {
            Layer layer = network.layers().get(i);
            graph.scope(names.get(i));
            value = Registry.onnxExporter(layer.getClass())
                    .export(layer, graph, value, shapes.get(i), layout.views(weights, i));
        }
        graph.scope("");
        graph.identity(value, OUTPUT);
        proto.addOutput(valueInfo(OUTPUT, shapes.get(shapes.size() - 1)));
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("kindling")
                .setProducerVersion(version()).setDomain("dev.kindling")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setDocString("A Kindling Sequential model: " + describe(network))
                .setGraph(proto).build();
    }

    /** Writes {@link #model} to {@code out} (not closed). */
    public static void write(Network network, Tensor weights, OutputStream out) throws IOException {
        model(network, weights).writeTo(out);
    }

    private static ValueInfoProto valueInfo(String name, Shape sample) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
        for (int d : sample.dims()) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private static String describe(Network network) {
        List<String> kinds = new ArrayList<>();
        for (Layer layer : network.layers()) {
            kinds.add(layer.typeName());
        }
        return String.join(" -> ", kinds) + ", input " + network.inputShape();
    }

    private static String version() {
        String v = OnnxExport.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
