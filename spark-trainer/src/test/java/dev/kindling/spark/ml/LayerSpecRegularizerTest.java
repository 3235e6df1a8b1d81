// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.regularizers.Regularizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Spark ML layers text takes regularizers as calls, with Keras's defaults for what is left out. */
class LayerSpecRegularizerTest {
    @Test
    void regularizersAsCalls() {
        assertEquals(List.of(new Dense(16, Activation.RELU).withKernelRegularizer(Regularizer.l2(0.001)),
                        new Dense(16, Activation.RELU).withKernelRegularizer(Regularizer.l1L2(0.01, 0.02))
                                .withBiasRegularizer(Regularizer.l1(0.01)),
                        new Dense(1, Activation.SIGMOID)),
                LayerSpec.parse("dense(16, relu, kernel_regularizer=l2(0.001)), dense(16, relu,"
                        + " kernel_regularizer=l1_l2(l1=0.01, l2=0.02), bias_regularizer=l1()), dense(1, sigmoid)"));
        assertEquals(new Conv2D(4, 3, Activation.RELU).withKernelRegularizer(Regularizer.l1L2(0.5, 0)),
                LayerSpec.parse("conv2d(4, 3, activation=relu, kernel_regularizer=l1_l2(0.5))").get(0));
        // The parsed layers round-trip through the Param's JSON, as a saved stage does.
        LayersParam param = new LayersParam(new KindlingClassifier(), "layers", "layers");
        List<dev.kindling.core.layers.Layer> layers = LayerSpec.parse("dense(8, relu, kernel_regularizer=l2(0.3))");
        assertEquals(layers, param.jsonDecode(param.jsonEncode(layers)));
    }

    @Test
    void badRegularizersAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerSpec.parse("dense(16, relu, kernel_regularizer=l3(0.1))"));
        assertTrue(e.getMessage().contains("unknown regularizer 'l3', expected one of l1, l2, l1_l2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LayerSpec.parse("dense(16, relu, kernel_regularizer=l2(-0.1))"));
        assertTrue(e.getMessage().contains("l2 must be a finite number >= 0, got -0.1"), e.getMessage());
    }
}
