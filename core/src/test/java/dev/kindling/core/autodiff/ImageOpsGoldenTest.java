// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.core.Tolerances;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import dev.kindling.core.tensor.Window2D;
import dev.kindling.core.tensor.Tensors;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Convolution and pooling against values computed independently: small cases worked out by hand below, and
 * PyTorch's float64 results for strides, {@code same} padding, even kernels and several channels, committed in
 * {@code window2d-goldens.json} by {@code scripts/make-conv-goldens} (which also says how PyTorch's layout and
 * padding were mapped to Keras's). Forward values and the gradients of {@code sum(output * weights)}.
 */
class ImageOpsGoldenTest {

    // ---- by hand --------------------------------------------------------------------------------------------

    /**
     * A 3x3 image with two channels, {@code c0 = v} and {@code c1 = -v} for v = 1..9 in row order, and a 2x2
     * kernel with two filters: filter 0 weighs channel 0 by [[1, 2], [3, 4]], filter 1 sums channel 1. Bias
     * [0.5, -1]. Pins the kernel layout (kh, kw, in, out) and the output order (n, oh, ow, out).
     */
    @Test
    void convolutionWorkedOutByHand() {
        double[] x = new double[18];
        for (int v = 1; v <= 9; v++) {
            x[(v - 1) * 2] = v;
            x[(v - 1) * 2 + 1] = -v;
        }
        double[] kernel = new double[2 * 2 * 2 * 2];
        double[] weights = {1, 2, 3, 4};
        for (int cell = 0; cell < 4; cell++) {
            kernel[cell * 4] = weights[cell];      // (ky, kx, in 0, out 0)
            kernel[cell * 4 + 3] = 1;              // (ky, kx, in 1, out 1)
        }
        Variable y = Ops.conv2d(Variable.constant(Tensor.of(x, 1, 3, 3, 2)),
                Variable.constant(Tensor.of(kernel, 2, 2, 2, 2)), Variable.constant(Tensor.of(new double[] {0.5, -1}, 2)),
                new Window2D(2, 2, 1, 1, Padding.VALID));
        // filter 0: 1*1 + 2*2 + 3*4 + 4*5 = 37 at (0, 0); 2+6+15+24 = 47; 4+10+21+32 = 67; 5+12+24+36 = 77
        // filter 1: -(1+2+4+5) = -12; -(2+3+5+6) = -16; -(4+5+7+8) = -24; -(5+6+8+9) = -28
        assertEquals(Tensor.of(new double[] {37.5, -13, 47.5, -17, 67.5, -25, 77.5, -29}, 1, 2, 2, 2), y.value());
    }

    /** A 3x3 image 1..9: 2x2 pools with stride 1 (valid) and stride 2 ('same': the last row and column alone). */
    @Test
    void poolingWorkedOutByHand() {
        Variable x = Variable.constant(Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1));
        assertEquals(Tensor.of(new double[] {5, 6, 8, 9}, 1, 2, 2, 1),
                Ops.maxPool2d(x, new Window2D(2, 2, 1, 1, Padding.VALID)).value());
        assertEquals(Tensor.of(new double[] {5, 6, 8, 9}, 1, 2, 2, 1),
                Ops.maxPool2d(x, new Window2D(2, 2, 2, 2, Padding.SAME)).value());
        // 'same' average pooling counts only the cells inside the image: (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9/1
        assertEquals(Tensor.of(new double[] {3, 4.5, 7.5, 9}, 1, 2, 2, 1),
                Ops.averagePool2d(x, new Window2D(2, 2, 2, 2, Padding.SAME)).value());
        assertEquals(Tensor.of(new double[] {3, 4, 6, 7}, 1, 2, 2, 1),
                Ops.averagePool2d(x, new Window2D(2, 2, 1, 1, Padding.VALID)).value());
    }

    /**
     * Ties (relu's zeros) send the whole gradient to the first cell in window order, never to all of them.
     * Channel 0 is all zeros; channel 1 has its maximum in the last cell.
     */
    @Test
    void maxPoolingGivesATiedWindowsGradientToItsFirstCell() {
        Variable x = Variable.leaf(Tensor.of(new double[] {0, -1, 0, -1, 0, -1, 0, 2}, 1, 2, 2, 2));
        Ops.sum(Ops.maxPool2d(x, new Window2D(2, 2, 2, 2, Padding.VALID))).backward();
        assertEquals(Tensor.of(new double[] {1, 0, 0, 0, 0, 0, 0, 1}, 1, 2, 2, 2), x.grad());
    }

    // ---- PyTorch --------------------------------------------------------------------------------------------

    static Stream<JsonNode> goldens() throws IOException {
        try (InputStream in = ImageOpsGoldenTest.class.getResourceAsStream("window2d-goldens.json")) {
            JsonNode doc = new ObjectMapper().readTree(in);
            List<JsonNode> cases = new ArrayList<>();
            doc.get("cases").forEach(cases::add);
            return cases.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void forwardAndGradientsMatchPyTorch(JsonNode golden) {
        Window2D window = window(golden);
        Variable x = Variable.leaf(tensor(golden, "input", "input_shape", DType.FLOAT64));
        Variable kernel = null;
        Variable bias = null;
        if (golden.get("op").asText().equals("conv2d")) {
            kernel = Variable.leaf(tensor(golden, "kernel", "kernel_shape", DType.FLOAT64));
            Tensor b = tensor(golden, "bias", null, DType.FLOAT64);
            bias = Variable.leaf(b.reshape(b.size()));
        }
        Variable y = apply(golden, x, kernel, bias, window);
        Tensor expected = tensor(golden, "output", "output_shape", DType.FLOAT64);
        assertClose(expected, y.value(), Tolerances.FLOAT64, "output");

        Ops.sum(Ops.mul(y, Variable.constant(tensor(golden, "output_weights", "output_shape", DType.FLOAT64))))
                .backward();
        assertClose(tensor(golden, "input_grad", "input_shape", DType.FLOAT64), x.grad(), Tolerances.FLOAT64,
                "input gradient");
        if (kernel != null) {
            assertClose(tensor(golden, "kernel_grad", "kernel_shape", DType.FLOAT64), kernel.grad(),
                    Tolerances.FLOAT64, "kernel gradient");
            Tensor db = tensor(golden, "bias_grad", null, DType.FLOAT64);
            assertClose(db.reshape(db.size()), bias.grad(), Tolerances.FLOAT64, "bias gradient");
        }
    }

    /** Training runs in float32: the float32 kernels (a separate code path) compute the same values. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void float32ForwardMatchesPyTorch(JsonNode golden) {
        Variable x = Variable.constant(tensor(golden, "input", "input_shape", DType.FLOAT32));
        Variable kernel = null;
        Variable bias = null;
        if (golden.get("op").asText().equals("conv2d")) {
            kernel = Variable.constant(tensor(golden, "kernel", "kernel_shape", DType.FLOAT32));
            Tensor b = tensor(golden, "bias", null, DType.FLOAT32);
            bias = Variable.constant(b.reshape(b.size()));
        }
        Tensor y = apply(golden, x, kernel, bias, window(golden)).value();
        assertEquals(DType.FLOAT32, y.dtype());
        assertClose(tensor(golden, "output", "output_shape", DType.FLOAT64), y.astype(DType.FLOAT64),
                Tolerances.FLOAT32_SUMS, "float32 output");
    }

    /**
     * The float32 backward passes (separate code: the fused relu's mask, the threads' split of a batch) give what
     * float64 gives, on a batch large enough to be split.
     */
    @Test
    void float32GradientsMatchFloat64() {
        Window2D conv = new Window2D(3, 3, 2, 1, Padding.SAME);
        Window2D pool = new Window2D(3, 3, 2, 2, Padding.SAME);
        Tensor x = GradientCheck.input(1, -1, 1, 12, 15, 14, 3);
        Tensor k = GradientCheck.input(2, -0.5, 0.5, 3, 3, 3, 8);
        Tensor b = GradientCheck.input(3, -0.1, 0.1, 8);
        for (int op = 0; op < 3; op++) {
            Tensor[] grads64 = gradients(op, conv, pool, x, k, b);
            Tensor[] grads32 = gradients(op, conv, pool, x.astype(DType.FLOAT32), k.astype(DType.FLOAT32),
                    b.astype(DType.FLOAT32));
            for (int i = 0; i < grads64.length; i++) {
                if (grads64[i] != null) {
                    assertClose(grads64[i], grads32[i].astype(DType.FLOAT64), 1e-4, "op " + op + ", gradient " + i);
                }
            }
        }
    }

    /** Gradients of sum(y * w) for op 0 = conv2dRelu, 1 = maxPool2d, 2 = averagePool2d. */
    private static Tensor[] gradients(int op, Window2D conv, Window2D pool, Tensor x, Tensor k, Tensor b) {
        Variable vx = Variable.leaf(x);
        Variable vk = Variable.leaf(k);
        Variable vb = Variable.leaf(b);
        Variable y = switch (op) {
            case 0 -> Ops.conv2dRelu(vx, vk, vb, conv);
            case 1 -> Ops.maxPool2d(vx, pool);
            default -> Ops.averagePool2d(vx, pool);
        };
        Tensor w = GradientCheck.input(4, -1, 1, y.value().shape().dims()).astype(x.dtype());
        Ops.sum(Ops.mul(y, Variable.constant(w))).backward();
        return op == 0 ? new Tensor[] {vx.grad(), vk.grad(), vb.grad()} : new Tensor[] {vx.grad()};
    }

    private static Variable apply(JsonNode golden, Variable x, Variable kernel, Variable bias, Window2D window) {
        return switch (golden.get("op").asText()) {
            case "conv2d" -> Ops.conv2d(x, kernel, bias, window);
            case "max_pool2d" -> Ops.maxPool2d(x, window);
            case "avg_pool2d" -> Ops.averagePool2d(x, window);
            default -> throw new IllegalArgumentException("unknown op in the goldens: " + golden.get("op"));
        };
    }

    private static Window2D window(JsonNode golden) {
        JsonNode w = golden.get("window");
        return new Window2D(w.get(0).asInt(), w.get(1).asInt(), w.get(2).asInt(), w.get(3).asInt(),
                Padding.fromKeyword(golden.get("padding").asText()));
    }

    private static Tensor tensor(JsonNode golden, String values, String shape, DType dtype) {
        JsonNode v = golden.get(values);
        double[] d = new double[v.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = v.get(i).asDouble();
        }
        int[] dims = {d.length};
        if (shape != null) {
            JsonNode s = golden.get(shape);
            dims = new int[s.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = s.get(i).asInt();
            }
        }
        Tensor t = Tensor.of(d, dims);
        return dtype == DType.FLOAT64 ? t : t.astype(dtype);
    }

    private static void assertClose(Tensor expected, Tensor actual, double tolerance, String what) {
        assertEquals(expected.shape(), actual.shape(), what + " shape");
        assertTrue(Tensors.allClose(actual, expected, tolerance, tolerance), what + ": max |diff| "
                + actual.sub(expected).map(Math::abs).max().item() + "\nexpected " + expected + "\ngot " + actual);
    }

    @Test
    void theGoldensCoverStridesSamePaddingAndChannels() throws IOException {
        List<JsonNode> cases = goldens().toList();
        assertTrue(cases.stream().anyMatch(c -> c.get("padding").asText().equals("same")
                && c.get("window").get(2).asInt() > 1 && c.get("op").asText().equals("conv2d")));
        assertTrue(cases.stream().anyMatch(c -> c.get("input_shape").get(3).asInt() > 1
                && c.get("kernel_shape") != null && c.get("kernel_shape").get(3).asInt() > 1));
        assertEquals(Shape.of(2, 3, 3, 2).size(), cases.get(1).get("output").size());
    }
}
