// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.registry;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.jsontype.TypeIdResolver;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
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
import dev.kindling.core.optim.Adagrad;
import dev.kindling.core.optim.Adam;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.RmsProp;
import dev.kindling.core.optim.Sgd;
import dev.kindling.core.regularizers.L1;
import dev.kindling.core.regularizers.L1L2;
import dev.kindling.core.regularizers.L2;
import dev.kindling.core.regularizers.Regularizer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one registry of Kindling's pluggable kinds by name, which saved models, job files and the Spark ML stages
 * resolve names through, so a kind of your own, once registered, is as usable as a built-in one:
 * <ul>
 *   <li><b>layers</b> and <b>optimizers</b>: classes that Jackson writes and reads with their name as the type id
 *       ({@code "type": "dense"}, {@code "name": "adam"}); an optimizer also gives its Keras defaults;</li>
 *   <li><b>losses</b> and <b>metrics</b>: factories by Keras's name ({@code categorical_crossentropy},
 *       {@code auc});</li>
 *   <li><b>regularizers</b>: classes Jackson writes and reads with their name as the type id
 *       ({@code "type": "l2"}), Keras's {@code l1}, {@code l2} and {@code l1_l2} built in.</li>
 * </ul>
 * Names are lower case; registering a name again replaces it. Register before loading a model or reading a job
 * file that uses the kind; executors need nothing (layers and losses travel inside the serialized model).
 */
public final class Registry {
    private static final Map<String, Class<? extends Layer>> LAYERS = new LinkedHashMap<>();
    private static final Map<Class<? extends Layer>, OnnxExporter<?>> ONNX_EXPORTERS = new LinkedHashMap<>();
    private static final Map<String, Class<? extends Optimizer>> OPTIMIZERS = new LinkedHashMap<>();
    private static final Map<String, Supplier<? extends Optimizer>> OPTIMIZER_DEFAULTS = new LinkedHashMap<>();
    private static final Map<String, Supplier<? extends Loss>> LOSSES = new LinkedHashMap<>();
    private static final Map<String, Supplier<? extends Metric>> METRICS = new LinkedHashMap<>();
    private static final Map<String, Class<? extends Regularizer>> REGULARIZERS = new LinkedHashMap<>();
    private static volatile ObjectMapper mapper;
    /**
     * A regularizer object without {@code type} is Keras's {@code regularizer_l1_l2} with the factors it names (the
     * job file's {@code kernel-regularizer { l2 = 0.001 }}). A handler of the missing id, not Jackson's
     * {@code defaultImpl}, which would also take a misspelt type for l1_l2.
     */
    private static final DeserializationProblemHandler TYPELESS_REGULARIZER = new DeserializationProblemHandler() {
        @Override
        public JavaType handleMissingTypeId(DeserializationContext context, JavaType baseType,
                                            TypeIdResolver resolver, String failureMessage) {
            return baseType.getRawClass() == Regularizer.class ? context.constructType(L1L2.class) : null;
        }
    };

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

        optimizer("sgd", Sgd.class, Optimizer::sgd);
        optimizer("rmsprop", RmsProp.class, Optimizer::rmsprop);
        optimizer("adam", Adam.class, Optimizer::adam);
        optimizer("adagrad", Adagrad.class, Optimizer::adagrad);

        loss("categorical_crossentropy", () -> Loss.CATEGORICAL_CROSSENTROPY);
        loss("sparse_categorical_crossentropy", () -> Loss.SPARSE_CATEGORICAL_CROSSENTROPY);
        loss("binary_crossentropy", () -> Loss.BINARY_CROSSENTROPY);
        loss("mean_squared_error", () -> Loss.MEAN_SQUARED_ERROR);
        loss("mse", () -> Loss.MEAN_SQUARED_ERROR);

        metric("accuracy", () -> Metric.ACCURACY);
        metric("acc", () -> Metric.ACCURACY);
        metric("categorical_accuracy", () -> Metric.CATEGORICAL_ACCURACY);
        metric("sparse_categorical_accuracy", () -> Metric.SPARSE_CATEGORICAL_ACCURACY);
        metric("binary_accuracy", () -> Metric.BINARY_ACCURACY);
        metric("mae", () -> Metric.MAE);
        metric("mean_absolute_error", () -> Metric.MAE);
        metric("mse", () -> Metric.MSE);
        metric("mean_squared_error", () -> Metric.MSE);
        metric("top_k_categorical_accuracy", () -> Metric.TOP_K_CATEGORICAL_ACCURACY);
        metric("precision", () -> Metric.PRECISION);
        metric("recall", () -> Metric.RECALL);
        metric("auc", () -> Metric.AUC);

        regularizer("l1", L1.class);
        regularizer("l2", L2.class);
        regularizer("l1_l2", L1L2.class);
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

    /** The optimizer {@code name} with its defaults, or null if none is registered under it. */
    public static synchronized Optimizer optimizerDefaults(String name) {
        Supplier<? extends Optimizer> s = OPTIMIZER_DEFAULTS.get(key(name));
        return s == null ? null : s.get();
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

    // ---- losses and metrics -------------------------------------------------------------------------------

    /** Makes a loss known under {@code name} (to {@link Loss#fromKeyword}, saved models, job files). */
    public static synchronized void loss(String name, Supplier<? extends Loss> factory) {
        LOSSES.put(key(name), factory);
    }

    /** The loss registered under {@code name}, or null. */
    public static synchronized Loss lossOrNull(String name) {
        Supplier<? extends Loss> s = LOSSES.get(key(name));
        return s == null ? null : s.get();
    }

    public static synchronized Set<String> lossNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(LOSSES.keySet()));
    }

    /** Makes a metric known under {@code name} (to {@link Metric#fromKeyword}, saved models, job files). */
    public static synchronized void metric(String name, Supplier<? extends Metric> factory) {
        METRICS.put(key(name), factory);
    }

    /** The metric registered under {@code name}, or null. */
    public static synchronized Metric metricOrNull(String name) {
        Supplier<? extends Metric> s = METRICS.get(key(name));
        return s == null ? null : s.get();
    }

    public static synchronized Set<String> metricNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(METRICS.keySet()));
    }

    // ---- regularizers -------------------------------------------------------------------------------------

    /**
     * Registers a regularizer class under {@code name}, the {@code type} of its JSON form (model files, a layer's
     * {@code kernel-regularizer} in job files): a Jackson-serializable record whose components are its factors.
     */
    public static synchronized void regularizer(String name, Class<? extends Regularizer> type) {
        REGULARIZERS.put(key(name), type);
        mapper = null;
    }

    /** The regularizer class registered under {@code name}, or null. */
    public static synchronized Class<? extends Regularizer> regularizerType(String name) {
        return REGULARIZERS.get(key(name));
    }

    /** The name {@code type} is registered under, or null. */
    public static synchronized String regularizerName(Class<?> type) {
        return REGULARIZERS.entrySet().stream().filter(e -> e.getValue().equals(type)).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }

    /** The registered regularizer names, in registration order. */
    public static synchronized Set<String> regularizerNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(REGULARIZERS.keySet()));
    }

    // ---- JSON ---------------------------------------------------------------------------------------------

    /**
     * The Jackson mapper that knows every registered layer and optimizer: rebuilt after a registration (Jackson
     * caches what it resolved, so a mapper built before the registration would not see the new type). Unknown
     * properties are errors, so a misspelt parameter is never silently dropped.
     */
    public static ObjectMapper json() {
        ObjectMapper m = mapper;
        if (m == null) {
            synchronized (Registry.class) {
                if (mapper == null) {
                    ObjectMapper fresh = new ObjectMapper()
                            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                            .addHandler(TYPELESS_REGULARIZER);
                    LAYERS.forEach((name, type) -> fresh.registerSubtypes(new NamedType(type, name)));
                    OPTIMIZERS.forEach((name, type) -> fresh.registerSubtypes(new NamedType(type, name)));
                    REGULARIZERS.forEach((name, type) -> fresh.registerSubtypes(new NamedType(type, name)));
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
