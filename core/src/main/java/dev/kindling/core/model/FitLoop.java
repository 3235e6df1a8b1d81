// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.core.layers.Layer;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.OptimizerState;
import dev.kindling.core.registry.Registry;
import dev.kindling.core.tensor.Tensor;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of {@link Sequential#fit(TrainingData, FitOptions)}, and the handle its listeners get in
 * {@link TrainingListener#onTrainBegin}: they may read the model, take a {@link #checkpoint()}, {@link #restore} one
 * (only while training begins), change the learning rate, stop training after the current step, or
 * {@link #interrupt} it.
 *
 * <p>Each epoch visits the training samples in {@link MiniBatches}' order; each step adds the batch's summed
 * gradient, divides it by the batch size, adds the regularizers' penalty gradient (once per step, here, wherever the
 * samples live: on Spark this loop runs on the driver), checks that the loss is finite and applies the optimizer. The
 * state the
 * loop carries between steps is small and explicit (position, the epoch's running sums, the history), which is
 * what makes a checkpoint taken between two steps resume exactly.
 */
public final class FitLoop {
    private static final Logger LOG = LoggerFactory.getLogger(FitLoop.class);
    /** The history's name for the learning rate of each epoch, Keras's. */
    public static final String LEARNING_RATE = "lr";

    private final Sequential model;
    private final TrainingData data;
    private final FitOptions options;
    private final CompileConfig config;
    private final int trainSamples;
    private final int steps;
    private final Checkpoint.Fingerprint fingerprint;
    private final List<dev.kindling.core.metrics.Metric> resolvedMetrics;
    private final TrainableWeights trainable;
    private final boolean regularized;
    private Optimizer optimizer;
    private int firstEpoch;
    private int lastEpoch;
    private int epoch;
    private int stepsDone;
    private BatchStats epochStats;
    private double secondsBeforeResume;
    private long epochStartNanos;
    private History history = new History();
    private boolean beginning;
    private List<Checkpoint.ListenerState> pendingListenerStates = List.of();
    private String restoredFrom;
    private boolean stopRequested;
    private volatile String interruptReason;

    FitLoop(Sequential model, TrainingData data, FitOptions options, CompileConfig config) {
        this.model = model;
        this.data = data;
        this.options = options;
        this.config = config;
        this.optimizer = config.optimizer();
        this.resolvedMetrics = config.resolvedMetrics(model.network().outputDim());
        this.trainable = model.network().trainableWeights();
        this.regularized = model.network().hasRegularizers();
        this.trainSamples = data.trainSamples();
        this.steps = MiniBatches.steps(trainSamples, options.batchSize());
        this.fingerprint = fingerprint(model.network(), config, data, options);
        planEpochs(options.initialEpoch() >= 0 ? options.initialEpoch() + 1 : model.epochsTrained() + 1);
        this.epoch = firstEpoch;
        this.epochStats = BatchStats.empty(resolvedMetrics);
    }

    /** The epochs of this fit: Keras's {@code initial_epoch + 1 .. epochs}, or {@code epochs} more from {@code first}. */
    private void planEpochs(int first) {
        firstEpoch = first;
        lastEpoch = options.initialEpoch() >= 0 ? options.epochs() : first - 1 + options.epochs();
    }

    /**
     * The names every epoch's logs have: {@code loss}, each compiled metric's, the same with {@code val_} when there
     * is validation data, and {@code lr}; in that order.
     */
    public static java.util.Set<String> logNames(List<dev.kindling.core.metrics.Metric> metrics, boolean validation) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        names.add("loss");
        metrics.forEach(m -> names.add(m.keyword()));
        if (validation) {
            names.add("val_loss");
            metrics.forEach(m -> names.add("val_" + m.keyword()));
        }
        names.add(LEARNING_RATE);
        return java.util.Collections.unmodifiableSet(names);
    }

    History run() {
        // A monitor the fit will never log is refused now, not found missing after the first epoch.
        java.util.Set<String> logs = logNames(config.metrics(), data.hasValidation());
        for (TrainingListener l : options.listeners()) {
            l.checkLogs(logs);
        }
        beginning = true;
        try {
            for (TrainingListener l : options.listeners()) {
                l.onTrainBegin(this);
            }
        } finally {
            beginning = false;
        }
        // After every listener's onTrainBegin, so that none resets the state it just got back.
        restoreListenerStates();
        Tensor grad = Tensor.zeros(model.network().dtype(), model.weightsView().size());
        // With frozen layers the optimizer (and its slots) sees the trainable weights only, packed.
        Tensor packedWeights = trainable.isAll() ? null : Tensor.zeros(grad.dtype(), trainable.size());
        Tensor packedGrad = trainable.isAll() ? null : Tensor.zeros(grad.dtype(), trainable.size());
        while (epoch <= lastEpoch && !stopRequested) {
            runEpoch(grad, packedWeights, packedGrad);
        }
        for (TrainingListener l : options.listeners()) {
            l.onTrainEnd(history);
        }
        return history;
    }

    private void runEpoch(Tensor grad, Tensor packedWeights, Tensor packedGrad) {
        for (TrainingListener l : options.listeners()) {
            l.onEpochBegin(epoch, lastEpoch, steps, stepsDone);
        }
        epochStartNanos = System.nanoTime();
        int[] order = MiniBatches.order(trainSamples, options.seed(), epoch, options.shuffle());
        Tensor weights = model.weightsView();
        for (int step = stepsDone; step < steps && !stopRequested; step++) {
            checkInterrupt();
            int[] rows = MiniBatches.batch(order, step, options.batchSize());
            grad.fillInPlace(0.0);
            TrainingData.Step stepInfo = new TrainingData.Step(epoch, lastEpoch, step + 1, steps);
            BatchStats batch = data.accumulateGradient(rows, MiniBatches.stepSeed(options.seed(), epoch, step),
                    weights, grad, stepInfo);
            grad.scaleInPlace(1.0 / rows.length);
            if (regularized) {
                // The mean gradient plus the penalty's: Keras's gradient of (mean loss + sum of penalties).
                batch = batch.withPenalty(model.network().regularization(weights, grad));
            }
            if (!Double.isFinite(batch.lossSum())) {
                throw new TrainingDivergedException(epoch, step + 1, batch.meanLoss());
            }
            if (packedWeights == null) {
                model.optimizerState(optimizer.applyInPlace(model.optimizerState(), weights, grad));
            } else {
                trainable.gatherInto(weights, packedWeights);
                trainable.gatherInto(grad, packedGrad);
                model.optimizerState(optimizer.applyInPlace(model.optimizerState(), packedWeights, packedGrad));
                trainable.scatterInto(packedWeights, weights);
            }
            epochStats = epochStats.merge(batch);
            stepsDone = step + 1;
            if (!options.listeners().isEmpty()) {
                Map<String, Double> running = Sequential.logs(config, resolvedMetrics, epochStats, "");
                double elapsed = epochSeconds();
                for (TrainingListener l : options.listeners()) {
                    l.onBatchEnd(stepInfo, elapsed, running);
                }
            }
        }
        checkInterrupt();
        Map<String, Double> logs = Sequential.logs(config, resolvedMetrics, epochStats, "");
        if (data.hasValidation()) {
            BatchStats validation = data.evaluateValidation(weights);
            if (regularized) {
                validation = validation.withPenalty(model.network().regularization(weights, null));
            }
            logs.putAll(Sequential.logs(config, resolvedMetrics, validation, "val_"));
        }
        // The learning rate this epoch's steps used, as Keras's history has it (before any callback changes it).
        logs.put(LEARNING_RATE, optimizer.learningRate());
        EpochLogs epochLogs = new EpochLogs(epoch, lastEpoch, steps, epochSeconds(), logs);
        history.append(epochLogs);
        // The next epoch's position, before the listeners hear of this one: a checkpoint taken in onEpochEnd
        // resumes with the next epoch.
        model.epochsTrained(epoch);
        epoch++;
        stepsDone = 0;
        epochStats = BatchStats.empty(resolvedMetrics);
        secondsBeforeResume = 0;
        for (TrainingListener l : options.listeners()) {
            l.onEpochEnd(epochLogs);
        }
    }

    /** Seconds spent in the current epoch, including those before a resume. */
    private double epochSeconds() {
        return secondsBeforeResume + (System.nanoTime() - epochStartNanos) / 1e9;
    }

    private void checkInterrupt() {
        String reason = interruptReason;
        if (reason == null) {
            return;
        }
        secondsBeforeResume = epochSeconds();
        epochStartNanos = System.nanoTime();
        for (TrainingListener l : options.listeners()) {
            l.onInterrupt(this);
        }
        throw new TrainingInterruptedException(reason, epoch, stepsDone, steps);
    }

    // ---- what listeners may do ---------------------------------------------------------------------------

    /** The model being trained. Its weights change after every step. */
    public Sequential model() {
        return model;
    }

    public FitOptions options() {
        return options;
    }

    /** Steps per epoch. */
    public int steps() {
        return steps;
    }

    /** The epoch in progress, or the next one between two epochs (1-based). */
    public int epoch() {
        return epoch;
    }

    /** Steps of the current epoch already taken. */
    public int stepsDone() {
        return stepsDone;
    }

    /** The history of this fit's finished epochs so far. */
    public History history() {
        return history.copy();
    }

    /** The learning rate the next steps use. */
    public double learningRate() {
        return optimizer.learningRate();
    }

    /** Changes the learning rate from the next step on (the optimizer's other settings and state stay). */
    public void setLearningRate(double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + learningRate);
        }
        optimizer = optimizer.withLearningRate(learningRate);
    }

    /** Ends training after the current step, with the epoch's validation and logs, as Keras's {@code stop_training}. */
    public void stopTraining() {
        stopRequested = true;
    }

    /**
     * Asks the loop to stop before its next step, from any thread (a signal handler, say): the listeners'
     * {@link TrainingListener#onInterrupt} run, then the fit throws {@link TrainingInterruptedException}. The step
     * in progress, if any, completes first.
     */
    public void interrupt(String reason) {
        interruptReason = reason == null ? "interrupted" : reason;
    }

    /**
     * A copy of everything needed to continue from here. Call it between steps (from a listener): the weights, the
     * optimizer state and the position are then consistent.
     */
    public Checkpoint checkpoint() {
        OptimizerState state = model.optimizerState();
        List<Tensor> slots = new ArrayList<>(state.slots().size());
        for (Tensor s : state.slots()) {
            slots.add(s.copy());
        }
        List<Checkpoint.ListenerState> states = new ArrayList<>();
        for (int i = 0; i < options.listeners().size(); i++) {
            TrainingListener l = options.listeners().get(i);
            JsonNode s = l.checkpointState();
            if (s != null) {
                states.add(new Checkpoint.ListenerState(i, l.getClass().getName(), s));
            }
        }
        CompileConfig now = new CompileConfig(optimizer, config.loss(), config.metrics());
        return new Checkpoint(model.network(), model.weightsView().copy(), now,
                new OptimizerState(state.iterations(), slots), fingerprint, firstEpoch, epoch, stepsDone, steps,
                epochStats, stepsDone == 0 && secondsBeforeResume == 0 ? 0 : epochSeconds(), history.copy(), states);
    }

    /**
     * Continues from {@code checkpoint} instead of this fit's start: weights, optimizer state (and learning rate),
     * position, the epoch's running sums, the history and the listeners' states. Only in
     * {@link TrainingListener#onTrainBegin}.
     *
     * @throws CheckpointMismatchException when the checkpoint was made by a different model, optimizer, data set,
     *                                     batch size or seed; nothing is changed then
     */
    public void restore(Checkpoint checkpoint, String source) {
        if (!beginning) {
            throw new IllegalStateException("a checkpoint can only be restored when training begins (onTrainBegin)");
        }
        List<String> differences = checkpoint.fingerprint().differencesFrom(fingerprint);
        if (!differences.isEmpty()) {
            throw new CheckpointMismatchException(source + " was made by a different fit, so it cannot be resumed"
                    + " here (nothing was changed): " + String.join("; ", differences));
        }
        model.setWeights(checkpoint.weightsView());
        OptimizerState saved = checkpoint.optimizerState();
        List<Tensor> slots = new ArrayList<>(saved.slots().size());
        for (Tensor s : saved.slots()) {
            slots.add(s.copy());
        }
        model.optimizerState(new OptimizerState(saved.iterations(), slots));
        optimizer = optimizer.withLearningRate(checkpoint.learningRate());
        planEpochs(checkpoint.firstEpoch());
        epoch = checkpoint.epoch();
        stepsDone = checkpoint.stepsDone();
        epochStats = checkpoint.epochStats();
        secondsBeforeResume = checkpoint.epochSeconds();
        history = checkpoint.history();
        model.epochsTrained(epoch - 1);
        pendingListenerStates = checkpoint.listeners();
        restoredFrom = source;
    }

    private void restoreListenerStates() {
        List<TrainingListener> listeners = options.listeners();
        for (Checkpoint.ListenerState s : pendingListenerStates) {
            if (s.index() < listeners.size() && listeners.get(s.index()).getClass().getName().equals(s.type())) {
                listeners.get(s.index()).restoreCheckpointState(s.state());
            } else {
                LOG.warn("{}: the state of listener {} ({}) has no matching listener in this fit; ignored",
                        restoredFrom, s.index(), s.type());
            }
        }
        pendingListenerStates = List.of();
    }

    static Checkpoint.Fingerprint fingerprint(Network network, CompileConfig config, TrainingData data,
                                              FitOptions options) {
        try {
            String architecture = Registry.json().writeValueAsString(network.layers().toArray(new Layer[0]))
                    + " inputDim " + network.inputDim() + " " + network.dtype().keyword()
                    // Only when some layer is frozen, so that checkpoints written before frozen layers still resume.
                    + (network.hasFrozenLayers() ? " trainable " + network.trainable() : "");
            Map<String, Object> optimizer = new LinkedHashMap<>(config.optimizer().config());
            return new Checkpoint.Fingerprint(architecture.replace('\n', ' '), optimizer.toString(),
                    config.loss().keyword(), config.metrics().stream().map(m -> m.keyword()).toList(), data.trainSamples(),
                    data.validationSamples(), data.inputWidth(), options.batchSize(), options.seed(), options.shuffle(),
                    new java.util.TreeMap<>(options.classWeights()).toString());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
