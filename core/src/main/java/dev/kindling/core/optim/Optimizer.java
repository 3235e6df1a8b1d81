// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A gradient-descent optimizer: an immutable record of hyper-parameters plus a pure update rule over an explicit
 * {@link OptimizerState}. The formulas are Keras 3's ({@code keras/src/optimizers/*.py}); the factories use
 * Keras's defaults.
 *
 * <pre>{@code
 * Optimizer opt = Optimizer.adam();
 * OptimizerState state = opt.init(params.size(), params.dtype());
 * for (...) {
 *     Tensor grads = ...;                                // same size and dtype as params
 *     state = opt.applyInPlace(state, params, grads);   // params and state slots change in place
 * }
 * }</pre>
 *
 * <p>Optimizers are {@link Serializable} and serialize with Jackson as Keras-style configs: the type is the
 * {@code "name"} property and the hyper-parameters use Keras's snake_case keys, e.g.
 * {@code {"name":"rmsprop","learning_rate":0.001,"rho":0.9,"epsilon":1.0E-7}}; read them back with
 * {@code Registry.json().readValue(json, Optimizer.class)}. An optimizer of your own is a record implementing this
 * interface, registered with {@code Registry.optimizer(MyOptimizer::new)} (its {@link #name()}, class and defaults);
 * {@code Registry.optimizer("adam")} is the optimizer of that name with its defaults.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "name")
public interface Optimizer extends Serializable {

    // ---- factories (Keras defaults) ------------------------------------------------------------------

    /** Plain SGD with Keras's defaults: learning rate 0.01, no momentum. */
    static Sgd sgd() {
        return new Sgd(Sgd.DEFAULT_LEARNING_RATE, 0.0, false);
    }

    /** Plain SGD with the given learning rate. */
    static Sgd sgd(double learningRate) {
        return new Sgd(learningRate, 0.0, false);
    }

    /** SGD with (optionally Nesterov) momentum. */
    static Sgd sgd(double learningRate, double momentum, boolean nesterov) {
        return new Sgd(learningRate, momentum, nesterov);
    }

    /** RMSprop with Keras's defaults: learning rate 0.001, rho 0.9, epsilon 1e-7. */
    static RmsProp rmsprop() {
        return new RmsProp(RmsProp.DEFAULT_LEARNING_RATE, RmsProp.DEFAULT_RHO, RmsProp.DEFAULT_EPSILON);
    }

    /** RMSprop with the given learning rate and Keras's other defaults. */
    static RmsProp rmsprop(double learningRate) {
        return rmsprop().withLearningRate(learningRate);
    }

    /** Adam with Keras's defaults: learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7. */
    static Adam adam() {
        return new Adam(Adam.DEFAULT_LEARNING_RATE, Adam.DEFAULT_BETA_1, Adam.DEFAULT_BETA_2, Adam.DEFAULT_EPSILON);
    }

    /** Adam with the given learning rate and Keras's other defaults. */
    static Adam adam(double learningRate) {
        return adam().withLearningRate(learningRate);
    }

    /** Adagrad with Keras's defaults: learning rate 0.001, initial accumulator value 0.1, epsilon 1e-7. */
    static Adagrad adagrad() {
        return new Adagrad(Adagrad.DEFAULT_LEARNING_RATE, Adagrad.DEFAULT_INITIAL_ACCUMULATOR_VALUE,
                Adagrad.DEFAULT_EPSILON);
    }

    /** Adagrad with the given learning rate and Keras's other defaults. */
    static Adagrad adagrad(double learningRate) {
        return adagrad().withLearningRate(learningRate);
    }

    // ---- description ---------------------------------------------------------------------------------

    /** The Keras identifier: {@code "sgd"}, {@code "rmsprop"}, {@code "adam"} or {@code "adagrad"}. */
    String name();

    /** The (constant) learning rate. */
    double learningRate();

    /** A copy with another learning rate. */
    Optimizer withLearningRate(double learningRate);

    /**
     * The names of the slots this optimizer keeps in {@link OptimizerState#slots()}, in order
     * (e.g. {@code [m, v]} for Adam; empty for SGD without momentum).
     */
    List<String> slotNames();

    /**
     * The Keras-style config: {@code name} followed by the hyper-parameters under Keras's keys, in order
     * (what Keras's {@code get_config()} reports for these optimizers, minus the options Kindling lacks). It is
     * exactly the JSON a saved model holds, so it is derived from the same Jackson mapping.
     */
    default Map<String, Object> config() {
        return ConfigJson.of(this);
    }

    // ---- the update ----------------------------------------------------------------------------------

    /**
     * A fresh state for {@code parameterCount} parameters of the given dtype: iteration 0 and this optimizer's
     * slots (see {@link #slotNames()}) as new rank-1 tensors, initialised as Keras does: zeros, unless the
     * optimizer overrides this (Adagrad's accumulator).
     */
    default OptimizerState init(int parameterCount, DType dtype) {
        return Checks.newState(this, parameterCount, dtype, 0.0);
    }

    /**
     * Applies one update step: {@code params} and the state's slot tensors are updated in place, and the state
     * for the next step is returned (the same slot tensors, {@code iterations + 1}). Nothing weight-sized is
     * allocated. Arithmetic is done in double; float32 storage is rounded on each store.
     *
     * @param state the state returned by {@link #init} or by the previous step of this optimizer
     * @param params flat rank-1 parameters, updated in place
     * @param grads flat rank-1 gradient of the loss with respect to {@code params}; read only
     * @throws IllegalArgumentException when params or grads are not rank-1 or their size or dtype differ from
     *     each other or from the state's slots, or the state does not have this optimizer's slots; the message
     *     names what was expected and what was given
     */
    OptimizerState applyInPlace(OptimizerState state, Tensor params, Tensor grads);
}
