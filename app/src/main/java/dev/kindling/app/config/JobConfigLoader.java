// SPDX-License-Identifier: Apache-2.0
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
import dev.kindling.core.callbacks.CallbackConfig;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.model.FitOptions;
import dev.kindling.core.model.Network;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.registry.Suggestions;
import dev.kindling.core.tensor.DType;
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

    static final List<String> FORMATS = java.util.Arrays.stream(Format.values()).map(Format::keyword).toList();
    static final List<String> DTYPES = java.util.Arrays.stream(DType.values()).map(DType::keyword).toList();
    static final List<String> PREDICT_FORMATS = List.of("parquet", "csv");
    /** Keras's pad_sequences sides, as the core names them. */
    private static final List<String> SIDES = java.util.Arrays.stream(dev.kindling.core.data.Sequences.Side.values())
            .map(side -> side.name().toLowerCase(Locale.ROOT)).toList();

    /** Sections whose inner keys are checked by their own rules rather than against reference.conf. */
    private static final List<String> OPEN_SECTIONS = List.of("spark.conf", "compile.optimizer", "model.layers",
            "fit.callbacks", "fit.class-weights");

    private static final com.fasterxml.jackson.core.type.TypeReference<List<String>> STRINGS =
            new com.fasterxml.jackson.core.type.TypeReference<>() { };
    /** Binds single values of the job file; booleans also from yes/no, on/off, as HOCON's own getBoolean. */
    private static final com.fasterxml.jackson.databind.ObjectMapper VALUES =
            new com.fasterxml.jackson.databind.ObjectMapper()
                    .disable(com.fasterxml.jackson.databind.DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                    .registerModule(new com.fasterxml.jackson.databind.module.SimpleModule().addDeserializer(
                            Boolean.class, new com.fasterxml.jackson.databind.JsonDeserializer<>() {
                                @Override
                                public Boolean deserialize(com.fasterxml.jackson.core.JsonParser p,
                                                           com.fasterxml.jackson.databind.DeserializationContext c)
                                        throws java.io.IOException {
                                    if (p.currentToken().isBoolean()) {
                                        return p.getBooleanValue();
                                    }
                                    return switch (p.getValueAsString("").trim().toLowerCase(Locale.ROOT)) {
                                        case "true", "yes", "on" -> true;
                                        case "false", "no", "off" -> false;
                                        default -> (Boolean) c.handleUnexpectedToken(Boolean.class, p);
                                    };
                                }
                            }));

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
        Map<String, Object> core = new LinkedHashMap<>();
        core.put("fit.epochs", fit.epochs());
        core.put("fit.batch-size", fit.batchSize());
        core.put("fit.validation-split", fit.validationSplit());
        core.put("fit.seed", fit.seed());
        core.put("fit.shuffle", fit.shuffle());
        return ConfigFactory.parseURL(url, ConfigParseOptions.defaults().setAllowMissing(false)
                .setOriginDescription("reference.conf")).withFallback(ConfigFactory.parseMap(core,
                "the core's FitOptions defaults"));
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
        checkInputShape(model, data);
        checkMonitors(fit, compile, data);
        for (int c : fit.classWeights().keySet()) {
            if (c >= data.numClasses()) {
                problem("fit.class-weights", "names class " + c + " but there are " + data.numClasses()
                        + " classes (0.." + (data.numClasses() - 1) + ")");
            }
        }
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
        List<String> validation = stringList("data.validation");
        String weightColumn = optionalString("data.weight-column");
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
        JobConfig.RowConditions where = new JobConfig.RowConditions(condition("data.train-where"),
                condition("data.validation-where"), condition("data.test-where"));
        String padding = choice("data.parquet.padding", java.util.stream.Stream.concat(java.util.stream.Stream.of(
                "none"), SIDES.stream()).toList());
        String truncating = choice("data.parquet.truncating", SIDES);
        if (padding != null && !padding.equals("none") && format != Format.PARQUET) {
            problem("data.parquet.padding", "is for parquet inputs (a column of token ids); the format is "
                    + format.keyword());
        }

        if (format == Format.IDX) {
            if (dir != null) {
                checkLocalPath("data.dir", dir, true);
            } else {
                idxFiles("data.train", train, task == Task.TRAIN);
                idxFiles("data.test", test, task != Task.TRAIN);
            }
            idxFiles("data.validation", validation, false);
        } else {
            if (dir != null) {
                problem("data.dir", "is for format idx only; with format " + format.keyword()
                        + " give data.train and data.test");
            }
            // A test (validation) condition without its own input selects data.train's rows.
            boolean trainNeeded = task == Task.TRAIN || test.isEmpty() && where.test() != null;
            inputs("data.train", train, trainNeeded);
            inputs("data.test", test, task != Task.TRAIN && where.test() == null);
            inputs("data.validation", validation, false);
        }
        if (format == Format.IDX || format == Format.LIBSVM) {
            for (String key : List.of("train-where", "validation-where", "test-where")) {
                if (merged.hasPath("data." + key)) {
                    problem("data." + key, "is for csv and parquet inputs; " + format.keyword()
                            + " files have no named columns to select rows by");
                }
            }
        }
        if (weightColumn != null && (weightColumn.isBlank() || format == Format.IDX || format == Format.LIBSVM)) {
            problem("data.weight-column", weightColumn.isBlank() ? "is empty; set null for no sample weights"
                    : "is for csv and parquet inputs; " + format.keyword() + " files have no columns to weigh by");
        }
        if (weightColumn != null && format == Format.CSV && weightColumn.equals(csv.labelColumn())) {
            problem("data.weight-column", "is the label column '" + weightColumn + "'");
        }
        if (model != null && !model.layers().isEmpty()) {
            Layer last = lastFixedWidth(model.layers());
            int units = last == null ? 0 : last.outputShape(Shape.of(1)).dim(0);
            if (numClasses == 0) {
                numClasses = units;
            } else if (units > 0 && numClasses != units) {
                problem("data.num-classes", "is " + numClasses + " but the last " + Registry.layerName(last.getClass())
                        + " layer (model.layers) has " + units + " units; they must agree");
            }
        }
        return new DataConfig(format, dir, train, test, validation, numClasses, scale, partitions, csv, numFeatures,
                parquetFeatures, parquetLabel, weightColumn, where, "none".equals(padding) ? null : padding,
                truncating);
    }

    /**
     * A first layer that needs (height, width, channels), a Conv2D say, with no {@code model.input-shape}: a
     * configuration error naming the key and a likely value from the data's width, when the data says it before
     * Spark starts (IDX images' header, a local CSV file's header, LibSVM's num-features).
     */
    private void checkInputShape(ModelConfig model, DataConfig data) {
        if (model == null || data == null || model.inputShape() != null || model.layers().isEmpty()) {
            return;
        }
        Shape fromData = null;
        int width = 0;
        try {
            switch (data.format()) {
                case IDX -> {
                    String images = data.dir() != null ? data.dir() + "/" + dev.kindling.core.data.Mnist.TRAIN_IMAGES
                            : data.train().isEmpty() ? null : data.train().get(0);
                    Path local = images == null ? null : localPath(images);
                    if (local != null && !Files.isRegularFile(local) && Files.isRegularFile(Path.of(local + ".gz"))) {
                        local = Path.of(local + ".gz");
                    }
                    if (local != null && Files.isRegularFile(local)) {
                        boolean gz = local.toString().endsWith(".gz");
                        try (java.io.InputStream in = Files.newInputStream(local)) {
                            int[] dims = dev.kindling.core.data.Idx.readHeader(gz ? new java.util.zip.GZIPInputStream(in)
                                    : in, local.toString(), gz, -1).dims();
                            if (dims.length == 3 || dims.length == 4) {
                                fromData = Shape.of(dims[1], dims[2], dims.length == 4 ? dims[3] : 1);
                                width = fromData.size();
                            }
                        }
                    }
                }
                case CSV -> {
                    if (!data.csv().featureColumns().isEmpty()) {
                        width = data.csv().featureColumns().size();
                    } else if (data.csv().header() && data.train().size() == 1 && localPath(data.train().get(0)) != null
                            && Files.isRegularFile(localPath(data.train().get(0)))) {
                        try (var lines = Files.lines(localPath(data.train().get(0)))) {
                            String first = lines.findFirst().orElse("");
                            width = (int) java.util.Arrays.stream(first.split(java.util.regex.Pattern.quote(
                                    data.csv().delimiter()), -1)).map(String::trim).filter(c -> !c.equals(
                                    data.csv().labelColumn()) && !c.equals(data.weightColumn())).count();
                        }
                    }
                }
                case LIBSVM -> width = data.libsvmNumFeatures();
                default -> {
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            width = 0;   // the data's own check reports a file that cannot be read
        }
        if (!Network.needsInputShape(model.layers(), width)) {
            return;
        }
        Shape likely = fromData != null ? fromData : Network.likelyImageShape(width);
        String example = likely == null ? "" : ", e.g. [" + likely.toString().replaceAll("[()]", "") + "]";
        problem("model.input-shape", "missing: " + model.layers().get(0).getClass().getSimpleName()
                + " (model.layers[0]) needs model.input-shape (height, width, channels); " + (width > 0
                ? "the data has " + width + " features" + example : "e.g. [28, 28, 1] for 28x28 grey images"));
    }

    /**
     * The last layer whose output width does not depend on its input's (a dense layer's units), asking each layer
     * from the last for its output on flat inputs of two widths; layers that pass their input's width through
     * (dropout) are skipped. Null when the output width depends on the input (convolutions, sequences).
     */
    private static Layer lastFixedWidth(List<Layer> layers) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            Shape one;
            Shape two;
            try {
                one = layers.get(i).outputShape(Shape.of(1));
                two = layers.get(i).outputShape(Shape.of(2));
            } catch (RuntimeException notFlat) {
                return null;
            }
            if (one.rank() != 1 || two.rank() != 1) {
                return null;
            }
            if (one.equals(two)) {
                return layers.get(i);
            }
            if (one.dim(0) != 1 || two.dim(0) != 2) {
                return null;
            }
        }
        return null;
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
        } else if (((ConfigList) list).isEmpty() && optionalString("model.base.path").isEmpty()) {
            problem("model.layers", "needs at least one layer");
        } else {
            ConfigList items = (ConfigList) list;
            for (int i = 0; i < items.size(); i++) {
                String key = "model.layers[" + i + "]";
                if (items.get(i).valueType() != ConfigValueType.OBJECT) {
                    problem(items.get(i).origin(), key, "expected a layer object like {type = dense, units = 512,"
                            + " activation = relu}, got " + describe(items.get(i)));
                    continue;
                }
                Layer layer = bind((ConfigObject) items.get(i), key, Layer.class, "layer", "type", null,
                        Registry.layerNames());
                if (layer != null) {
                    layers.add(layer);
                }
            }
        }
        int inputDim = (int) integer("model.input-dim", 0, Integer.MAX_VALUE);
        Shape inputShape = inputShape(inputDim);
        boolean allLayersRead = list != null && list.valueType() == ConfigValueType.LIST && !layers.isEmpty()
                && layers.size() == ((ConfigList) list).size();
        Shape declared = inputShape != null || layers.isEmpty() ? inputShape : layers.get(0).inputShape();
        ModelConfig.BaseModel base = null;
        Sequential saved = null;
        if (!optionalString("model.base.path").isEmpty()) {
            base = new ModelConfig.BaseModel(optionalString("model.base.path"),
                    (int) integer("model.base.keep-layers", 0, Integer.MAX_VALUE), bool("model.base.freeze"));
            saved = baseModel(base, layers, allLayersRead || layers.isEmpty());
            if (saved != null) {
                declared = saved.network().inputShape();
            }
        } else if (declared != null && allLayersRead) {
            try {
                // What the core checks when it builds the model (a layer that cannot take its input, outputs that
                // are not flat), before Spark starts.
                if (new Network(layers, declared, DType.FLOAT32).layout().size() == 0) {
                    problem("model.layers", "the model has no weights to train: add a dense or conv2d layer");
                }
            } catch (IllegalArgumentException e) {
                problem("model.layers", e.getMessage() + " (input shape " + declared + ")");
            }
        }
        String dtypeName = choice("model.dtype", DTYPES);
        long seed = integer("model.seed", Long.MIN_VALUE, Long.MAX_VALUE);
        return new ModelConfig(layers, declared, saved != null ? saved.network().dtype()
                : dtypeName == null ? DType.FLOAT32 : DType.fromKeyword(dtypeName), seed, base);
    }

    /**
     * A base on the local disk is read now, and the new layers are put on it as {@code train} will, so that a missing
     * file, a bad {@code keep-layers} or layers that do not fit the base's output fail before Spark starts; returns it,
     * or null when it is elsewhere (read by {@code train}) or could not be used.
     */
    private Sequential baseModel(ModelConfig.BaseModel base, List<Layer> head, boolean headRead) {
        Path local = localPath(base.path());
        if (local == null) {
            return null;
        }
        if (!Files.isRegularFile(local)) {
            problem("model.base.path", "no saved model at '" + base.path() + "'");
            return null;
        }
        Sequential saved;
        try {
            saved = Sequential.load(local);
        } catch (java.io.IOException e) {
            problem("model.base.path", e.getMessage());
            return null;
        }
        if (base.keepLayers() > saved.layers().size()) {
            problem("model.base.keep-layers", "is " + base.keepLayers() + " but the base has " + saved.layers().size()
                    + " layers " + saved.layerNames());
            return null;
        }
        if (headRead) {
            try {
                new ModelConfig(head, null, DType.FLOAT32, 0, base).onBase(saved);
            } catch (IllegalArgumentException e) {
                problem("model.layers", e.getMessage());
            }
        }
        return saved;
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

    private CompileSettings compile() {
        Optimizer optimizer = optimizer();
        String lossName = choice("compile.loss", List.copyOf(Registry.lossNames()));
        List<Metric> metrics = new ArrayList<>();
        for (String m : stringList("compile.metrics")) {
            try {
                metrics.add(Registry.metric(m));
            } catch (IllegalArgumentException e) {
                problem("compile.metrics", e.getMessage());
            }
        }
        return new CompileSettings(optimizer, lossName == null ? null : Registry.loss(lossName), metrics);
    }

    /**
     * {@code compile.optimizer}: a name ({@code adam}: Keras's defaults) or an object with the name and any of its
     * parameters, the rest taking the optimizer's defaults. Bound through the registry like a model file's.
     */
    private Optimizer optimizer() {
        String key = "compile.optimizer";
        ConfigValue v = value(key);
        ConfigObject object;
        if (v != null && v.valueType() == ConfigValueType.STRING) {
            object = ConfigFactory.empty().withValue("name", v).root(); // shorthand: optimizer = adam
        } else if (v != null && v.valueType() == ConfigValueType.OBJECT) {
            object = (ConfigObject) v;
        } else {
            problem(key, "expected {name = rmsprop, learning-rate = 0.001, ...} or a name, got " + describe(v));
            return null;
        }
        ConfigValue name = object.get("name");
        Optimizer defaults = name == null ? null : Registry.optimizerDefaults(String.valueOf(name.unwrapped()));
        return bind(object, key, Optimizer.class, "optimizer", "name", defaults, Registry.optimizerNames());
    }

    private <T> T bind(ConfigObject object, String key, Class<T> type, String kind, String idProperty,
                       Object defaults, java.util.Collection<String> ids) {
        List<Binding.Problem> found = new ArrayList<>();
        T value = Binding.bind(object, key, type, kind, idProperty, defaults, ids, found);
        for (Binding.Problem p : found) {
            problem(p.origin(), p.path(), p.message());
        }
        return value;
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
        int stepsPerJob = stepsPerJob();
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
        return new FitConfig(epochs, batchSize, split, seed, shuffle, partitions, treeDepth, stepsPerJob,
                new JobConfig.CheckpointConfig(dir, everySteps, everyEpochs, keep), callbacks(), classWeights());
    }

    /** {@code fit.steps-per-job}: a number of steps, or {@code epoch} for one Spark job per epoch. */
    private int stepsPerJob() {
        ConfigValue v = value("fit.steps-per-job");
        if (v != null && v.valueType() == ConfigValueType.STRING && "epoch".equals(v.unwrapped())) {
            return Integer.MAX_VALUE;
        }
        if (v != null && v.valueType() == ConfigValueType.STRING) {
            problem("fit.steps-per-job", "'" + v.unwrapped() + "' is neither 'epoch' nor a number of steps >= 1");
            return 1;
        }
        return (int) integer("fit.steps-per-job", 1, Integer.MAX_VALUE);
    }

    /** {@code fit.callbacks}: each bound to its registered {@link CallbackConfig}, then built once so the core checks it. */
    private List<CallbackConfig> callbacks() {
        String key = "fit.callbacks";
        ConfigValue list = value(key);
        if (list == null || list.valueType() == ConfigValueType.NULL) {
            return List.of();
        }
        if (list.valueType() != ConfigValueType.LIST) {
            problem(key, "expected a list of callbacks, e.g. [{type = early_stopping, patience = 2}], got "
                    + describe(list));
            return List.of();
        }
        List<CallbackConfig> specs = new ArrayList<>();
        ConfigList items = (ConfigList) list;
        for (int i = 0; i < items.size(); i++) {
            String at = key + "[" + i + "]";
            if (items.get(i).valueType() != ConfigValueType.OBJECT) {
                problem(items.get(i).origin(), at, "expected a callback object like {type = early_stopping,"
                        + " monitor = val_loss, patience = 2}, got " + describe(items.get(i)));
                continue;
            }
            ConfigObject item = (ConfigObject) items.get(i);
            CallbackConfig spec = bind(item, at, CallbackConfig.class, "callback", "type", null,
                    Registry.callbackNames());
            if (spec == null) {
                continue;
            }
            try {
                // Building writes nothing: the stores are only named here.
                spec.build(dir -> dev.kindling.core.io.FileStore.local(Path.of("unused")));
                specs.add(spec);
            } catch (IllegalArgumentException e) {
                problem(item.origin(), at, e.getMessage());
            }
        }
        return List.copyOf(specs);
    }

    /**
     * Every callback's monitor must be a log the run will have: {@code loss}, the compiled metrics, their
     * {@code val_} twins when there is validation data (data.validation or fit.validation-split), {@code lr}. The
     * core's own check ({@link dev.kindling.core.model.TrainingListener#checkLogs}), made here before Spark starts.
     */
    private void checkMonitors(FitConfig fit, CompileSettings compile, DataConfig data) {
        if (fit == null || compile == null || data == null || compile.metrics() == null) {
            return;
        }
        java.util.Set<String> logs = dev.kindling.core.model.FitLoop.logNames(compile.metrics(),
                data.hasValidation() || fit.validationSplit() > 0);
        ConfigValue list = value("fit.callbacks");
        for (int i = 0; i < fit.callbacks().size(); i++) {
            try {
                fit.callbacks().get(i).build(dir -> dev.kindling.core.io.FileStore.local(Path.of("unused")))
                        .checkLogs(logs);
            } catch (IllegalArgumentException e) {
                ConfigOrigin origin = list instanceof ConfigList items && i < items.size() ? items.get(i).origin()
                        : null;
                problem(origin, "fit.callbacks[" + i + "]", e.getMessage());
            }
        }
    }

    /** {@code fit.class-weights}: {"3" = 20}, class indices to finite weights >= 0 (checked against the model later). */
    private Map<Integer, Double> classWeights() {
        String key = "fit.class-weights";
        ConfigValue v = value(key);
        if (v == null || v.valueType() == ConfigValueType.NULL) {
            return Map.of();
        }
        if (v.valueType() != ConfigValueType.OBJECT) {
            problem(key, "expected an object of class index = weight, e.g. {\"3\" = 20}, got " + describe(v));
            return Map.of();
        }
        Map<Integer, Double> weights = new java.util.TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : ((ConfigObject) v).entrySet()) {
            String at = key + "." + e.getKey();
            Long index = asLong(e.getKey());
            if (index == null || index < 0 || index > Integer.MAX_VALUE) {
                problem(e.getValue().origin(), at, "expected a class index (an integer >= 0) as the key, got '"
                        + e.getKey() + "'");
                continue;
            }
            Object w = e.getValue().unwrapped();
            if (!(w instanceof Number n) || !(n.doubleValue() >= 0) || Double.isInfinite(n.doubleValue())) {
                problem(e.getValue().origin(), at, "expected a weight (a finite number >= 0), got "
                        + describe(e.getValue()));
                continue;
            }
            weights.put(index.intValue(), n.doubleValue());
        }
        return java.util.Collections.unmodifiableMap(weights);
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
        return new PredictConfig(path, format, stringList("predict.columns"));
    }

    /**
     * A Spark SQL condition ({@code split = 'train'}), parsed now by Spark's own parser so that a syntax error is
     * reported at its key before Spark starts; null if unset. Its columns are checked against the data when read.
     */
    private String condition(String path) {
        String text = optionalString(path);
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            problem(path, "is empty; set null for all rows");
            return null;
        }
        try {
            new org.apache.spark.sql.catalyst.parser.CatalystSqlParser().parseExpression(text);
        } catch (Exception e) {   // Spark's ParseException, a checked AnalysisException that Scala does not declare
            problem(path, "'" + text + "' is not a Spark SQL condition: " + e.getMessage().lines().findFirst()
                    .orElse("").trim());
        }
        return text;
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
        ConfigValue v = value(path);
        if (v == null || v.valueType() == ConfigValueType.NULL) {
            problem(path, "missing, expected an integer");
            return 0;
        }
        Long n = read(v, path, Long.class, "an integer");
        if (n != null && (n < min || n > max)) {
            problem(v.origin(), path, "must be " + (max == Long.MAX_VALUE || max >= Integer.MAX_VALUE
                    ? ">= " + min : "in [" + min + ", " + max + "]") + ", got " + n);
            return min;
        }
        return n == null ? 0 : n;
    }

    private double number(String path) {
        Double d = read(value(path), path, Double.class, "a number");
        return d == null ? Double.NaN : d;
    }

    private boolean bool(String path) {
        Boolean b = read(value(path), path, Boolean.class, "true or false");
        return b != null && b;
    }

    /** A string, or null for a null value; numbers and booleans are taken as their text. */
    private String optionalString(String path) {
        ConfigValue v = value(path);
        return v == null || v.valueType() == ConfigValueType.NULL ? null : read(v, path, String.class, "a string");
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
        String lower = s.toLowerCase(Locale.ROOT);
        if (!allowed.contains(lower)) {
            problem(value(path).origin(), path, "unknown value '" + s + "'" + Suggestions.didYouMean(lower, allowed)
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
        if (v instanceof ConfigList items) {
            for (ConfigValue item : items) {
                if (item.valueType() == ConfigValueType.NULL) {
                    problem(item.origin(), path, "expected a list of strings, got an element " + describe(item));
                    return List.of();
                }
            }
        }
        List<String> list = read(v, path, STRINGS, "a string or a list of strings");
        return list == null ? List.of() : list;
    }

    /**
     * {@code v} bound by Jackson from its JSON rendering (HOCON keeps the origin for the message): Keras-style
     * leniency (a number's or boolean's text is a string, "64" is a number, one value is a list of one) but no
     * silent truncation (2.5 is not an integer). Null, with a problem naming what was expected, if it does not bind.
     */
    @SuppressWarnings("unchecked")
    private <T> T read(ConfigValue v, String path, Object type, String expected) {
        try {
            String json = v == null ? "null" : v.render(ConfigRenderOptions.concise());
            T value = type instanceof Class<?> c ? VALUES.readValue(json, (Class<T>) c)
                    : VALUES.readValue(json, (com.fasterxml.jackson.core.type.TypeReference<T>) type);
            if (value != null) {
                return value;
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // reported below
        }
        problem(v == null ? null : v.origin(), path, "expected " + expected + ", got " + describe(v));
        return null;
    }

    /** An integer (or an integer's text), or null. */
    private static Long asLong(Object o) {
        try {
            return VALUES.convertValue(o, Long.class);
        } catch (IllegalArgumentException notAnInteger) {
            return null;
        }
    }

    // ---- messages ----------------------------------------------------------------------------------------

    private void problem(String path, String message) {
        ConfigValue v = null;
        try {
            // data.train[1] and the like: the list was set where its items were
            v = merged == null ? null : value(path.contains("[") ? path.substring(0, path.indexOf('[')) : path);
        } catch (ConfigException notAPath) {
            // no single value to point at
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
