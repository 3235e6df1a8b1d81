// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import scala.runtime.AbstractFunction1;

/**
 * A Param holding an optimizer and its hyper-parameters. Saved as the model file's Keras-style config, e.g.
 * {@code {"name":"rmsprop","learning_rate":0.001,"rho":0.9,"epsilon":1.0E-7}}, through the core's {@link Registry}
 * mapper, so an optimizer registered there saves and loads here too.
 */
public final class OptimizerParam extends Param<Optimizer> {

    public OptimizerParam(Identifiable parent, String name, String doc) {
        super(parent, name, doc, new NotNull());
    }

    @Override
    public String jsonEncode(Optimizer value) {
        try {
            return Registry.json().writeValueAsString(value); // the mapper that knows every registered optimizer
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("optimizer: cannot write " + value + " as JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public Optimizer jsonDecode(String json) {
        try {
            return Registry.json().readValue(json, Optimizer.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("optimizer: cannot read an optimizer from " + json + ": "
                    + e.getMessage(), e);
        }
    }

    private static final class NotNull extends AbstractFunction1<Optimizer, Object> implements java.io.Serializable {
        @Override
        public Object apply(Optimizer optimizer) {
            if (optimizer == null) {
                throw new IllegalArgumentException("optimizer must not be null: use Optimizer.rmsprop(), adam()...");
            }
            return Boolean.TRUE;
        }
    }
}
