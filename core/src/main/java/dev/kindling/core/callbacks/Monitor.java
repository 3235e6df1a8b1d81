// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A quantity of the epoch logs to watch ({@code val_loss}, {@code accuracy}...) and whether lower or higher is
 * better. {@code AUTO} is Keras's rule: higher for accuracy-like names ({@code acc}, {@code auc}, {@code precision},
 * {@code recall}), lower otherwise.
 */
record Monitor(String name, Mode mode, double minDelta) {
    private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);
    /** What Keras's callbacks watch unless told otherwise. */
    static final String KERAS_DEFAULT = "val_loss";

    Monitor {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("monitor: a log name is needed, e.g. val_loss");
        }
        if (!(minDelta >= 0)) {
            throw new IllegalArgumentException("min_delta must be >= 0, got " + minDelta);
        }
        if (mode == Mode.AUTO) {
            String n = name.toLowerCase(Locale.ROOT);
            mode = n.contains("acc") || n.contains("auc") || n.contains("precision") || n.contains("recall")
                    ? Mode.MAX : Mode.MIN;
        }
    }

    /** The worst possible value, to start from. */
    double worst() {
        return mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** Whether {@code current} beats {@code best} by more than {@code minDelta}. */
    boolean improves(double current, double best) {
        return mode == Mode.MIN ? current < best - minDelta : current > best + minDelta;
    }

    /**
     * Refuses a monitored name the fit will never log, before the first step: names the logs it will have and the
     * closest one, with Keras 2's old names ({@code acc}, {@code val_acc}) mapped to today's.
     *
     * @throws IllegalArgumentException when {@code name} is not one of {@code logs}
     */
    void check(Set<String> logs, String who) {
        check(name, logs, who);
    }

    static void check(String name, Set<String> logs, String who) {
        if (!logs.contains(name)) {
            throw new IllegalArgumentException(who + ": monitor '" + name + "' is not a log this fit will have"
                    + willHave(name, logs));
        }
    }

    /** {@code "; it will have loss, ..., lr"} and the closest name, for a name that is not among {@code logs}. */
    static String willHave(String name, Set<String> logs) {
        String hint;
        if (name.matches("(val_)?acc") && logs.contains(name + "uracy")) {
            hint = " (did you mean '" + name + "uracy'? '" + name + "' is Keras 2's old name)";
        } else if (name.startsWith("val_") && logs.contains(name.substring(4))) {
            hint = " (the fit has no validation data: give some, e.g. a validation split, or monitor '"
                    + name.substring(4) + "')";
        } else {
            hint = dev.kindling.core.registry.Suggestions.didYouMean(name, logs);
        }
        return "; it will have " + String.join(", ", logs) + hint;
    }

    /** The watched value in an epoch's logs, or null (with a warning naming the logs there are) if it is missing. */
    Double in(Map<String, Double> logs, String who) {
        Double v = logs.get(name);
        if (v == null) {
            LOG.warn("{}: '{}' is not in the epoch's logs, which has {}; nothing done this epoch", who, name,
                    logs.keySet());
        }
        return v;
    }
}
