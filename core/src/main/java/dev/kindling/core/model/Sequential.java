// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import dev.kindling.core.io.LocalFiles;
import dev.kindling.core.keras.KerasFile;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.losses.Loss;
import dev.kindling.core.metrics.Metric;
import dev.kindling.core.onnx.OnnxExport;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.OptimizerState;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A linear stack of layers with Keras's workflow. In the order of use:
 * <pre>{@code
 * Sequential network = new Sequential(
 *         new Dense(512, Activation.RELU, 784),
 *         new Dense(10, Activation.SOFTMAX));
 * network.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
 * History history = network.fit(trainX, trainY, FitOptions.builder().epochs(5).batchSize(128).build());
 * Evaluation result = network.evaluate(testX, testY);
 * int[] classes = network.predictClasses(testX.slice(0, 0, 10));
 * }</pre>
 * Inputs are {@code (samples, features)}, or images {@code (samples, height, width, channels)} for a model whose
 * first layer declares such an input shape ({@code new Conv2D(32, 3, Activation.RELU).withInputShape(28, 28, 1)});
 * such a model also takes its samples as flat rows {@code (samples, height*width*channels)}, the form a Spark
 * partition packs. Targets are one-hot {@code (samples, classes)} (see {@code Labels.toCategorical}), or class
 * indices {@code (samples)} with sparse categorical cross-entropy.
 *
 * <p>State is kept in three separate, serializable pieces: the architecture ({@link Network}), one flat weight
 * vector, and the optimizer's state. Weights are created once the input shape is known: from the first layer's
 * {@code inputShape}, or else from the data at the first fit, evaluate or predict.
 *
 * <p>Fine-tuning, as chapter 5 of <em>Deep Learning with R</em> does it: a saved model's first layers with their
 * weights, a new head on top ({@link #fromBase}), the base frozen ({@link #freezeWeights}); compile, fit; then
 * {@link #unfreezeWeights} the top of the base, compile again with a small learning rate, and fit again:
 * <pre>{@code
 * Sequential model = Sequential.fromBase(Sequential.load(path), 5).freezeBase()
 *         .add(new Flatten(), new Dense(64, Activation.RELU), new Dense(10, Activation.SOFTMAX)).build();
 * model.compile(Optimizer.rmsprop(), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
 * model.fit(x, y, options);                                   // only the head moves
 * model.unfreezeWeights("conv2d_2", null);
 * model.compile(Optimizer.rmsprop(1e-5), Loss.CATEGORICAL_CROSSENTROPY, Metric.ACCURACY);
 * model.fit(x, y, options);
 * }</pre>
 */
public final class Sequential {
    private final List<Layer> layers;
    /** Keras's {@code trainable}, one flag per layer; takes effect at the next {@link #compile}. */
    private List<Boolean> trainable;
    /** The flags in force since the last compile: the ones fit trains with. */
    private List<Boolean> compiledTrainable;
    private DType dtype = DType.FLOAT32;
    private long initSeed = 0L;
    private Network network;
    private Tensor weights;
    private CompileConfig compiled;
    private OptimizerState optimizerState;
    private int epochsTrained;
    /** The name of each class index (string labels indexed before training), or null: classes are numbers. */
    private List<String> classNames;

    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    public Sequential(List<Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a Sequential model needs at least one layer");
        }
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i).inputShape() != null) {
                throw new IllegalArgumentException("only the first layer may declare an input shape; layer " + (i + 1)
                        + " (" + layers.get(i).typeName() + ") declares " + layers.get(i).inputShape());
            }
        }
        this.layers = List.copyOf(layers);
        this.trainable = java.util.Collections.nCopies(layers.size(), Boolean.TRUE);
        if (layers.get(0).inputShape() != null) {
            // As Keras does with an input_shape: a layer that cannot take its input fails here, not at the first fit.
            Network.outputShapes(this.layers, layers.get(0).inputShape());
        }
    }

    /** Restores a model from its parts (used by {@link #load}). */
    static Sequential restore(Network network, Tensor weights, CompileConfig compiled, OptimizerState state,
                              int epochsTrained) {
        Sequential model = new Sequential(network.layers());
        model.dtype = network.dtype();
        model.network = network;
        model.trainable = network.trainable();
        model.compiledTrainable = compiled == null ? null : network.trainable();
        model.weights = weights;
        model.compiled = compiled;
        model.optimizerState = state;
        model.epochsTrained = epochsTrained;
        return model;
    }

    /** Sets the dtype of weights and computations (float32 by default). Only before the weights exist. */
    public Sequential dtype(DType dtype) {
        requireUnbuilt("dtype");
        this.dtype = dtype;
        return this;
    }

    /** Seeds the weight initializers (0 by default). Only before the weights exist. */
    public Sequential seed(long seed) {
        requireUnbuilt("seed");
        this.initSeed = seed;
        return this;
    }

    /**
     * Fixes the optimizer, the loss and the metrics, and which layers train (see {@link #freezeWeights}). The
     * optimizer's state (Adam's moments, RMSprop's mean squares, the step count) is kept when the new optimizer is of
     * the same kind as the old one and the same layers are trainable (a new learning rate between two fits, say), as
     * Keras keeps an optimizer's slots; an optimizer of another kind, or other trainable layers, start from a fresh
     * state, with slots for the trainable weights only.
     */
    public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
        boolean sameKind = compiled != null && optimizer != null && compiled.optimizer().name().equals(optimizer.name())
                && compiled.optimizer().slotNames().equals(optimizer.slotNames());
        boolean sameTrainable = trainable.equals(compiledTrainable);
        this.compiled = new CompileConfig(optimizer, loss, List.of(metrics));
        this.compiledTrainable = trainable;
        if (!sameKind || !sameTrainable) {
            this.optimizerState = null;
        }
    }

    /**
     * Trains for {@code options.epochs()} epochs of mini-batch steps and returns the per-epoch history.
     *
     * @throws IllegalStateException      before {@code compile}
     * @throws IllegalArgumentException   for inputs or targets that do not fit the model (nothing is changed)
     * @throws TrainingDivergedException  when the loss becomes NaN or infinite
     */
    public History fit(Tensor x, Tensor y, FitOptions options) {
        return fit(x, y, null, options);
    }

    /**
     * As {@link #fit(Tensor, Tensor, FitOptions)}, each sample's loss weighted (Keras's {@code sample_weight}; with
     * {@code options.classWeights()} the two multiply). The validation split takes its rows' weights along; a separate
     * {@code options.validationData()} replaces the split, as in Keras.
     *
     * @param sampleWeights {@code (samples)} finite numbers >= 0, or null for all 1
     */
    public History fit(Tensor x, Tensor y, Tensor sampleWeights, FitOptions options) {
        CompileConfig config = requireCompiled("fit");
        Tensor xs = checkedInputs(x, "fit");
        Tensor ys = checkedTargets(config.loss(), y, xs.dim(0));
        Tensor ws = checkedWeights(sampleWeights, xs.dim(0), "fit: sample_weight");
        FitOptions.ValidationData validation = checkedValidation(config, options.validationData());
        ClassWeights classWeights = ClassWeights.of(options.classWeights(), network.outputDim());
        return fit(new InMemoryData(network, config.loss(), config.resolvedMetrics(network.outputDim()),
                Features.dense(xs), ys, ws,
                options.validationSplit(), validation, classWeights), options);
    }

    /**
     * As {@link #fit(Tensor, Tensor, Tensor, FitOptions)} for sparse feature rows ({@link SparseRows}: multi-hot or
     * hashed text, one-hot categories): the first layer, which must be {@code Dense}, multiplies them by its kernel
     * without a dense copy, and dense and sparse rows of the same values learn the same weights (to float rounding).
     * Validation comes from {@code options.validationSplit()}; a separate {@code validationData} must be dense.
     *
     * @throws IllegalArgumentException before anything is trained when the first layer cannot take sparse rows, the
     *                                  width differs from the model's, or a value is not finite
     */
    public History fit(SparseRows x, Tensor y, Tensor sampleWeights, FitOptions options) {
        CompileConfig config = requireCompiled("fit");
        SparseRows xs = checkedInputs(x, "fit");
        Tensor ys = checkedTargets(config.loss(), y, xs.rows());
        Tensor ws = checkedWeights(sampleWeights, xs.rows(), "fit: sample_weight");
        FitOptions.ValidationData validation = checkedValidation(config, options.validationData());
        ClassWeights classWeights = ClassWeights.of(options.classWeights(), network.outputDim());
        return fit(new InMemoryData(network, config.loss(), config.resolvedMetrics(network.outputDim()),
                Features.sparse(xs), ys, ws, options.validationSplit(), validation, classWeights), options);
    }

    /** Keras's {@code validation_data}, checked as the training data is; null for none. */
    private FitOptions.ValidationData checkedValidation(CompileConfig config, FitOptions.ValidationData v) {
        if (v == null) {
            return null;
        }
        Tensor vx = checkedInputs(v.x(), "fit: validation_data");
        return new FitOptions.ValidationData(vx, checkedTargets(config.loss(), v.y(), vx.dim(0)),
                checkedWeights(v.sampleWeights(), vx.dim(0), "fit: validation_data sample weights"));
    }

    /** As {@link #fit(SparseRows, Tensor, Tensor, FitOptions)} without sample weights. */
    public History fit(SparseRows x, Tensor y, FitOptions options) {
        return fit(x, y, null, options);
    }

    /**
     * The training loop ({@link FitLoop}), for any source of gradients (a Spark data set, for instance): each epoch
     * visits the training samples in {@link MiniBatches}' order, and each step adds the batch's summed gradient,
     * divides it by the batch size and applies the optimizer. {@code options.validationSplit()} is the data's
     * business here.
     *
     * @throws TrainingInterruptedException when a listener or another thread interrupted training
     * @throws CheckpointMismatchException  when a listener restores a checkpoint made by a different fit
     */
    public History fit(TrainingData data, FitOptions options) {
        CompileConfig config = requireCompiled("fit");
        Network built = network();
        if (weights.size() == 0) {
            // Nothing for the optimizer to move; the gradient would have nothing to flow into.
            throw new IllegalArgumentException("fit: the model has no weights to train (layers " + built.layers()
                    + "): add a Dense or Conv2D layer");
        }
        requireCompiledTrainable("fit");
        int trainableCount = built.trainableWeights().size();
        if (trainableCount == 0) {
            throw new IllegalArgumentException("fit: every layer with weights is frozen, so nothing would train:"
                    + " unfreezeWeights(...) some layers and compile again");
        }
        if (optimizerState == null) {
            optimizerState = config.optimizer().init(trainableCount, dtype);
        }
        return new FitLoop(this, data, options, config).run();
    }

    /** Mean loss (with the regularizers' penalty, as Keras's) and metrics over {@code (x, y)}, without dropout. */
    public Evaluation evaluate(Tensor x, Tensor y) {
        CompileConfig config = requireCompiled("evaluate");
        Tensor xs = checkedInputs(x, "evaluate");
        Tensor ys = checkedTargets(config.loss(), y, xs.dim(0));
        return evaluation(config, Features.dense(xs), ys);
    }

    /** Mean loss and metrics over sparse rows {@code x} and targets {@code y}, without dropout. */
    public Evaluation evaluate(SparseRows x, Tensor y) {
        CompileConfig config = requireCompiled("evaluate");
        SparseRows xs = checkedInputs(x, "evaluate");
        return evaluation(config, Features.sparse(xs), checkedTargets(config.loss(), y, xs.rows()));
    }

    private Evaluation evaluation(CompileConfig config, Features xs, Tensor ys) {
        BatchStats stats = InMemoryData.evaluate(network, config.loss(), config.resolvedMetrics(network.outputDim()),
                weights, xs, ys, null).withPenalty(network.regularization(weights, null));
        Map<String, Double> metrics = logs(config, config.resolvedMetrics(network.outputDim()), stats, "");
        double loss = metrics.remove("loss");
        return new Evaluation(loss, metrics);
    }

    /** The model's outputs {@code (samples, outputs)}: class probabilities for a softmax output. */
    public Tensor predict(Tensor x) {
        return predictions(Features.dense(checkedInputs(x, "predict")));
    }

    /** The model's outputs {@code (samples, outputs)} for sparse rows. */
    public Tensor predict(SparseRows x) {
        return predictions(Features.sparse(checkedInputs(x, "predict")));
    }

    private Tensor predictions(Features xs) {
        int rows = xs.rows();
        Tensor out = Tensor.zeros(dtype, rows, network.outputDim());
        for (int from = 0; from < rows; from += InMemoryData.EVALUATION_CHUNK) {
            int to = Math.min(rows, from + InMemoryData.EVALUATION_CHUNK);
            Tensor chunk = xs.slice(from, to).predict(network, weights);
            for (int i = 0; i < chunk.size(); i++) {
                out.setFlat(from * network.outputDim() + i, chunk.getFlat(i));
            }
        }
        return out;
    }

    /**
     * The class of each sample, as Keras's {@code predict_classes}: with one output (a sigmoid unit, binary
     * cross-entropy) class 1 when that output is {@code > 0.5}, else 0; with several outputs the index of the
     * largest (argmax of {@link #predict}).
     */
    public int[] predictClasses(Tensor x) {
        Tensor outputs = predict(x);
        if (outputs.dim(1) > 1) {
            return outputs.argmax(1).toIntArray();
        }
        int[] classes = new int[outputs.dim(0)];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = outputs.getFlat(i) > 0.5 ? 1 : 0;
        }
        return classes;
    }

    /**
     * A Keras-style table of layers, output shapes and parameter counts: layers named as Keras names them
     * ({@code conv2d}, {@code max_pooling2d_1}), shapes with the batch axis as {@code None}.
     */
    public String summary() {
        Network net = network();
        ParameterLayout layout = net.layout();
        List<Shape> shapes = Network.outputShapes(layers, net.inputShape());
        List<String> names = new ArrayList<>();
        List<String> layerNames = layerNames();
        int nameWidth = 28;
        for (int i = 0; i < layers.size(); i++) {
            String name = layerNames.get(i) + " (" + layers.get(i).typeName() + ")";
            names.add(name);
            nameWidth = Math.max(nameWidth, name.length() + 2);
        }
        int trainableParams = 0;
        for (int i = 0; i < layers.size(); i++) {
            trainableParams += trainable.get(i) ? layout.layerSize(i) : 0;
        }
        int tableWidth = nameWidth + 37;
        String rule = "_".repeat(tableWidth);
        String row = " %-" + nameWidth + "s%-26s%s%n";
        StringBuilder sb = new StringBuilder("Model: \"sequential\"\n").append(rule).append('\n')
                .append(String.format(Locale.ROOT, row, "Layer (type)", "Output Shape", "Param #"))
                .append("=".repeat(tableWidth)).append('\n');
        for (int i = 0; i < layers.size(); i++) {
            String shape = shapes.get(i + 1).toString().replace(",)", ")");
            sb.append(String.format(Locale.ROOT, row, names.get(i), "(None, " + shape.substring(1),
                    String.format(Locale.ROOT, "%,d", layout.layerSize(i))));
        }
        return sb.append("=".repeat(tableWidth)).append('\n')
                .append(String.format(Locale.ROOT, "Total params: %,d%n", layout.size()))
                .append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainableParams))
                .append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", layout.size() - trainableParams))
                .append(rule).append('\n').toString();
    }

    /**
     * The layers' names as {@link #summary()} shows them, Keras's: the type in snake case, numbered from the second
     * of a kind ({@code conv2d}, {@code max_pooling2d}, {@code conv2d_1}, ...). {@link #freezeWeights(String, String)}
     * takes them.
     */
    public List<String> layerNames() {
        List<String> names = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Layer layer : layers) {
            String base = snakeCase(layer.typeName());
            int n = seen.merge(base, 1, Integer::sum) - 1;
            names.add(n == 0 ? base : base + "_" + n);
        }
        return names;
    }

    /** The layers, first to last (descriptions; their weights are {@link #layerWeights}). */
    public List<Layer> layers() {
        return layers;
    }

    // ---- frozen layers -----------------------------------------------------------------------------------------

    /**
     * Freezes every layer (R's {@code freeze_weights(model)}). See {@link #freezeWeights(int, int)}.
     */
    public Sequential freezeWeights() {
        return setTrainable(0, layers.size() - 1, false, "freezeWeights");
    }

    /**
     * Freezes layers {@code from..to}, both included, 0-based as {@link #layers()} (R's {@code freeze_weights(model,
     * from, to)}, whose indices are 1-based): their weights keep their values in every later fit, the optimizer keeps
     * no slots for them and no gradient is computed for them. As in Keras, the change takes effect at the next
     * {@link #compile}: a fit before that throws {@link IllegalStateException} (Keras would silently go on with the
     * flags of the last compile; we prefer to say so). {@link #summary()} counts the frozen weights as non-trainable
     * at once. A frozen {@link dev.kindling.core.layers.Dropout} still drops units in training, as in Keras.
     *
     * @throws IllegalArgumentException (and nothing changes) when {@code from > to}, an index is out of range, or
     *                                  the range holds no layer with weights (freezing it would freeze nothing)
     */
    public Sequential freezeWeights(int from, int to) {
        return setTrainable(from, to, false, "freezeWeights");
    }

    /**
     * Freezes the layers from the one named {@code from} to the one named {@code to}, both included, by the names
     * {@link #layerNames()} gives ({@code null} for the first or the last layer).
     *
     * @throws IllegalArgumentException naming the unknown name and listing the layers' names; nothing changes
     */
    public Sequential freezeWeights(String from, String to) {
        return setTrainable(indexOf(from, 0, "freezeWeights"), indexOf(to, layers.size() - 1, "freezeWeights"),
                false, "freezeWeights");
    }

    /** Makes every layer trainable again. See {@link #freezeWeights(int, int)}. */
    public Sequential unfreezeWeights() {
        return setTrainable(0, layers.size() - 1, true, "unfreezeWeights");
    }

    /** Makes layers {@code from..to} (both included, 0-based) trainable again; as {@link #freezeWeights(int, int)}. */
    public Sequential unfreezeWeights(int from, int to) {
        return setTrainable(from, to, true, "unfreezeWeights");
    }

    /**
     * Makes the layers named {@code from..to} trainable again ({@code null} for the first or the last layer): the
     * book's {@code unfreeze_weights(conv_base, from = "block5_conv1")} is {@code unfreezeWeights("conv2d_2", null)}.
     */
    public Sequential unfreezeWeights(String from, String to) {
        return setTrainable(indexOf(from, 0, "unfreezeWeights"), indexOf(to, layers.size() - 1, "unfreezeWeights"),
                true, "unfreezeWeights");
    }

    /** Whether layer {@code index} (0-based) is trainable now (Keras's {@code layer$trainable}). */
    public boolean isTrainable(int index) {
        return trainable.get(index);
    }

    /** Number of trainable weights (Keras's "Trainable params"), with the flags as they are now. */
    public int trainableParameterCount() {
        return TrainableWeights.of(ParameterLayout.of(layers, knownInputShape("trainableParameterCount")), trainable)
                .size();
    }

    private Sequential setTrainable(int from, int to, boolean value, String call) {
        if (from < 0 || to >= layers.size() || from > to) {
            throw new IllegalArgumentException(call + ": layers " + from + ".." + to + " are not a range of this"
                    + " model's layers 0.." + (layers.size() - 1) + " " + layerNames());
        }
        boolean anyWeights = false;
        for (int i = from; i <= to && !anyWeights; i++) {
            anyWeights = layers.get(i).parameterShapes(inputShapes(call).get(i)).stream().anyMatch(s -> s.size() > 0);
        }
        if (!anyWeights) {
            throw new IllegalArgumentException(call + ": layers " + from + ".." + to + " " + layerNames().subList(from,
                    to + 1) + " have no weights, so this would " + (value ? "unfreeze" : "freeze") + " nothing");
        }
        List<Boolean> flags = new ArrayList<>(trainable);
        for (int i = from; i <= to; i++) {
            flags.set(i, value);
        }
        trainable = List.copyOf(flags);
        if (network != null) {
            network = network.withTrainable(trainable);
        }
        return this;
    }

    /** Each layer's input shape; needs the input shape, declared or built (but does not build the model). */
    private List<Shape> inputShapes(String call) {
        return Network.outputShapes(layers, knownInputShape(call));
    }

    private Shape knownInputShape(String call) {
        Shape known = network != null ? network.inputShape() : layers.get(0).inputShape();
        if (known == null) {
            throw new IllegalStateException(call + ": the model is not built yet, so its layers' weights are not"
                    + " known: give the first layer an input shape, or call build(inputShape) first");
        }
        return known;
    }

    private int indexOf(String name, int ifNull, String call) {
        if (name == null) {
            return ifNull;
        }
        int i = layerNames().indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(call + ": no layer is named '" + name + "'; the layers are "
                    + layerNames());
        }
        return i;
    }

    private void requireCompiledTrainable(String call) {
        if (!trainable.equals(compiledTrainable)) {
            List<String> changed = new ArrayList<>();
            List<String> names = layerNames();
            for (int i = 0; i < layers.size(); i++) {
                if (!trainable.get(i).equals(compiledTrainable.get(i))) {
                    changed.add(names.get(i) + (trainable.get(i) ? " unfrozen" : " frozen"));
                }
            }
            throw new IllegalStateException(call + ": layers were frozen or unfrozen since compile (" + String.join(
                    ", ", changed) + "); call compile(...) again for the change to take effect, as in Keras");
        }
    }

    /** Whether the weights exist or can be made (the input shape is known). */
    public boolean isBuilt() {
        return network != null || layers.get(0).inputShape() != null;
    }

    /** The architecture; throws if the input shape is not known yet. */
    public Network network() {
        if (network == null) {
            Shape declared = layers.get(0).inputShape();
            if (declared == null) {
                throw new IllegalStateException("the model is not built yet: give the first layer an input shape"
                        + " (Dense's inputDim, Conv2D.withInputShape), or call fit, evaluate or predict once");
            }
            build(declared);
        }
        return network;
    }

    /** A copy of the flat weight vector, laid out by {@code network().layout()}. */
    public Tensor weights() {
        network();
        return weights.copy();
    }

    /** Replaces the weights with a copy of {@code flat}, which must match the layout's size and the dtype. */
    public void setWeights(Tensor flat) {
        Network net = network();
        int size = net.layout().size();
        if (flat.rank() != 1 || flat.size() != size) {
            throw new IllegalArgumentException("weights must be a flat vector of " + size + " elements, got "
                    + flat.shape());
        }
        weights.assignInPlace(flat);
    }

    /**
     * Copies of layer {@code index}'s weights (0-based), in {@link Layer#parameterShapes} order: Dense's
     * {@code [kernel, bias]}; empty for a layer without weights (Keras's {@code get_weights()} of one layer).
     */
    public List<Tensor> layerWeights(int index) {
        Network net = network();
        checkLayerIndex(index, "layerWeights");
        List<Tensor> copies = new ArrayList<>();
        for (Tensor view : net.layout().views(weights, index)) {
            copies.add(view.copy());
        }
        return copies;
    }

    /**
     * Replaces layer {@code index}'s weights with copies of {@code values} (Keras's {@code set_weights()} of one
     * layer): as many tensors as {@link #layerWeights} gives, each of the same shape (any dtype; converted).
     *
     * @throws IllegalArgumentException naming the layer and the expected and given shapes; nothing changes then
     */
    public void setLayerWeights(int index, List<Tensor> values) {
        Network net = network();
        checkLayerIndex(index, "setLayerWeights");
        List<Tensor> views = net.layout().views(weights, index);
        String layer = "setLayerWeights: layer " + index + " (" + layerNames().get(index) + ")";
        if (values.size() != views.size()) {
            throw new IllegalArgumentException(layer + " has " + views.size() + " weight tensors "
                    + views.stream().map(Tensor::shape).toList() + ", got " + values.size());
        }
        for (int p = 0; p < views.size(); p++) {
            if (!values.get(p).shape().equals(views.get(p).shape())) {
                throw new IllegalArgumentException(layer + ": weight " + p + " has shape " + views.get(p).shape()
                        + ", got " + values.get(p).shape());
            }
        }
        for (int p = 0; p < views.size(); p++) {
            Tensor v = values.get(p);
            views.get(p).assignInPlace(v.dtype() == dtype ? v : v.astype(dtype));
        }
    }

    private void checkLayerIndex(int index, String call) {
        if (index < 0 || index >= layers.size()) {
            throw new IllegalArgumentException(call + ": no layer " + index + "; the layers are 0.." + (layers.size()
                    - 1) + " " + layerNames());
        }
    }

    /**
     * A new model on top of {@code base}'s first {@code keepLayers} layers, their weights and trainable flags copied
     * (Keras R's {@code pop_layer()} on a copy, then {@code %>%} new layers). The base must be built (its input shape
     * known); it is not changed. The new layers are initialized from {@link Builder#seed} (0 by default), the base's
     * layers keep their values, and the model is built for the base's input shape, with the base's dtype.
     *
     * <pre>{@code
     * Sequential model = Sequential.fromBase(Sequential.load(path), 5).freezeBase()
     *         .add(new Flatten(), new Dense(64, Activation.RELU), new Dense(10, Activation.SOFTMAX)).seed(1).build();
     * }</pre>
     *
     * @throws IllegalArgumentException when {@code keepLayers} is not in {@code 1..base.layers().size()}
     * @throws IllegalStateException    when the base is not built
     */
    public static Builder fromBase(Sequential base, int keepLayers) {
        if (keepLayers < 1 || keepLayers > base.layers.size()) {
            throw new IllegalArgumentException("fromBase: keepLayers must be in 1.." + base.layers.size()
                    + " (the base's layers " + base.layerNames() + "), got " + keepLayers);
        }
        if (!base.isBuilt()) {
            throw new IllegalStateException("fromBase: the base model is not built yet (its weights do not exist):"
                    + " load a saved model, or fit or build it first");
        }
        return new Builder(base, keepLayers);
    }

    /** A model made of a base's first layers and new layers on top; see {@link #fromBase}. */
    public static final class Builder {
        private final Sequential base;
        private final int keep;
        private final List<Layer> head = new ArrayList<>();
        private boolean freezeBase;
        private long seed;

        private Builder(Sequential base, int keep) {
            this.base = base;
            this.keep = keep;
        }

        /** Appends new layers on top, in order. */
        public Builder add(Layer... layers) {
            head.addAll(List.of(layers));
            return this;
        }

        /** Freezes the kept layers of the base in the new model (as {@link #freezeWeights(int, int)}). */
        public Builder freezeBase() {
            this.freezeBase = true;
            return this;
        }

        /** Seeds the new layers' initializers. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The new model, built, not compiled.
         *
         * @throws IllegalArgumentException when a new layer cannot take the base's output (naming the layer and the
         *                                  base's output shape), a new layer declares an input shape, or the model's
         *                                  output is not flat
         */
        public Sequential build() {
            Network baseNet = base.network();
            List<Layer> all = new ArrayList<>(base.layers.subList(0, keep));
            Shape baseOutput = Network.outputShapes(all, baseNet.inputShape()).get(keep);
            for (int i = 0; i < head.size(); i++) {
                if (head.get(i).inputShape() != null) {
                    throw new IllegalArgumentException("fromBase: new layer " + (i + 1) + " ("
                            + head.get(i).typeName() + ") declares an input shape " + head.get(i).inputShape()
                            + "; it takes the base's output " + baseOutput + " instead: leave it out");
                }
            }
            all.addAll(head);
            Sequential model;
            try {
                model = new Sequential(all).dtype(baseNet.dtype()).seed(seed);
                model.build(baseNet.inputShape());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("fromBase: the new layers do not fit the base's first " + keep
                        + " layers, whose output has shape " + baseOutput + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < keep; i++) {
                model.setLayerWeights(i, base.layerWeights(i));
            }
            List<Boolean> flags = new ArrayList<>(model.trainable);
            for (int i = 0; i < keep; i++) {
                flags.set(i, !freezeBase && base.trainable.get(i));
            }
            model.trainable = List.copyOf(flags);
            model.network = model.network.withTrainable(model.trainable);
            return model;
        }
    }

    /** The optimizer's state (null before the first fit after compile). */
    public OptimizerState optimizerState() {
        return optimizerState;
    }

    void optimizerState(OptimizerState state) {
        this.optimizerState = state;
    }

    /** The weights themselves (not a copy), for the training loop. */
    Tensor weightsView() {
        network();
        return weights;
    }

    /**
     * Epochs trained so far over the model's whole life (saved with it): the next fit goes on with epoch
     * {@code epochsTrained() + 1}, with that epoch's shuffle and dropout seeds.
     */
    public int epochsTrained() {
        return epochsTrained;
    }

    void epochsTrained(int epochs) {
        this.epochsTrained = epochs;
    }

    /**
     * Names the classes: {@code names.get(i)} is class index {@code i} (as Spark's {@code StringIndexerModel.labels}).
     * Saved with the model ({@code classes.json} in the model file), so predictions and evaluations can name
     * classes. {@code null} or an empty list removes the names.
     *
     * @throws IllegalArgumentException for a null, empty or repeated name
     */
    public Sequential classNames(List<String> names) {
        if (names == null || names.isEmpty()) {
            this.classNames = null;
            return this;
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (n == null || n.isEmpty() || !seen.add(n)) {
                throw new IllegalArgumentException("class name " + i + " is " + (n == null ? "null" : n.isEmpty()
                        ? "empty" : "'" + n + "', a repeat") + "; class names must be distinct and non-empty");
            }
        }
        this.classNames = List.copyOf(names);
        return this;
    }

    /** The class names set by {@link #classNames(List)} or read from the model file; empty when classes are numbers. */
    public List<String> classNames() {
        return classNames == null ? List.of() : classNames;
    }

    /** The compile configuration (null before compile). */
    public CompileConfig compileConfig() {
        return compiled;
    }

    /**
     * Saves architecture, weights, compile configuration and optimizer state to one file, atomically: a failed
     * save leaves any previous file at {@code path} untouched.
     */
    public void save(Path path) throws IOException {
        LocalFiles.writeAtomically(path, this::save);
    }

    /** Writes the same file as {@link #save(Path)} to a stream (which is not closed), e.g. one on HDFS. */
    public void save(OutputStream out) throws IOException {
        ModelFiles.write(out, network(), weights, compiled, savedOptimizerState(), epochsTrained,
                ModelFiles.classEntries(classNames), java.util.zip.Deflater.DEFAULT_COMPRESSION);
    }

    /**
     * Writes the model as an ONNX file (opset 13, input {@code input} of the declared sample shape with a dynamic
     * batch axis, output {@code output} = what {@link #predict} returns), atomically as {@link #save(Path)}.
     *
     * @throws IllegalArgumentException before anything is written, naming a layer whose kind has no ONNX exporter
     * @see OnnxExport
     */
    public void exportOnnx(Path path) throws IOException {
        Network net = network();
        OnnxExport.requireExporters(net);
        LocalFiles.writeAtomically(path, out -> OnnxExport.write(net, weights, out));
    }

    /** Writes the ONNX file of {@link #exportOnnx(Path)} to a stream (not closed), e.g. a Hadoop file system's. */
    public void exportOnnx(OutputStream out) throws IOException {
        OnnxExport.write(network(), weights, out);
    }

    /**
     * Writes the model in Keras 3's own file format, {@code .keras} (architecture and float32 weights; Python's
     * {@code keras.saving.load_model} and R's {@code keras3::load_model} read it), atomically as
     * {@link #save(Path)}. The compile configuration and optimizer state are not written.
     *
     * @see KerasFile
     */
    public void exportKeras(Path path) throws IOException {
        Network net = network();
        LocalFiles.writeAtomically(path, out -> KerasFile.write(net, weights, out));
    }

    /** Writes the {@code .keras} file of {@link #exportKeras(Path)} to a stream (not closed). */
    public void exportKeras(OutputStream out) throws IOException {
        KerasFile.write(network(), weights, out);
    }

    /**
     * A model from a {@code .keras} file written by Keras or by {@link #exportKeras}: its layers and weights, and
     * compiled as the file says when Kindling knows its optimizer, loss and metrics.
     *
     * @throws IllegalArgumentException naming a layer or an option Kindling does not compute
     */
    public static Sequential loadKeras(Path path) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(path)) {
            return KerasFile.read(in, path.toString());
        }
    }

    /** As {@link #loadKeras(Path)}, from a stream; {@code source} names it in error messages. */
    public static Sequential loadKeras(InputStream in, String source) throws IOException {
        return KerasFile.read(in, source);
    }

    /**
     * The optimizer state to save with the layers' current trainable flags: none when layers were frozen or
     * unfrozen since compile (its slots are for the old trainable weights; the next compile would drop it anyway).
     */
    private OptimizerState savedOptimizerState() {
        return trainable.equals(compiledTrainable) ? optimizerState : null;
    }

    /**
     * Loads a model written by {@link #save}; it continues training exactly where the saved one stopped, with the
     * next epoch. A checkpoint file loads too (as the model it holds).
     */
    public static Sequential load(Path path) throws IOException {
        return ModelFiles.read(path);
    }

    /** Loads a model from a stream; {@code source} (a path or URI) names it in error messages. */
    public static Sequential load(InputStream in, String source) throws IOException {
        return ModelFiles.read(in, source);
    }

    // ---- internals ---------------------------------------------------------------------------------------

    /** {@link #build(Shape)} for samples that are rows of {@code inputDim} features. */
    public void build(int inputDim) {
        build(Shape.of(inputDim));
    }

    /**
     * Creates the weights for input samples of shape {@code inputShape}, as Keras's {@code build}; a no-op if the
     * model is built for that shape already. Fit, evaluate and predict call it with the data's sample shape. A
     * model with a declared (or already built) shape also accepts that shape's flat form {@code (h*w*c)}.
     *
     * @throws IllegalArgumentException if the shape differs from the declared or built one, or a layer cannot
     *                                  take its input (naming the layer)
     */
    public void build(Shape inputShape) {
        Shape known = network != null ? network.inputShape() : layers.get(0).inputShape();
        if (known != null) {
            if (!acceptsSampleShape(known, inputShape)) {
                throw new IllegalArgumentException("the model " + (network != null ? "was built" : "is declared")
                        + " for samples of shape " + known + ", got " + inputShape);
            }
            inputShape = known;
        }
        if (network != null) {
            return;
        }
        if (inputShape.rank() == 1 && Network.needsInputShape(layers, inputShape.dim(0))) {
            Shape likely = Network.likelyImageShape(inputShape.dim(0));
            throw new IllegalArgumentException(layers.get(0).getClass().getSimpleName() + " needs the model's input"
                    + " shape (height, width, channels), and the model declares none: declare it on the first layer"
                    + " (withInputShape); the data has " + inputShape.dim(0) + " features, samples of shape " + inputShape
                    + (likely != null ? ", e.g. " + likely : ""));
        }
        network = new Network(layers, inputShape, dtype, trainable);
        weights = network.initialWeights(initSeed);
    }

    /** The model's own sample shape, or its flat form. */
    private static boolean acceptsSampleShape(Shape model, Shape given) {
        return given.equals(model) || (given.rank() == 1 && given.dim(0) == model.size());
    }

    private void requireUnbuilt(String what) {
        if (weights != null) {
            throw new IllegalStateException("cannot change " + what + " after the weights were created");
        }
    }

    private CompileConfig requireCompiled(String call) {
        if (compiled == null) {
            throw new IllegalStateException(call + " called before compile: call compile(optimizer, loss, metrics) first");
        }
        return compiled;
    }

    /** Checks rank, sample shape and finiteness of inputs, builds the model if needed, and converts to its dtype. */
    private Tensor checkedInputs(Tensor x, String call) {
        if (x.rank() < 2) {
            throw new IllegalArgumentException(call + ": expected inputs of shape (samples, features) or (samples,"
                    + " height, width, channels), got " + x.shape());
        }
        if (x.dim(0) == 0) {
            throw new IllegalArgumentException(call + ": no samples in inputs of shape " + x.shape());
        }
        Shape declared = network != null ? network.inputShape() : layers.get(0).inputShape();
        Shape sample = x.shape().drop(1);
        if (declared != null && !acceptsSampleShape(declared, sample)) {
            String expected = declared.rank() == 1 ? declared.dim(0) + " features per sample"
                    : "samples of shape " + declared + " (or flat rows of " + declared.size() + " values)";
            boolean flatten = declared.rank() == 1 && sample.size() == declared.size();
            throw new IllegalArgumentException(call + ": the model expects " + expected + ", inputs have shape "
                    + x.shape() + (flatten ? " (flatten them first, e.g. x.reshape(" + x.dim(0) + ", -1))" : ""));
        }
        Inputs.requireFinite(x, call, 0);
        layers.get(0).checkInputs(x, call, 0);
        build(declared != null ? declared : sample);
        return x.dtype() == dtype ? x : x.astype(dtype);
    }

    /**
     * Sparse rows checked as dense ones are (some rows, finite values), and the model's first layer able to take
     * them ({@link Network#requireSparseInput}); builds the model for their width.
     */
    private SparseRows checkedInputs(SparseRows x, String call) {
        if (x.rows() == 0) {
            throw new IllegalArgumentException(call + ": no samples in the sparse rows");
        }
        Shape declared = network != null ? network.inputShape() : layers.get(0).inputShape();
        if (declared != null && (declared.rank() != 1 || declared.dim(0) != x.width())) {
            throw new IllegalArgumentException(call + ": the model expects samples of shape " + declared
                    + ", the sparse rows have " + x.width() + " columns");
        }
        try {
            Network.requireSparseFirstLayer(layers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(call + ": " + e.getMessage(), e);
        }
        x.requireFinite(call, 0);
        build(Shape.of(x.width()));
        return x.astype(dtype);
    }

    /** Per-sample weights: one finite number >= 0 per row, in the model's dtype; null stays null. */
    private Tensor checkedWeights(Tensor w, int rows, String what) {
        if (w == null) {
            return null;
        }
        if (w.rank() != 1 || w.dim(0) != rows) {
            throw new IllegalArgumentException(what + ": expected one weight per sample, shape (" + rows + ",), got "
                    + w.shape());
        }
        for (int i = 0; i < rows; i++) {
            double v = w.getFlat(i);
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(what + ": row " + i + " has weight " + v
                        + ", expected a finite number >= 0");
            }
        }
        return w.dtype() == dtype ? w : w.astype(dtype);
    }

    /** Keras's layer names: the class name in snake case, {@code MaxPooling2D -> max_pooling2d}. */
    static String snakeCase(String typeName) {
        String s = typeName.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private Tensor checkedTargets(Loss loss, Tensor y, int rows) {
        loss.checkTargets(y, rows, network.outputDim());
        return y.dtype() == dtype ? y : y.astype(dtype);
    }

    /** Keras's log names: {@code loss} and each metric as the user named it, with a prefix for validation. */
    static Map<String, Double> logs(CompileConfig config, List<Metric> resolved, BatchStats stats, String prefix) {
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put(prefix + "loss", stats.meanLoss());
        for (int i = 0; i < config.metrics().size(); i++) {
            logs.put(prefix + config.metrics().get(i).keyword(), stats.metric(resolved, i));
        }
        return logs;
    }
}
