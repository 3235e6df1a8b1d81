// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.kindling.app.config.JobConfig.CompileSettings;
import dev.kindling.app.config.JobConfig.DataConfig;
import dev.kindling.app.config.JobConfig.ModelConfig;
import dev.kindling.app.config.JobConfig.OutputConfig;
import dev.kindling.app.config.JobConfig.PredictConfig;
import dev.kindling.core.callbacks.CallbackConfig;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitLoop;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Network;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Binder;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a job file, applies {@code --set} overrides, falls back on the shipped {@code reference.conf} (and the
 * core's {@link FitOptions} defaults), refuses unknown keys with a did-you-mean, binds the sections to
 * {@link JobConfig}'s records with the core's {@link Binder} (the kinds inside them, layers, optimizer, callbacks,
 * loss and metrics, through the registry, as a model file's), then checks what spans sections: the classes against
 * the last layer, the layers against the input shape, the callbacks' monitors against the logs the fit will have.
 * All problems are collected and thrown together as one {@link BadConfigurationException}; nothing but the job file
 * is read. The inputs and a base model on the local disk are checked by the commands before Spark starts
 * ({@code LocalInputs}, {@code TrainCommand}).
 */
public final class JobConfigLoader {

    /** What the configuration is for: each task needs different inputs. */
    public enum Task {
        TRAIN, EVALUATE, PREDICT
    }

    /** Sections whose inner keys are checked by their own rules (maps and kinds) rather than against reference.conf. */
    static final List<String> OPEN_SECTIONS = List.of("spark.conf", "compile.optimizer", "model.layers",
            "fit.callbacks", "fit.class-weights");

    private static final ObjectMapper JSON = new ObjectMapper();

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
        Config merged = null;
        try {
            merged = user.withFallback(reference).resolve();
        } catch (ConfigException e) {
            p.add(e.getMessage());
            p.failIfAny();
        }
        p.over(merged);
        ObjectNode written = (ObjectNode) json(merged.root());
        if (written.get("spark") instanceof ObjectNode spark) {   // not an object: reported by the binder
            spark.set("conf", sparkConf(merged));
        }
        JobConfig.Sections job = new Binder(p, true)
                .withKind(Layer.class, "layer", "type", Registry::layerNames, name -> null,
                        "{type = dense, units = 512, activation = relu}", true)
                .withKind(Optimizer.class, "optimizer", "name", Registry::optimizerNames, Registry::optimizerDefaults,
                        "{name = rmsprop, learning-rate = 0.001, ...}", false)
                .withKind(CallbackConfig.class, "callback", "type", Registry::callbackNames, name -> null,
                        "{type = early_stopping, monitor = val_loss, patience = 2}", true)
                .withNamed(Loss.class, Registry::loss)
                .withNamed(Metric.class, Registry::metric)
                .section(written, (ObjectNode) json(reference.root()), JobConfig.Sections.class,
                        Set.copyOf(OPEN_SECTIONS));
        if (job == null) {
            p.failIfAny();
        }
        job.model().check(p);
        job.fit().check(p);
        job.spark().check(p);
        job.predict().check(p);
        job.data().check(p, task);
        ModelConfig model = job.model();
        checkModel(model);
        DataConfig data = job.data().withNumClasses(numClasses(job.data().numClasses(), model.layers()));
        checkCallbacks(job.fit().callbacks(), job.compile(), data.hasValidation() || job.fit().validationSplit() > 0);
        for (int c : job.fit().classWeights().keySet()) {
            if (c >= data.numClasses()) {
                p.at("fit.class-weights", "names class " + c + " but there are " + data.numClasses()
                        + " classes (0.." + (data.numClasses() - 1) + ")");
            }
        }
        OutputConfig output = job.output();
        PredictConfig predict = job.predict();
        p.failIfAny();
        return new JobConfig(data, model, job.compile(), job.fit(), job.spark(), output, new PredictConfig(
                predict.path() == null ? output.resolve("predictions") : predict.path(),
                predict.format().toLowerCase(Locale.ROOT), predict.columns()), merged, file);
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

    // ---- what spans sections --------------------------------------------------------------------------------

    /** {@code data.num-classes}, or for 0 the last layer's units; a number that disagrees with them is reported. */
    private int numClasses(int numClasses, List<Layer> layers) {
        Layer last = layers.isEmpty() || layers.contains(null) ? null : Network.lastFixedWidth(layers);
        int units = last == null ? 0 : last.outputShape(Shape.of(1)).dim(0);
        if (numClasses != 0 && units > 0 && numClasses != units) {
            p.at("data.num-classes", "is " + numClasses + " but the last " + Registry.layerName(last.getClass())
                    + " layer (model.layers) has " + units + " units; they must agree");
        }
        return numClasses == 0 ? units : numClasses;
    }

    /** What the core checks when it builds the model (a layer that cannot take its input...), before Spark starts. */
    private void checkModel(ModelConfig model) {
        if (model.layers().isEmpty() && model.base() == null) {
            p.at("model.layers", "needs at least one layer");
        } else if (model.base() == null && model.inputShape() != null && !model.layers().contains(null)) {
            try {
                if (new Network(model.layers(), model.inputShape(), DType.FLOAT32).layout().size() == 0) {
                    p.at("model.layers", "the model has no weights to train: add a dense or conv2d layer");
                }
            } catch (IllegalArgumentException e) {
                p.at("model.layers", e.getMessage() + " (input shape " + model.inputShape() + ")");
            }
        }
    }

    /**
     * Each callback built once so that the core checks it, its monitor included: a log the run will have
     * ({@code loss}, the compiled metrics, their {@code val_} twins when there is validation data, {@code lr};
     * {@link FitLoop#logNames}). Building writes nothing: the stores are only named here.
     */
    private void checkCallbacks(List<CallbackConfig> callbacks, CompileSettings compile, boolean validation) {
        Set<String> logs = compile.metrics().contains(null) ? null : FitLoop.logNames(compile.metrics(), validation);
        for (int i = 0; i < callbacks.size(); i++) {
            try {
                if (callbacks.get(i) != null) {
                    var callback = callbacks.get(i).build(dir -> FileStore.local(Path.of("unused")));
                    if (logs != null) {
                        callback.checkLogs(logs);
                    }
                }
            } catch (IllegalArgumentException e) {
                p.at("fit.callbacks[" + i + "]", e.getMessage());
            }
        }
    }

    /** {@code spark.conf}: Spark's settings by Spark's names (unquoted dotted keys nest in HOCON: flattened back). */
    private JsonNode sparkConf(Config merged) {
        ConfigValue v = Problems.value(merged, "spark.conf");
        if (!(v instanceof ConfigObject object)) {
            p.at("spark.conf", "expected an object of Spark settings, e.g. {\"spark.executor.memory\" = 2g}, got "
                    + Binder.describe(json(v)));
            return NullNode.getInstance();
        }
        ObjectNode conf = JSON.createObjectNode();
        for (Map.Entry<String, ConfigValue> e : object.toConfig().entrySet()) {
            if (e.getValue().valueType() == ConfigValueType.LIST) {
                p.at("spark.conf." + e.getKey(), "Spark settings are single values, got "
                        + Binder.describe(json(e.getValue())));
            } else {
                conf.put(String.join(".", ConfigUtil.splitPath(e.getKey())), String.valueOf(e.getValue().unwrapped()));
            }
        }
        return conf;
    }

    private static JsonNode json(ConfigValue value) {
        try {
            return value == null ? NullNode.getInstance() : JSON.readTree(value.render(ConfigRenderOptions.concise()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("HOCON rendered invalid JSON", e);
        }
    }
}
