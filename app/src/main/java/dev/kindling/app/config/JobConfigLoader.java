package dev.kindling.app.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.kindling.app.config.JobConfig.CompileSettings;
import dev.kindling.app.config.JobConfig.CsvOptions;
import dev.kindling.app.config.JobConfig.DataConfig;
import dev.kindling.app.config.JobConfig.FitConfig;
import dev.kindling.app.config.JobConfig.Format;
import dev.kindling.app.config.JobConfig.ModelConfig;
import dev.kindling.app.config.JobConfig.OutputConfig;
import dev.kindling.app.config.JobConfig.PredictConfig;
import dev.kindling.app.config.JobConfig.SparkConfig;
import dev.kindling.core.layers.Activation;
import dev.kindling.core.layers.AveragePooling2D;
import dev.kindling.core.layers.Conv2D;
import dev.kindling.core.layers.Dense;
import dev.kindling.core.layers.Dropout;
import dev.kindling.core.layers.Flatten;
import dev.kindling.core.layers.GlobalAveragePooling2D;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.layers.MaxPooling2D;
import dev.kindling.core.model.Network;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Padding;
import dev.kindling.core.tensor.Shape;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a job file, applies {@code --set} overrides, falls back on the shipped {@code reference.conf}, and checks
 * everything: unknown keys (with a did-you-mean), types, ranges, names of optimizers, losses, activations,
 * metrics and formats, and that the inputs the task needs are given and (for local paths) exist. All problems are
 * collected and thrown together as one {@link BadConfigurationException}; nothing touches Spark or the disk
 * (other than reading) before that.
 */
public final class JobConfigLoader {

    /** What the configuration is for: each task needs different inputs. */
    public enum Task {
        TRAIN, EVALUATE, PREDICT
    }

    static final List<String> FORMATS = List.of("idx", "csv", "libsvm", "parquet");
    static final List<String> OPTIMIZERS = List.of("sgd", "rmsprop", "adam", "adagrad");
    static final List<String> ACTIVATIONS = List.of("linear", "relu", "sigmoid", "tanh", "softmax");
    static final List<String> LAYER_TYPES = List.of("dense", "dropout", "conv2d", "max_pooling2d", "average_pooling2d",
            "global_average_pooling2d", "flatten");
    static final List<String> PADDINGS = List.of("valid", "same");
    static final List<String> DTYPES = List.of("float32", "float64");
    static final List<String> PREDICT_FORMATS = List.of("parquet", "csv");

    /** Each optimizer's own keys (besides {@code name}), in the order they are documented. */
    static final Map<String, List<String>> OPTIMIZER_KEYS = Map.of(
            "sgd", List.of("learning-rate", "momentum", "nesterov"),
            "rmsprop", List.of("learning-rate", "rho", "epsilon"),
            "adam", List.of("learning-rate", "beta-1", "beta-2", "epsilon"),
            "adagrad", List.of("learning-rate", "initial-accumulator", "epsilon"));

    /** Sections whose inner keys are checked by their own rules rather than against reference.conf. */
    private static final List<String> OPEN_SECTIONS = List.of("spark.conf", "compile.optimizer", "model.layers");

    private final Config reference;
    private final List<String> problems = new ArrayList<>();
    private Config merged;
    private Path jobFile;

    private JobConfigLoader(Config reference) {
        this.reference = reference;
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
        return new JobConfigLoader(reference()).read(file, overrides, task);
    }

    /** The shipped defaults. Read from this jar's own resource, so another library's reference.conf can't mix in. */
    static Config reference() {
        URL url = JobConfigLoader.class.getResource("/reference.conf");
        if (url == null) {
            throw new IllegalStateException("reference.conf is missing from the application jar");
        }
        return ConfigFactory.parseURL(url, ConfigParseOptions.defaults().setAllowMissing(false)
                .setOriginDescription("reference.conf"));
    }

    private JobConfig read(Path file, List<String> overrides, Task task) throws BadConfigurationException {
        Config user = ConfigFactory.empty();
        jobFile = file;
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                problems.add(file + ": the configuration file does not exist" + (Files.isDirectory(file)
                        ? " (it is a directory)" : ""));
            } else {
                try {
                    user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
                } catch (ConfigException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        for (String override : overrides) {
            Config one = parseOverride(override);
            if (one != null) {
                user = one.withFallback(user);
            }
        }
        failIfProblems();
        checkKnownKeys(user.root(), reference.root(), "");
        try {
            merged = user.withFallback(reference).resolve();
        } catch (ConfigException e) {
            problems.add(e.getMessage());
            failIfProblems();
        }

        ModelConfig model = model();
        CompileSettings compile = compile();
        DataConfig data = data(task, model);
        FitConfig fit = fit();
        SparkConfig spark = spark();
        OutputConfig output = output();
        PredictConfig predict = predict(output);
        failIfProblems();
        return new JobConfig(data, model, compile, fit, spark, output, predict, merged);
    }

    private void failIfProblems() throws BadConfigurationException {
        if (!problems.isEmpty()) {
            throw new BadConfigurationException(problems);
        }
    }

    // ---- overrides and unknown keys ----------------------------------------------------------------------

    private Config parseOverride(String override) {
        int eq = override.indexOf('=');
        String origin = "--set " + override;
        if (eq <= 0) {
            problems.add(origin + ": expected KEY=VALUE, e.g. --set fit.epochs=2");
            return null;
        }
        String key = override.substring(0, eq).trim();
        String text = override.substring(eq + 1).trim();
        try {
            ConfigUtil.splitPath(key);
        } catch (ConfigException e) {
            problems.add(origin + ": '" + key + "' is not a valid key");
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
                problems.add(where(firstOrigin(e.getValue())) + path + ": unknown key"
                        + Suggestions.didYouMean(key, ref.keySet()) + "; known keys here: "
                        + String.join(", ", new java.util.TreeSet<>(ref.keySet())));
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

    // ---- sections ----------------------------------------------------------------------------------------

    private DataConfig data(Task task, ModelConfig model) {
        String formatName = choice("data.format", FORMATS);
        Format format = formatName == null ? Format.IDX : Format.valueOf(formatName.toUpperCase(Locale.ROOT));
        String dir = optionalString("data.dir");
        List<String> train = stringList("data.train");
        List<String> test = stringList("data.test");
        int numClasses = (int) integer("data.num-classes", 0, Integer.MAX_VALUE);
        double scale = number("data.scale");
        if (!(scale > 0) || Double.isInfinite(scale)) {
            problem("data.scale", "must be a positive number, got " + scale);
        }
        int partitions = (int) integer("data.partitions", 0, 1_000_000);
        CsvOptions csv = new CsvOptions(bool("data.csv.header"), nonEmptyString("data.csv.delimiter"),
                nonEmptyString("data.csv.label-column"), stringList("data.csv.feature-columns"));
        int numFeatures = (int) integer("data.libsvm.num-features", 0, Integer.MAX_VALUE);
        String parquetFeatures = nonEmptyString("data.parquet.features-column");
        String parquetLabel = nonEmptyString("data.parquet.label-column");

        if (format == Format.IDX) {
            if (dir != null) {
                checkLocalPath("data.dir", dir, true);
            } else {
                idxFiles("data.train", train, task == Task.TRAIN);
                idxFiles("data.test", test, task != Task.TRAIN);
            }
        } else {
            if (dir != null) {
                problem("data.dir", "is for format idx only; with format " + format.keyword()
                        + " give data.train and data.test");
            }
            inputs("data.train", train, task == Task.TRAIN);
            inputs("data.test", test, task != Task.TRAIN);
        }
        if (model != null && !model.layers().isEmpty()) {
            int units = lastUnits(model.layers());
            if (numClasses == 0) {
                numClasses = units;
            } else if (units > 0 && numClasses != units) {
                problem("data.num-classes", "is " + numClasses + " but the last dense layer (model.layers) has "
                        + units + " units; they must agree");
            }
        }
        return new DataConfig(format, dir, train, test, numClasses, scale, partitions, csv, numFeatures,
                parquetFeatures, parquetLabel);
    }

    private static int lastUnits(List<Layer> layers) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i) instanceof Dense d) {
                return d.units();
            }
        }
        return 0;
    }

    private void idxFiles(String key, List<String> files, boolean needed) {
        if (files.isEmpty()) {
            if (needed) {
                problem(key, "missing: format idx needs data.dir (a folder with the four MNIST files) or " + key
                        + " = [images-file, labels-file]");
            }
            return;
        }
        if (files.size() != 2) {
            problem(key, "format idx takes exactly two files, [images, labels]; got " + files.size());
            return;
        }
        for (int i = 0; i < 2; i++) {
            checkLocalPath(key + "[" + i + "]", files.get(i), false);
        }
    }

    private void inputs(String key, List<String> paths, boolean needed) {
        if (paths.isEmpty()) {
            if (needed) {
                problem(key, "missing: give the input path(s), e.g. " + key + " = \"data/train.csv\"");
            }
            return;
        }
        for (int i = 0; i < paths.size(); i++) {
            String p = paths.get(i);
            boolean glob = p.chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
            if (!glob) {
                checkLocalPath(paths.size() == 1 ? key : key + "[" + i + "]", p, null);
            }
        }
    }

    /**
     * For paths on the local file system (no scheme, or file:), checks the path exists: as a directory when
     * {@code directory} is true, a file when false, either when null. Other file systems are Spark's business.
     */
    private void checkLocalPath(String key, String path, Boolean directory) {
        Path local = localPath(path);
        if (local == null) {
            return;
        }
        if (!Files.exists(local)) {
            problem(key, "'" + path + "' does not exist" + (local.isAbsolute() ? "" : " (relative to "
                    + Path.of("").toAbsolutePath() + ")"));
        } else if (directory != null && directory && !Files.isDirectory(local)) {
            problem(key, "'" + path + "' is not a directory");
        } else if (directory != null && !directory && !Files.isRegularFile(local)) {
            problem(key, "'" + path + "' is not a file");
        }
    }

    /** The local file a path or URI names ({@code file:} or no scheme), or null for another file system. */
    public static Path localPath(String path) {
        if (path.startsWith("file:")) {
            try {
                return Path.of(URI.create(path));
            } catch (IllegalArgumentException e) {
                return Path.of(path.substring("file:".length()));
            }
        }
        if (path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            return null;
        }
        return new File(path).toPath();
    }

    private ModelConfig model() {
        List<Layer> layers = new ArrayList<>();
        ConfigValue list = value("model.layers");
        if (list == null || list.valueType() != ConfigValueType.LIST) {
            problem("model.layers", "expected a list of layers, e.g. [{type = dense, units = 10, activation ="
                    + " softmax}], got " + describe(list));
        } else if (((ConfigList) list).isEmpty()) {
            problem("model.layers", "needs at least one layer");
        } else {
            ConfigList items = (ConfigList) list;
            for (int i = 0; i < items.size(); i++) {
                Layer layer = layer(items.get(i), "model.layers[" + i + "]");
                if (layer != null) {
                    layers.add(layer);
                }
            }
        }
        int inputDim = (int) integer("model.input-dim", 0, Integer.MAX_VALUE);
        Shape inputShape = inputShape(inputDim);
        boolean allLayersRead = list != null && list.valueType() == ConfigValueType.LIST && !layers.isEmpty()
                && layers.size() == ((ConfigList) list).size();
        if (inputShape != null && allLayersRead) {
            try {
                // What the core checks when it builds the model (a layer that cannot take its input, outputs that
                // are not flat), before Spark starts.
                new Network(layers, inputShape, DType.FLOAT32);
            } catch (IllegalArgumentException e) {
                problem("model.layers", e.getMessage() + " (input shape " + inputShape + ")");
            }
        }
        String dtypeName = choice("model.dtype", DTYPES);
        long seed = integer("model.seed", Long.MIN_VALUE, Long.MAX_VALUE);
        return new ModelConfig(layers, inputShape, dtypeName == null ? DType.FLOAT32 : DType.fromKeyword(dtypeName),
                seed);
    }

    /**
     * {@code model.input-shape} (one sample's shape, e.g. [28, 28, 1]: height, width, channels), else
     * {@code model.input-dim} as a flat shape, else null (taken from the data). Both set must agree.
     */
    private Shape inputShape(int inputDim) {
        String key = "model.input-shape";
        ConfigValue v = value(key);
        if (v == null || v.valueType() == ConfigValueType.NULL
                || v.valueType() == ConfigValueType.LIST && ((ConfigList) v).isEmpty()) {
            return inputDim > 0 ? Shape.of(inputDim) : null;
        }
        int[] dims = positiveInts(v, key, 1, 3);
        if (dims == null) {
            return null;
        }
        Shape shape = Shape.of(dims);
        if (inputDim > 0 && inputDim != shape.size()) {
            problem(v.origin(), key, "is " + shape + " (" + shape.size() + " values) but model.input-dim is "
                    + inputDim + "; set one of them");
            return null;
        }
        return shape;
    }

    /** A list of {@code minSize..maxSize} integers > 0 (a single integer counts as a list of one), or null. */
    private int[] positiveInts(ConfigValue v, String key, int minSize, int maxSize) {
        List<ConfigValue> items = v.valueType() == ConfigValueType.LIST ? (ConfigList) v : List.of(v);
        if (items.size() < minSize || items.size() > maxSize) {
            problem(v.origin(), key, "expected " + (minSize == maxSize ? minSize : minSize + " to " + maxSize)
                    + " integers > 0, got " + describe(v));
            return null;
        }
        int[] out = new int[items.size()];
        for (int i = 0; i < out.length; i++) {
            Long n = asLong(items.get(i).unwrapped());
            if (n == null || n <= 0 || n > Integer.MAX_VALUE) {
                problem(v.origin(), key, "expected integers > 0, got " + describe(v));
                return null;
            }
            out[i] = n.intValue();
        }
        return out;
    }

    /** A window's size or strides: {@code 3} or {@code [3, 3]} (height, width); {@code fallback} if absent. */
    private int[] pairIn(Config c, String key, String section, int[] fallback) {
        if (!c.hasPath(key)) {
            return fallback;
        }
        int[] v = positiveInts(c.getValue(key), section + "." + key, 1, 2);
        return v == null ? null : v.length == 2 ? v : new int[] {v[0], v[0]};
    }

    private Layer layer(ConfigValue item, String key) {
        if (item.valueType() != ConfigValueType.OBJECT) {
            problem(item.origin(), key, "expected a layer object like {type = dense, units = 512, activation ="
                    + " relu}, got " + describe(item));
            return null;
        }
        Config c = ((ConfigObject) item).toConfig();
        ConfigValue typeValue = ((ConfigObject) item).get("type");
        if (typeValue == null) {
            problem(item.origin(), key + ".type", "missing: each layer needs a type, one of "
                    + String.join(", ", LAYER_TYPES));
            return null;
        }
        String type = String.valueOf(typeValue.unwrapped()).toLowerCase(Locale.ROOT);
        List<String> allowed = switch (type) {
            case "dense" -> List.of("type", "units", "activation");
            case "dropout" -> List.of("type", "rate");
            case "conv2d" -> List.of("type", "filters", "kernel-size", "strides", "padding", "activation");
            case "max_pooling2d", "average_pooling2d" -> List.of("type", "pool-size", "strides", "padding");
            case "global_average_pooling2d", "flatten" -> List.of("type");
            default -> null;
        };
        if (allowed == null) {
            problem(typeValue.origin(), key + ".type", "unknown layer type '" + typeValue.unwrapped() + "'"
                    + Suggestions.didYouMean(type, LAYER_TYPES) + ", expected one of " + String.join(", ", LAYER_TYPES));
            return null;
        }
        for (Map.Entry<String, ConfigValue> e : ((ConfigObject) item).entrySet()) {
            if (!allowed.contains(e.getKey())) {
                problem(e.getValue().origin(), key + "." + e.getKey(), "unknown key for a " + type + " layer"
                        + Suggestions.didYouMean(e.getKey(), allowed) + "; it takes " + String.join(", ", allowed)
                        + (e.getKey().equals("input-dim") || e.getKey().equals("input-shape")
                        ? " (the input's shape is model.input-shape)" : ""));
            }
        }
        int before = problems.size();
        switch (type) {
            case "conv2d" -> {
                return conv2d(c, key, before);
            }
            case "max_pooling2d", "average_pooling2d" -> {
                return pooling(c, key, type, before);
            }
            case "global_average_pooling2d" -> {
                return new GlobalAveragePooling2D();
            }
            case "flatten" -> {
                return new Flatten();
            }
            default -> {
                // dense and dropout below
            }
        }
        if (type.equals("dense")) {
            long units = integerIn(c, "units", key, 1, 1 << 24, true);
            String activation = c.hasPath("activation") ? choiceIn(c, "activation", key, ACTIVATIONS) : "linear";
            if (problems.size() > before || activation == null) {
                return null;
            }
            return new Dense((int) units, Activation.fromKeyword(activation));
        }
        double rate = numberIn(c, "rate", key);
        if (problems.size() > before) {
            return null;
        }
        if (!(rate >= 0 && rate < 1)) {
            problem(c.getValue("rate").origin(), key + ".rate", "must be in [0, 1), got " + rate);
            return null;
        }
        return new Dropout(rate);
    }

    /** {@code {type = conv2d, filters = 32, kernel-size = [3, 3], strides = 1, padding = valid, activation = relu}}. */
    private Layer conv2d(Config c, String key, int before) {
        long filters = integerIn(c, "filters", key, 1, 1 << 24, true);
        int[] kernel = c.hasPath("kernel-size") ? pairIn(c, "kernel-size", key, null) : null;
        if (!c.hasPath("kernel-size")) {
            problem(c.root().origin(), key + ".kernel-size", "missing, expected an integer or [height, width], e.g."
                    + " [3, 3]");
        }
        int[] strides = pairIn(c, "strides", key, new int[] {1, 1});
        String padding = c.hasPath("padding") ? choiceIn(c, "padding", key, PADDINGS) : "valid";
        String activation = c.hasPath("activation") ? choiceIn(c, "activation", key, ACTIVATIONS) : "linear";
        if (problems.size() > before || kernel == null || strides == null || padding == null || activation == null) {
            return null;
        }
        return new Conv2D((int) filters, kernel[0], kernel[1], strides[0], strides[1], Padding.fromKeyword(padding),
                Activation.fromKeyword(activation), null);
    }

    /** {@code {type = max_pooling2d, pool-size = [2, 2]}}; strides default to the pool size, as in Keras. */
    private Layer pooling(Config c, String key, String type, int before) {
        int[] pool = pairIn(c, "pool-size", key, new int[] {2, 2});
        int[] strides = pool == null ? null : pairIn(c, "strides", key, pool);
        String padding = c.hasPath("padding") ? choiceIn(c, "padding", key, PADDINGS) : "valid";
        if (problems.size() > before || pool == null || strides == null || padding == null) {
            return null;
        }
        Padding p = Padding.fromKeyword(padding);
        return type.equals("max_pooling2d") ? new MaxPooling2D(pool[0], pool[1], strides[0], strides[1], p)
                : new AveragePooling2D(pool[0], pool[1], strides[0], strides[1], p);
    }

    private CompileSettings compile() {
        Optimizer optimizer = optimizer();
        String lossName = choice("compile.loss", List.copyOf(Loss.keywords()));
        List<Metric> metrics = new ArrayList<>();
        for (String m : stringList("compile.metrics")) {
            String name = m.toLowerCase(Locale.ROOT);
            try {
                metrics.add(Metric.fromKeyword(name));
            } catch (IllegalArgumentException e) {
                List<String> known = List.copyOf(Metric.keywords());
                problem("compile.metrics", "unknown metric '" + m + "'" + Suggestions.didYouMean(name, known)
                        + ", expected any of " + String.join(", ", known) + " (or top_<k>_categorical_accuracy)");
            }
        }
        return new CompileSettings(optimizer, lossName == null ? null : Loss.fromKeyword(lossName), metrics);
    }

    private Optimizer optimizer() {
        String key = "compile.optimizer";
        ConfigValue v = value(key);
        Config c;
        if (v != null && v.valueType() == ConfigValueType.STRING) {
            c = ConfigFactory.empty().withValue("name", v); // shorthand: optimizer = adam
        } else if (v != null && v.valueType() == ConfigValueType.OBJECT) {
            c = ((ConfigObject) v).toConfig();
        } else {
            problem(key, "expected {name = rmsprop, learning-rate = 0.001, ...} or a name, got " + describe(v));
            return null;
        }
        if (!c.hasPath("name")) {
            problem(key + ".name", "missing, expected one of " + String.join(", ", OPTIMIZERS));
            return null;
        }
        String name = String.valueOf(c.getValue("name").unwrapped()).toLowerCase(Locale.ROOT);
        if (!OPTIMIZERS.contains(name)) {
            problem(c.getValue("name").origin(), key + ".name", "unknown optimizer '" + c.getValue("name").unwrapped()
                    + "'" + Suggestions.didYouMean(name, OPTIMIZERS) + ", expected one of " + String.join(", ", OPTIMIZERS));
            return null;
        }
        List<String> keys = OPTIMIZER_KEYS.get(name);
        if (v.valueType() == ConfigValueType.OBJECT) {
            for (Map.Entry<String, ConfigValue> e : ((ConfigObject) v).entrySet()) {
                if (!e.getKey().equals("name") && !keys.contains(e.getKey())) {
                    problem(e.getValue().origin(), key + "." + e.getKey(), "not a parameter of " + name
                            + Suggestions.didYouMean(e.getKey(), keys) + "; " + name + " takes "
                            + String.join(", ", keys));
                }
            }
        }
        int before = problems.size();
        Optimizer defaults = Optimizer.byName(name);
        double lr = c.hasPath("learning-rate") ? numberIn(c, "learning-rate", key) : defaults.learningRate();
        if (problems.size() == before && !(lr > 0 && Double.isFinite(lr))) {
            problem(c.getValue("learning-rate").origin(), key + ".learning-rate",
                    "must be a positive number, got " + lr);
        }
        Map<String, Object> keras = defaults.config();
        try {
            Optimizer built = switch (name) {
                case "sgd" -> Optimizer.sgd(lr, param(c, key, "momentum", keras.get("momentum")),
                        c.hasPath("nesterov") ? boolIn(c, "nesterov", key) : (Boolean) keras.get("nesterov"));
                case "rmsprop" -> new dev.kindling.core.optim.RmsProp(lr, param(c, key, "rho", keras.get("rho")),
                        param(c, key, "epsilon", keras.get("epsilon")));
                case "adam" -> new dev.kindling.core.optim.Adam(lr, param(c, key, "beta-1", keras.get("beta_1")),
                        param(c, key, "beta-2", keras.get("beta_2")), param(c, key, "epsilon", keras.get("epsilon")));
                default -> new dev.kindling.core.optim.Adagrad(lr,
                        param(c, key, "initial-accumulator", keras.get("initial_accumulator_value")),
                        param(c, key, "epsilon", keras.get("epsilon")));
            };
            return problems.size() == before ? built : null;
        } catch (IllegalArgumentException e) {
            if (problems.size() == before) {
                // The core checks ranges (rho and betas in [0, 1), epsilon >= 0, ...) and names the parameter
                // in Keras's spelling; point at our key for it.
                String message = e.getMessage();
                String param = null;
                for (String k : keys) {
                    String kerasName = k.equals("initial-accumulator") ? "initial_accumulator_value" : k.replace('-', '_');
                    if (message.contains(" " + kerasName + " ") && c.hasPath(k)) {
                        param = k;
                    }
                }
                if (param != null) {
                    problem(c.getValue(param).origin(), key + "." + param, message);
                } else {
                    problem(key, message);
                }
            }
            return null;
        }
    }

    private double param(Config c, String section, String key, Object kerasDefault) {
        return c.hasPath(key) ? numberIn(c, key, section) : ((Number) kerasDefault).doubleValue();
    }

    private FitConfig fit() {
        int epochs = (int) integer("fit.epochs", 1, 1_000_000);
        int batchSize = (int) integer("fit.batch-size", 1, Integer.MAX_VALUE);
        double split = number("fit.validation-split");
        if (!(split >= 0 && split < 1)) {
            problem("fit.validation-split", "must be in [0, 1), got " + split);
        }
        long seed = integer("fit.seed", Long.MIN_VALUE, Long.MAX_VALUE);
        boolean shuffle = bool("fit.shuffle");
        int partitions = (int) integer("fit.partitions", 0, 1_000_000);
        int treeDepth = (int) integer("fit.tree-depth", 1, 64);
        String dir = optionalString("fit.checkpoint.dir");
        if (dir != null && dir.isBlank()) {
            problem("fit.checkpoint.dir", "is empty; set null for no checkpoints");
        }
        int everySteps = (int) integer("fit.checkpoint.every-steps", 0, Integer.MAX_VALUE);
        int everyEpochs = (int) integer("fit.checkpoint.every-epochs", 0, Integer.MAX_VALUE);
        int keep = (int) integer("fit.checkpoint.keep", 1, 1_000_000);
        if (dir != null && everySteps == 0 && everyEpochs == 0) {
            problem("fit.checkpoint", "every-steps and every-epochs are both 0: checkpoints would be written only on"
                    + " SIGTERM and at the end; set one of them (e.g. every-epochs = 1)");
        }
        return new FitConfig(epochs, batchSize, split, seed, shuffle, partitions, treeDepth,
                new JobConfig.CheckpointConfig(dir, everySteps, everyEpochs, keep));
    }

    private SparkConfig spark() {
        String master = optionalString("spark.master");
        if (master != null && master.isBlank()) {
            problem("spark.master", "is empty; remove it to use spark-submit's --master");
        }
        String appName = nonEmptyString("spark.app-name");
        Map<String, String> conf = new LinkedHashMap<>();
        ConfigValue v = value("spark.conf");
        if (v == null || v.valueType() != ConfigValueType.OBJECT) {
            problem("spark.conf", "expected an object of Spark settings, e.g. {\"spark.executor.memory\" = 2g}, got "
                    + describe(v));
        } else {
            // Unquoted dotted keys (spark.executor.memory = 2g) nest in HOCON; flatten them back to Spark's names.
            for (Map.Entry<String, ConfigValue> e : ((ConfigObject) v).toConfig().entrySet()) {
                String sparkKey = String.join(".", ConfigUtil.splitPath(e.getKey()));
                ConfigValue value = e.getValue();
                if (value.valueType() == ConfigValueType.LIST) {
                    problem(value.origin(), "spark.conf." + e.getKey(), "Spark settings are single values, got "
                            + describe(value));
                } else {
                    conf.put(sparkKey, String.valueOf(value.unwrapped()));
                }
            }
        }
        return new SparkConfig(master, appName, conf);
    }

    private OutputConfig output() {
        String dir = nonEmptyString("output.dir");
        if (dir == null) {
            return new OutputConfig(null);
        }
        Path local = localPath(dir);
        if (local != null && Files.exists(local) && !Files.isDirectory(local)) {
            problem("output.dir", "'" + dir + "' exists and is not a directory");
        }
        return new OutputConfig(dir);
    }

    private PredictConfig predict(OutputConfig output) {
        String path = optionalString("predict.path");
        if (path != null && path.isBlank()) {
            problem("predict.path", "is empty");
        }
        if (path == null && output.dir() != null) {
            path = output.resolve("predictions");
        }
        String format = choice("predict.format", PREDICT_FORMATS);
        return new PredictConfig(path, format);
    }

    // ---- typed reads over the merged configuration -------------------------------------------------------

    /** The value at {@code path}, a null value included (Config.getValue refuses those); null if absent. */
    private ConfigValue value(String path) {
        ConfigValue current = merged.root();
        for (String part : ConfigUtil.splitPath(path)) {
            if (!(current instanceof ConfigObject object) || !object.containsKey(part)) {
                return null;
            }
            current = object.get(part);
        }
        return current;
    }

    private long integer(String path, long min, long max) {
        return integerIn(merged, path, "", min, max, true);
    }

    private long integerIn(Config c, String key, String section, long min, long max, boolean required) {
        String name = section.isEmpty() ? key : section + "." + key;
        ConfigValue v = c.hasPathOrNull(key) ? valueIn(c, key) : null;
        if (v == null) {
            if (required) {
                problem(name, "missing, expected an integer");
            }
            return 0;
        }
        Long n = asLong(v.unwrapped());
        if (n == null) {
            problem(v.origin(), name, "expected an integer, got " + describe(v));
            return 0;
        }
        if (n < min || n > max) {
            problem(v.origin(), name, "must be " + (max == Long.MAX_VALUE || max >= Integer.MAX_VALUE
                    ? ">= " + min : "in [" + min + ", " + max + "]") + ", got " + n);
            return min;
        }
        return n;
    }

    private static Long asLong(Object o) {
        if (o instanceof Integer || o instanceof Long) {
            return ((Number) o).longValue();
        }
        if (o instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) {
            return d.longValue();
        }
        if (o instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private double number(String path) {
        return numberIn(merged, path, "");
    }

    private double numberIn(Config c, String key, String section) {
        String name = section.isEmpty() ? key : section + "." + key;
        ConfigValue v = c.hasPathOrNull(key) ? valueIn(c, key) : null;
        Object o = v == null ? null : v.unwrapped();
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        problem(v == null ? null : v.origin(), name, "expected a number, got " + describe(v));
        return Double.NaN;
    }

    private boolean bool(String path) {
        return boolIn(merged, path, "");
    }

    private boolean boolIn(Config c, String key, String section) {
        String name = section.isEmpty() ? key : section + "." + key;
        ConfigValue v = c.hasPathOrNull(key) ? valueIn(c, key) : null;
        Object o = v == null ? null : v.unwrapped();
        if (o instanceof Boolean b) {
            return b;
        }
        if (o instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> {
                    return true;
                }
                case "false", "no", "off" -> {
                    return false;
                }
                default -> {
                    // reported below
                }
            }
        }
        problem(v == null ? null : v.origin(), name, "expected true or false, got " + describe(v));
        return false;
    }

    private static ConfigValue valueIn(Config c, String key) {
        return c.hasPath(key) ? c.getValue(key) : ConfigValueFactory.fromAnyRef(null, "null");
    }

    /** A string, or null for a null value; numbers and booleans are taken as their text. */
    private String optionalString(String path) {
        ConfigValue v = value(path);
        if (v == null || v.valueType() == ConfigValueType.NULL) {
            return null;
        }
        if (v.valueType() == ConfigValueType.LIST || v.valueType() == ConfigValueType.OBJECT) {
            problem(v.origin(), path, "expected a string, got " + describe(v));
            return null;
        }
        return String.valueOf(v.unwrapped());
    }

    private String nonEmptyString(String path) {
        String s = optionalString(path);
        if (s == null || s.isEmpty()) {
            ConfigValue v = value(path);
            if (v == null || v.valueType() != ConfigValueType.LIST && v.valueType() != ConfigValueType.OBJECT) {
                problem(path, "must not be empty");
            }
            return null;
        }
        return s;
    }

    private String choice(String path, List<String> allowed) {
        String s = optionalString(path);
        if (s == null) {
            if (value(path) == null || value(path).valueType() == ConfigValueType.NULL) {
                problem(path, "missing, expected one of " + String.join(", ", allowed));
            }
            return null;
        }
        return checkChoice(value(path).origin(), path, s, allowed);
    }

    private String choiceIn(Config c, String key, String section, List<String> allowed) {
        ConfigValue v = c.getValue(key);
        return checkChoice(v.origin(), section + "." + key, String.valueOf(v.unwrapped()), allowed);
    }

    private String checkChoice(ConfigOrigin origin, String path, String s, List<String> allowed) {
        String lower = s.toLowerCase(Locale.ROOT);
        if (!allowed.contains(lower)) {
            problem(origin, path, "unknown value '" + s + "'" + Suggestions.didYouMean(lower, allowed)
                    + ", expected one of " + String.join(", ", allowed));
            return null;
        }
        return lower;
    }

    /** A list of strings; a single string counts as a list of one. */
    private List<String> stringList(String path) {
        ConfigValue v = value(path);
        if (v == null || v.valueType() == ConfigValueType.NULL) {
            return List.of();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            return List.of((String) v.unwrapped());
        }
        if (v.valueType() == ConfigValueType.LIST) {
            List<String> out = new ArrayList<>();
            for (ConfigValue item : (ConfigList) v) {
                if (item.valueType() == ConfigValueType.LIST || item.valueType() == ConfigValueType.OBJECT
                        || item.valueType() == ConfigValueType.NULL) {
                    problem(item.origin(), path, "expected a list of strings, got an element " + describe(item));
                } else {
                    out.add(String.valueOf(item.unwrapped()));
                }
            }
            return out;
        }
        problem(v.origin(), path, "expected a string or a list of strings, got " + describe(v));
        return List.of();
    }

    // ---- messages ----------------------------------------------------------------------------------------

    private void problem(String path, String message) {
        ConfigValue v = null;
        try {
            v = merged == null ? null : value(path);
        } catch (ConfigException notAPath) {
            // model.layers[0].units and the like: no single value to point at
        }
        problem(v == null ? null : v.origin(), path, message);
    }

    private void problem(ConfigOrigin origin, String path, String message) {
        problems.add(where(origin) + path + ": " + message);
    }

    /**
     * {@code file:line: } or {@code --set k=v: } for a value the user gave; for a default (or nothing), the job
     * file's name, since the fix goes there.
     */
    private String where(ConfigOrigin origin) {
        if (origin != null && origin.filename() != null) {
            return origin.filename() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "") + ": ";
        }
        if (origin != null && origin.description().startsWith("--set ")) {
            return origin.description().replaceFirst(": \\d+$", "") + ": ";
        }
        return jobFile == null ? "" : jobFile + ": ";
    }

    static String describe(ConfigValue v) {
        if (v == null) {
            return "nothing";
        }
        String rendered = v.render(ConfigRenderOptions.concise());
        if (rendered.length() > 60) {
            rendered = rendered.substring(0, 57) + "...";
        }
        return v.valueType().name().toLowerCase(Locale.ROOT) + " " + rendered;
    }
}
