// SPDX-License-Identifier: Apache-2.0
/**
 * ONNX export: {@link dev.kindling.core.onnx.OnnxExport} writes a built model as an ONNX file (opset 13, a
 * dynamic batch dimension) through the generated ONNX protobuf classes of Tribuo's {@code tribuo-util-onnx};
 * each layer kind's {@link dev.kindling.core.onnx.OnnxExporter} comes from the registry, the built-in ones from
 * {@link dev.kindling.core.onnx.LayerExporters}. Tests check every layer against ONNX Runtime.
 */
package dev.kindling.core.onnx;
