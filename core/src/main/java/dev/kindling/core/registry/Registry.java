// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.kindling.core.callbacks.CSVLogger;
import dev.kindling.core.callbacks.CallbackConfig;
import dev.kindling.core.callbacks.EarlyStopping;
import dev.kindling.core.callbacks.LearningRateScheduler;
import dev.kindling.core.callbacks.ModelCheckpoint;
import dev.kindling.core.callbacks.ReduceLROnPlateau;
import dev.kindling.core.callbacks.TerminateOnNaN;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.AveragePooling2D;
import dev.kindling.core.layers.Bidirectional;
import dev.kindling.core.layers.Conv1D;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.GRU;
import dev.kindling.core.layers.GlobalAveragePooling1D;
import dev.kindling.core.layers.GlobalAveragePooling2D;
import dev.kindling.core.layers.GlobalMaxPooling1D;
import dev.kindling.core.layers.LSTM;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.MaxPooling1D;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.layers.SimpleRNN;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.onnx.LayerExporters;
import dev.kindling.core.onnx.OnnxExporter;
import dev.kindling.core.optim.Optimizer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one registry of Kindling's pluggable kinds by name, which saved models, job files and the Spark ML stages
 * resolve names through, so a kind of your own, once registered, is as usable as a built-in one. The registry sits
 * above the kinds: they know nothing of it, and each kind's name is declared once, by the kind itself
 * ({@link Loss#keyword}, {@link Optimizer#name}, {@link Activation#keyword}); the registry adds only aliases
 * ({@code mse}, {@code acc}).
 * <ul>
 *   <li><b>layers</b>, <b>optimizers</b> and <b>callbacks</b>: classes that Jackson writes and reads with their name
 *       as the type id ({@code "type": "dense"}, {@code "name": "adam"}, {@code "type": "early_stopping"}); an
 *       optimizer also gives its Keras defaults;</li>
 *   <li><b>losses</b>, <b>metrics</b> and <b>activations</b>: instances by Keras's name
 *       ({@code categorical_crossentropy}, {@code auc}, {@code relu}).</li>
 * </ul>
 * Adding a kind is one class plus one registration, e.g. {@code Registry.activation(Swish.INSTANCE)}. Names are
 * lower case; registering a name again replaces it. Register before loading a model or reading a job file that uses
 * the kind; executors need nothing (layers and losses travel inside the serialized model).
 */
public final class Registry {
    private static final Map<String, Class<? extends Layer>> LAYERS = new LinkedHashMap<>();
    private static final Map<Class<? extends Layer>, OnnxExporter<?>> ONNX_EXPORTERS = new LinkedHashMap<>();
    private static final Map<String, Class<? extends Optimizer>> OPTIMIZERS = new LinkedHashMap<>();
    private static final Map<String, Supplier<? extends Optimizer>> OPTIMIZER_DEFAULTS = new LinkedHashMap<>();
    private static final Map<String, Supplier<? extends Loss>> LOSSES = new LinkedHashMap<>();
    private static final Map<String, Supplier<? extends Metric>> METRICS = new LinkedHashMap<>();
    private static final Map<String, Activation> ACTIVATIONS = new LinkedHashMap<>();
    private static final Map<String, Class<? extends CallbackConfig>> CALLBACKS = new LinkedHashMap<>();
    private static final Pattern TOP_K = Pattern.compile("top_(\\d+)_categorical_accuracy");
    private static volatile ObjectMapper mapper;

    static {
        layer("dense", Dense.class, LayerExporters::dense);
        layer("dropout", Dropout.class, LayerExporters::dropout);
        layer("conv2d", Conv2D.class, LayerExporters::conv2d);
        layer("max_pooling2d", MaxPooling2D.class, LayerExporters::maxPooling2d);
        layer("average_pooling2d", AveragePooling2D.class, LayerExporters::averagePooling2d);
        layer("global_average_pooling2d", GlobalAveragePooling2D.class, LayerExporters::globalAveragePooling2d);
        layer("flatten", Flatten.class, LayerExporters::flatten);
        layer("embedding", Embedding.class);
        layer("simple_rnn", SimpleRNN.class);
        layer("lstm", LSTM.class);
        layer("gru", GRU.class);
        layer("bidirectional", Bidirectional.class);
        layer("conv1d", Conv1D.class);
        layer("max_pooling1d", MaxPooling1D.class);
        layer("global_max_pooling1d", GlobalMaxPooling1D.class);
        layer("global_average_pooling1d", GlobalAveragePooling1D.class);

        optimizer(Optimizer::sgd);
        optimizer(Optimizer::rmsprop);
        optimizer(Optimizer::adam);
        optimizer(Optimizer::adagrad);

        loss(Loss.CATEGORICAL_CROSSENTROPY);
        loss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY);
        loss(Loss.BINARY_CROSSENTROPY);
        loss(Loss.MEAN_SQUARED_ERROR);
        loss("mse", () -> Loss.MEAN_SQUARED_ERROR);

        metric(Metric.ACCURACY);
        metric("acc", () -> Metric.ACCURACY);
        metric(Metric.CATEGORICAL_ACCURACY);
        metric(Metric.SPARSE_CATEGORICAL_ACCURACY);
        metric(Metric.BINARY_ACCURACY);
        metric(Metric.MAE);
        metric("mean_absolute_error", () -> Metric.MAE);
        metric(Metric.MSE);
        metric("mean_squared_error", () -> Metric.MSE);
        metric(Metric.TOP_K_CATEGORICAL_ACCURACY);
        metric(Metric.PRECISION);
        metric(Metric.RECALL);
        metric(Metric.AUC);

        activation(Activation.LINEAR);
        activation(Activation.RELU);
        activation(Activation.SIGMOID);
        activation(Activation.TANH);
        activation(Activation.SOFTMAX);

        callback("early_stopping", EarlyStopping.Config.class);
        callback("reduce_lr_on_plateau", ReduceLROnPlateau.Config.class);
        callback("learning_rate_scheduler", LearningRateScheduler.Config.class);
        callback("model_checkpoint", ModelCheckpoint.Config.class);
        callback("csv_logger", CSVLogger.Config.class);
        callback("terminate_on_nan", TerminateOnNaN.Config.class);
    }

    private Registry() {
    }

    // ---- layers -------------------------------------------------------------------------------------------

    /**
     * Registers a layer type under {@code name}: a class Jackson can write and read (a record whose components
     * are its configuration, or one with a {@code @JsonCreator}), the {@code type} of its JSON form.
     */
    public static synchronized void layer(String name, Class<? extends Layer> type) {
        LAYERS.put(key(name), type);
        mapper = null;
    }

    /** Registers a layer type under {@code name}, as {@link #layer(String, Class)}, with its ONNX exporter. */
    public static synchronized <L extends Layer> void layer(String name, Class<L> type, OnnxExporter<? super L> onnx) {
        layer(name, type);
        onnxExporter(type, onnx);
    }

    /**
     * Makes {@code type} exportable to ONNX ({@code Sequential.exportOnnx}): {@code exporter} writes the nodes of
     * one such layer. Replaces any exporter {@code type} had.
     */
    public static synchronized <L extends Layer> void onnxExporter(Class<L> type, OnnxExporter<? super L> exporter) {
        if (exporter == null) {
            throw new IllegalArgumentException("onnxExporter: the exporter of " + type.getName() + " is null");
        }
        ONNX_EXPORTERS.put(type, exporter);
    }

    /** The ONNX exporter of layer class {@code type}, or null if it has none. */
    @SuppressWarnings("unchecked")
    public static synchronized OnnxExporter<Layer> onnxExporter(Class<? extends Layer> type) {
        return (OnnxExporter<Layer>) ONNX_EXPORTERS.get(type);
    }

    /** The layer class registered under {@code name}, or null. */
    public static synchronized Class<? extends Layer> layerType(String name) {
        return LAYERS.get(key(name));
    }

    /** The name {@code type} is registered under, or null. */
    public static synchronized String layerName(Class<?> type) {
        return LAYERS.entrySet().stream().filter(e -> e.getValue().equals(type)).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }

    /** The registered layer type names, in registration order. */
    public static synchronized Set<String> layerNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(LAYERS.keySet()));
    }

    // ---- optimizers ---------------------------------------------------------------------------------------

    /**
     * Registers an optimizer under {@code name}: its class (a Jackson-serializable record whose components are its
     * hyper-parameters) and its defaults.
     */
    public static synchronized void optimizer(String name, Class<? extends Optimizer> type,
                                              Supplier<? extends Optimizer> defaults) {
        OPTIMIZERS.put(key(name), type);
        OPTIMIZER_DEFAULTS.put(key(name), defaults);
        mapper = null;
    }

    /** Registers an optimizer under its own {@link Optimizer#name()}, with {@code defaults}' class and values. */
    public static void optimizer(Supplier<? extends Optimizer> defaults) {
        Optimizer sample = defaults.get();
        optimizer(sample.name(), sample.getClass(), defaults);
    }

    /** The optimizer {@code name} with its defaults, or null if none is registered under it. */
    public static synchronized Optimizer optimizerDefaults(String name) {
        Supplier<? extends Optimizer> s = OPTIMIZER_DEFAULTS.get(key(name));
        return s == null ? null : s.get();
    }

    /**
     * The optimizer with default hyper-parameters for a Keras identifier ({@code "adam"}; case-insensitive), as in
     * {@code model.compile(optimizer = "adam")}.
     *
     * @throws IllegalArgumentException for a name not registered, listing the known ones
     */
    public static Optimizer optimizer(String name) {
        Optimizer defaults = optimizerDefaults(name);
        if (defaults == null) {
            throw unknown("optimizer", name, optimizerNames(), "");
        }
        return defaults;
    }

    /** The name {@code type} is registered under, or null. */
    public static synchronized String optimizerName(Class<?> type) {
        return OPTIMIZERS.entrySet().stream().filter(e -> e.getValue().equals(type)).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }

    /** The registered optimizer names, in registration order. */
    public static synchronized Set<String> optimizerNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(OPTIMIZERS.keySet()));
    }

    // ---- losses, metrics, activations --------------------------------------------------------------------

    /** Makes a loss known under {@code name} (to saved models, job files, the Spark ML stages). */
    public static synchronized void loss(String name, Supplier<? extends Loss> factory) {
        LOSSES.put(key(name), factory);
    }

    /** Makes {@code loss} known under its own {@link Loss#keyword()}. */
    public static void loss(Loss loss) {
        loss(loss.keyword(), () -> loss);
    }

    /** The loss registered under {@code name}, or null. */
    public static synchronized Loss lossOrNull(String name) {
        Supplier<? extends Loss> s = LOSSES.get(key(name));
        return s == null ? null : s.get();
    }

    /**
     * The loss with Keras's name {@code name} (case-insensitive; {@code mse} for mean squared error).
     *
     * @throws IllegalArgumentException naming the known ones
     */
    public static Loss loss(String name) {
        Loss known = lossOrNull(name);
        if (known == null) {
            throw unknown("loss", name, lossNames(), "");
        }
        return known;
    }

    public static synchronized Set<String> lossNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(LOSSES.keySet()));
    }

    /** Makes a metric known under {@code name} (to saved models, job files). */
    public static synchronized void metric(String name, Supplier<? extends Metric> factory) {
        METRICS.put(key(name), factory);
    }

    /** Makes {@code metric} known under its own {@link Metric#keyword()}. */
    public static void metric(Metric metric) {
        metric(metric.keyword(), () -> metric);
    }

    /** The metric registered under {@code name} (or {@code top_<k>_categorical_accuracy}), or null. */
    public static synchronized Metric metricOrNull(String name) {
        Supplier<? extends Metric> s = METRICS.get(key(name));
        if (s != null) {
            return s.get();
        }
        Matcher topK = TOP_K.matcher(key(name));
        return topK.matches() ? Metric.topK(Integer.parseInt(topK.group(1))) : null;
    }

    /**
     * The metric with Keras's name {@code name} (case-insensitive; {@code acc} is {@code accuracy};
     * {@code top_<k>_categorical_accuracy} for any k).
     *
     * @throws IllegalArgumentException naming the known ones
     */
    public static Metric metric(String name) {
        Metric known = metricOrNull(name);
        if (known == null) {
            throw unknown("metric", name, metricNames(), " (or top_<k>_categorical_accuracy)");
        }
        return known;
    }

    public static synchronized Set<String> metricNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(METRICS.keySet()));
    }

    /** Makes {@code activation} known under its own {@link Activation#keyword()} (to saved models, job files). */
    public static synchronized void activation(Activation activation) {
        ACTIVATIONS.put(key(activation.keyword()), activation);
    }

    /**
     * The activation with Keras's name {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known ones
     */
    public static synchronized Activation activation(String name) {
        Activation known = name == null ? null : ACTIVATIONS.get(key(name));
        if (known == null) {
            throw unknown("activation", name, ACTIVATIONS.keySet(), "");
        }
        return known;
    }

    public static synchronized Set<String> activationNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(ACTIVATIONS.keySet()));
    }

    // ---- callbacks ----------------------------------------------------------------------------------------

    /**
     * Registers a callback under {@code name}: its description, a Jackson-bindable record of Keras's parameters
     * (snake case) that builds the listener, which job files name as {@code {type = name, ...}}.
     */
    public static synchronized void callback(String name, Class<? extends CallbackConfig> type) {
        CALLBACKS.put(key(name), type);
        mapper = null;
    }

    /** The registered callback names, in registration order. */
    public static synchronized Set<String> callbackNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(CALLBACKS.keySet()));
    }

    private static IllegalArgumentException unknown(String kind, String name, Set<String> known, String more) {
        return new IllegalArgumentException("unknown " + kind + " '" + name + "'"
                + Suggestions.didYouMean(String.valueOf(name), known) + ", expected one of "
                + String.join(", ", known) + more);
    }

    // ---- JSON ---------------------------------------------------------------------------------------------

    /**
     * The Jackson mapper that knows every registered layer, optimizer, callback and activation: rebuilt after a registration (Jackson
     * caches what it resolved, so a mapper built before the registration would not see the new type). Unknown
     * properties are errors, so a misspelt parameter is never silently dropped.
     */
    public static ObjectMapper json() {
        ObjectMapper m = mapper;
        if (m == null) {
            synchronized (Registry.class) {
                if (mapper == null) {
                    ObjectMapper fresh = new ObjectMapper()
                            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
                    LAYERS.forEach((name, type) -> fresh.registerSubtypes(new NamedType(type, name)));
                    OPTIMIZERS.forEach((name, type) -> fresh.registerSubtypes(new NamedType(type, name)));
                    CALLBACKS.forEach((name, type) -> fresh.registerSubtypes(new NamedType(type, name)));
                    fresh.registerModule(new SimpleModule("activations")
                            .addDeserializer(Activation.class, new JsonDeserializer<>() {
                                @Override
                                public Activation deserialize(JsonParser p, DeserializationContext c)
                                        throws java.io.IOException {
                                    return activation(p.getValueAsString());
                                }
                            }));
                    mapper = fresh;
                }
                m = mapper;
            }
        }
        return m;
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
