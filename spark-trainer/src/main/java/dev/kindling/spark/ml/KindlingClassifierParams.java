// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import org.apache.spark.ml.param.DoubleParam;

/** The Params of the Kindling classifier and its model: {@link KindlingParams} and the binary {@code threshold}. */
public interface KindlingClassifierParams extends KindlingParams {

    default DoubleParam threshold() {
        return kindlingParamSet().threshold;
    }

    default double getThreshold() {
        return (Double) getOrDefault(threshold());
    }
}
