// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.kindling.app.config.JobConfig.CompileSettings;
import dev.kindling.app.config.JobConfig.DataConfig;
import dev.kindling.app.config.JobConfig.FitConfig;
import dev.kindling.app.config.JobConfig.Format;
import dev.kindling.app.config.JobConfig.ModelConfig;
import dev.kindling.app.config.JobConfig.OutputConfig;
import dev.kindling.app.config.JobConfig.PredictConfig;
import dev.kindling.app.config.JobConfig.RowConditions;
import dev.kindling.app.config.JobConfig.SparkConfig;
import dev.kindling.core.callbacks.CallbackConfig;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Network;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.registry.Suggestions;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a job file, applies {@code --set} overrides, falls back on the shipped {@code reference.conf} (and the
 * core's {@link FitOptions} defaults), refuses unknown keys with a did-you-mean, binds each section to its record
 * ({@link Sections}, which checks its own ranges) and the open parts (layers, optimizer, callbacks, losses, metrics)
 * through the core's registry, then checks what spans sections: the classes against the last layer, the layers
 * against the input shape, the callbacks' monitors against the logs the fit will have. All problems are collected
 * and thrown together as one {@link BadConfigurationException}; nothing but the job file is read. The inputs and a
 * base model on the local disk are checked by the commands before Spark starts ({@code LocalInputs},
 * {@code TrainCommand}).
 */
public final class JobConfigLoader {

    /** What the configuration is for: each task needs different inputs. */
    public enum Task {
        TRAIN, EVALUATE, PREDICT
    }

    /** Sections whose inner keys are checked by their own rules rather than against reference.conf. */
    static final List<String> OPEN_SECTIONS = List.of("spark.conf", "compile.optimizer", "model.layers",
            "fit.callbacks", "fit.class-weights");

    private final Problems p;

    private JobConfigLoader(Path file) {
        this.p = new Problems(file);
    }

    /**
     * Loads and checks a job configuration.
     *
     * @param file      the job file (HOCON); null for defaults and overrides only
     * @param overrides {@code KEY=VALUE} strings, applied in order (later wins); VALUE is a HOCON value, and
     *                  anything that does not parse as one (e.g. {@code local[2]}) is taken as a plain string
     * @throws BadConfigurationException listing every problem found
     */
    public static JobConfig load(Path file, List<String> overrides, Task task) throws BadConfigurationException {
        return new JobConfigLoader(file).read(file, overrides, task);
    }

    /**
     * The shipped defaults: this jar's own reference.conf (so another library's can't mix in), over the defaults
     * the core declares for what it owns. The fit's epochs, batch size, validation split, seed and shuffling are
     * {@link FitOptions}' defaults, read from it rather than written again in reference.conf.
     */
    static Config reference() {
        URL url = JobConfigLoader.class.getResource("/reference.conf");
        if (url == null) {
            throw new IllegalStateException("reference.conf is missing from the application jar");
        }
        FitOptions fit = FitOptions.builder().build();
        return ConfigFactory.parseURL(url, ConfigParseOptions.defaults().setAllowMissing(false)
                .setOriginDescription("reference.conf")).withFallback(ConfigFactory.parseMap(Map.of(
                "fit.epochs", fit.epochs(), "fit.batch-size", fit.batchSize(), "fit.validation-split",
                fit.validationSplit(), "fit.seed", fit.seed(), "fit.shuffle", fit.shuffle()),
                "the core's FitOptions defaults"));
    }

    private JobConfig read(Path file, List<String> overrides, Task task) throws BadConfigurationException {
        Config reference = reference();
        Config user = ConfigFactory.empty();
        if (file != null && !Files.isRegularFile(file)) {
            p.add(file + ": the configuration file does not exist" + (Files.isDirectory(file) ? " (it is a directory)"
                    : ""));
        } else if (file != null) {
            try {
                user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                p.add(e.getMessage());
            }
        }
        for (String override : overrides) {
            Config one = parseOverride(override);
            if (one != null) {
                user = one.withFallback(user);
            }
        }
        p.failIfAny();
        checkKnownKeys(user.root(), reference.root(), "");
        Config merged = null;
        try {
            merged = user.withFallback(reference).resolve();
        } catch (ConfigException e) {
            p.add(e.getMessage());
            p.failIfAny();
        }
        p.over(merged, reference);

        Sections.Job job = p.bind(Sections.Job.class);
        if (job == null) {
            p.failIfAny();
        }
        Format format = job.check(p, task);
        ModelConfig model = model(job.model());
        CompileSettings compile = compile(job.compile());
        DataConfig data = data(job.data(), format, model);
        Sections.Fit f = job.fit();
        FitConfig fit = new FitConfig(f.epochs(), f.batchSize(), f.validationSplit(), f.seed(), f.shuffle(),
                f.partitions(), f.treeDepth(), f.steps(), f.checkpoint(), callbacks(compile, data, f.validationSplit()),
                classWeights());
        OutputConfig output = new OutputConfig(job.output().dir());
        Sections.Predict predict = job.predict();
        String predictions = predict.path() == null && output.dir() != null ? output.resolve("predictions")
                : predict.path();
        for (int c : fit.classWeights().keySet()) {
            if (c >= data.numClasses()) {
                p.at("fit.class-weights", "names class " + c + " but there are " + data.numClasses()
                        + " classes (0.." + (data.numClasses() - 1) + ")");
            }
        }
        SparkConfig spark = new SparkConfig(job.spark().master(), job.spark().appName(), sparkConf());
        p.failIfAny();
        return new JobConfig(data, model, compile, fit, spark, output, new PredictConfig(predictions,
                String.valueOf(predict.format()).toLowerCase(java.util.Locale.ROOT), Sections.orEmpty(predict.columns())),
                merged, file);
    }

    // ---- overrides and unknown keys ----------------------------------------------------------------------

    private Config parseOverride(String override) {
        int eq = override.indexOf('=');
        String origin = "--set " + override;
        if (eq <= 0) {
            p.add(origin + ": expected KEY=VALUE, e.g. --set fit.epochs=2");
            return null;
        }
        String key = override.substring(0, eq).trim();
        String text = override.substring(eq + 1).trim();
        try {
            ConfigUtil.splitPath(key);
        } catch (ConfigException e) {
            p.add(origin + ": '" + key + "' is not a valid key");
            return null;
        }
        ConfigValue value;
        try {
            // root().get keeps a null value (--set data.dir=null), which getValue would refuse.
            value = ConfigFactory.parseString("v = " + text,
                    ConfigParseOptions.defaults().setOriginDescription(origin)).root().get("v");
        } catch (ConfigException e) {
            // Not a HOCON value (local[2], spark://host:7077, ...): the text itself.
            value = ConfigValueFactory.fromAnyRef(text, origin);
        }
        return ConfigFactory.empty().withValue(key, value);
    }

    private void checkKnownKeys(ConfigObject user, ConfigObject ref, String prefix) {
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String key = e.getKey();
            String path = prefix.isEmpty() ? ConfigUtil.joinPath(key) : prefix + "." + ConfigUtil.joinPath(key);
            ConfigValue known = ref.get(key);
            if (known == null) {
                p.at(firstOrigin(e.getValue()), path, "unknown key" + Suggestions.didYouMean(key, ref.keySet())
                        + "; known keys here: " + String.join(", ", new TreeSet<>(ref.keySet())));
            } else if (!OPEN_SECTIONS.contains(path) && known.valueType() == ConfigValueType.OBJECT
                    && e.getValue().valueType() == ConfigValueType.OBJECT) {
                checkKnownKeys((ConfigObject) e.getValue(), (ConfigObject) known, path);
            }
        }
    }

    /** Where a value came from; for an object, where its first value came from (an object made by --set a.b=1 has no origin of its own). */
    private static ConfigOrigin firstOrigin(ConfigValue v) {
        if (v instanceof ConfigObject o && !o.isEmpty()) {
            return firstOrigin(o.values().iterator().next());
        }
        return v.origin();
    }

    // ---- what spans sections, and the open parts bound through the registry -----------------------------

    /** The data section's record, with {@code num-classes} 0 taken from the last layer's units. */
    private DataConfig data(Sections.Data d, Format format, ModelConfig model) {
        int numClasses = d.numClasses();
        if (!model.layers().isEmpty()) {
            Layer last = Network.lastFixedWidth(model.layers());
            int units = last == null ? 0 : last.outputShape(Shape.of(1)).dim(0);
            if (numClasses == 0) {
                numClasses = units;
            } else if (units > 0 && numClasses != units) {
                p.at("data.num-classes", "is " + numClasses + " but the last " + Registry.layerName(last.getClass())
                        + " layer (model.layers) has " + units + " units; they must agree");
            }
        }
        String padding = d.parquet().padding() == null ? null : d.parquet().padding().toLowerCase(java.util.Locale.ROOT);
        return new DataConfig(format, d.dir(), Sections.orEmpty(d.train()), Sections.orEmpty(d.test()),
                Sections.orEmpty(d.validation()), numClasses, d.scale(), d.partitions(), new JobConfig.CsvOptions(
                d.csv().header(), d.csv().delimiter(), d.csv().labelColumn(), Sections.orEmpty(
                d.csv().featureColumns())), d.libsvm().numFeatures(), d.parquet().featuresColumn(),
                d.parquet().labelColumn(), d.weightColumn(), new RowConditions(d.trainWhere(), d.validationWhere(),
                d.testWhere()), "none".equals(padding) ? null : padding, d.parquet().truncating() == null ? null
                : d.parquet().truncating().toLowerCase(java.util.Locale.ROOT));
    }

    private ModelConfig model(Sections.Model m) {
        ConfigValue list = p.value("model.layers");
        boolean base = m.base().path() != null && !m.base().path().isEmpty();
        List<Layer> bound = list instanceof ConfigList items && (!items.isEmpty() || base) ? objects("model.layers",
                items, Layer.class, "layer", Registry.layerNames(), "{type = dense, units = 512, activation = relu}")
                : List.of();
        if (!(list instanceof ConfigList)) {
            p.at("model.layers", "expected a list of layers, e.g. [{type = dense, units = 10, activation ="
                    + " softmax}], got " + Problems.describe(list));
        } else if (bound.isEmpty() && !base) {
            p.at("model.layers", "needs at least one layer");
        }
        List<Layer> layers = bound.stream().filter(java.util.Objects::nonNull).toList();
        Shape declared = m.shape() != null || layers.isEmpty() ? m.shape() : layers.get(0).inputShape();
        if (!base && declared != null && !layers.isEmpty() && layers.size() == bound.size()) {
            try {
                // What the core checks when it builds the model (a layer that cannot take its input, outputs that
                // are not flat), before Spark starts.
                if (new Network(layers, declared, DType.FLOAT32).layout().size() == 0) {
                    p.at("model.layers", "the model has no weights to train: add a dense or conv2d layer");
                }
            } catch (IllegalArgumentException e) {
                p.at("model.layers", e.getMessage() + " (input shape " + declared + ")");
            }
        }
        DType dtype = Sections.DTYPES.contains(String.valueOf(m.dtype()).toLowerCase(java.util.Locale.ROOT))
                ? DType.fromKeyword(m.dtype().toLowerCase(java.util.Locale.ROOT)) : DType.FLOAT32;
        return new ModelConfig(layers, declared, dtype, m.seed(), base ? new ModelConfig.BaseModel(m.base().path(),
                m.base().keepLayers(), m.base().freeze()) : null);
    }

    private CompileSettings compile(Sections.Compile c) {
        Optimizer optimizer = optimizer();
        String loss = p.choice("compile.loss", c.loss(), List.copyOf(Registry.lossNames()));
        List<Metric> metrics = new ArrayList<>();
        for (String m : Sections.orEmpty(c.metrics())) {
            try {
                metrics.add(Registry.metric(m));
            } catch (IllegalArgumentException e) {
                p.at("compile.metrics", e.getMessage());
            }
        }
        return new CompileSettings(optimizer, loss == null ? null : Registry.loss(loss), metrics);
    }

    /**
     * {@code compile.optimizer}: a name ({@code adam}: Keras's defaults) or an object with the name and any of its
     * parameters, the rest taking the optimizer's defaults. Bound through the registry like a model file's.
     */
    private Optimizer optimizer() {
        String key = "compile.optimizer";
        ConfigValue v = p.value(key);
        ConfigObject object;
        if (v != null && v.valueType() == ConfigValueType.STRING) {
            object = ConfigFactory.empty().withValue("name", v).root(); // shorthand: optimizer = adam
        } else if (v != null && v.valueType() == ConfigValueType.OBJECT) {
            object = (ConfigObject) v;
        } else {
            p.at(key, "expected {name = rmsprop, learning-rate = 0.001, ...} or a name, got " + Problems.describe(v));
            return null;
        }
        ConfigValue name = object.get("name");
        Optimizer defaults = name == null ? null : Registry.optimizerDefaults(String.valueOf(name.unwrapped()));
        return Binding.bind(object, key, Optimizer.class, "optimizer", "name", defaults, Registry.optimizerNames(), p);
    }

    /**
     * {@code fit.callbacks}: each bound to its registered {@link CallbackConfig}, then built once so that the core
     * checks it, its monitor included: a log the run will have ({@code loss}, the compiled metrics, their
     * {@code val_} twins when there is validation data, {@code lr}; {@link FitLoop#logNames}).
     */
    private List<CallbackConfig> callbacks(CompileSettings compile, DataConfig data, double validationSplit) {
        ConfigValue list = p.value("fit.callbacks");
        if (!(list instanceof ConfigList items)) {
            if (list != null && list.unwrapped() != null) {
                p.at("fit.callbacks", "expected a list of callbacks, e.g. [{type = early_stopping, patience = 2}],"
                        + " got " + Problems.describe(list));
            }
            return List.of();
        }
        List<CallbackConfig> specs = objects("fit.callbacks", items, CallbackConfig.class, "callback",
                Registry.callbackNames(), "{type = early_stopping, monitor = val_loss, patience = 2}");
        java.util.Set<String> logs = compile.metrics() == null ? null : FitLoop.logNames(compile.metrics(),
                data.hasValidation() || validationSplit > 0);
        for (int i = 0; i < specs.size(); i++) {
            try {
                if (specs.get(i) != null) {
                    // Building writes nothing: the stores are only named here.
                    var callback = specs.get(i).build(dir -> FileStore.local(Path.of("unused")));
                    if (logs != null) {
                        callback.checkLogs(logs);
                    }
                }
            } catch (IllegalArgumentException e) {
                p.at(items.get(i).origin(), "fit.callbacks[" + i + "]", e.getMessage());
            }
        }
        return specs.stream().filter(java.util.Objects::nonNull).toList();
    }

    /** Each object of a list bound through the registry, by its {@code type}: null where one does not bind. */
    private <T> List<T> objects(String key, ConfigList items, Class<T> type, String kind, Collection<String> names,
                                String example) {
        List<T> bound = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof ConfigObject object) {
                bound.add(Binding.bind(object, key + "[" + i + "]", type, kind, "type", null, names, p));
            } else {
                p.at(items.get(i).origin(), key + "[" + i + "]", "expected a " + kind + " object like " + example
                        + ", got " + Problems.describe(items.get(i)));
                bound.add(null);
            }
        }
        return bound;
    }

    /** {@code fit.class-weights}: {"3" = 20}, class indices to finite weights >= 0 (checked against the model later). */
    private Map<Integer, Double> classWeights() {
        String key = "fit.class-weights";
        ConfigValue v = p.value(key);
        if (v == null || v.valueType() == ConfigValueType.NULL) {
            return Map.of();
        }
        if (v.valueType() != ConfigValueType.OBJECT) {
            p.at(key, "expected an object of class index = weight, e.g. {\"3\" = 20}, got " + Problems.describe(v));
            return Map.of();
        }
        Map<Integer, Double> weights = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : ((ConfigObject) v).entrySet()) {
            String at = key + "." + e.getKey();
            Long index = e.getKey().matches("\\d{1,10}") ? Long.valueOf(e.getKey()) : null;
            if (index == null || index < 0 || index > Integer.MAX_VALUE) {
                p.at(e.getValue().origin(), at, "expected a class index (an integer >= 0) as the key, got '"
                        + e.getKey() + "'");
                continue;
            }
            Object w = e.getValue().unwrapped();
            if (!(w instanceof Number n) || !(n.doubleValue() >= 0) || Double.isInfinite(n.doubleValue())) {
                p.at(e.getValue().origin(), at, "expected a weight (a finite number >= 0), got "
                        + Problems.describe(e.getValue()));
                continue;
            }
            weights.put(index.intValue(), n.doubleValue());
        }
        return java.util.Collections.unmodifiableMap(weights);
    }

    /** {@code spark.conf}: Spark's settings, by Spark's names. */
    private Map<String, String> sparkConf() {
        Map<String, String> conf = new LinkedHashMap<>();
        ConfigValue v = p.value("spark.conf");
        if (!(v instanceof ConfigObject object)) {
            p.at("spark.conf", "expected an object of Spark settings, e.g. {\"spark.executor.memory\" = 2g}, got "
                    + Problems.describe(v));
            return conf;
        }
        // Unquoted dotted keys (spark.executor.memory = 2g) nest in HOCON; flatten them back to Spark's names.
        for (Map.Entry<String, ConfigValue> e : object.toConfig().entrySet()) {
            if (e.getValue().valueType() == ConfigValueType.LIST) {
                p.at(e.getValue().origin(), "spark.conf." + e.getKey(), "Spark settings are single values, got "
                        + Problems.describe(e.getValue()));
            } else {
                conf.put(String.join(".", ConfigUtil.splitPath(e.getKey())), String.valueOf(e.getValue().unwrapped()));
            }
        }
        return conf;
    }

}
