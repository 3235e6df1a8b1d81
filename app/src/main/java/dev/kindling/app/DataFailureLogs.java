// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.spark.DataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.AbstractFilter;
import org.apache.logging.log4j.core.filter.CompositeFilter;

/**
 * Keeps Spark's log lines about a task that failed on bad input data out of the output: the app reports that
 * failure itself, as one message naming the file, row and value ({@link Main#report}), so the executor's
 * {@code ERROR Executor: Exception in task ...} and the scheduler's {@code WARN TaskSetManager: Lost task ...} (each
 * with the whole stack trace) and its {@code ERROR ... failed 1 times; aborting job} say nothing more. Any other
 * task failure is logged as Spark logs it. The stack trace stays available with {@code --verbose}.
 *
 * <p>A log4j filter on every logger configuration, installed once Spark has started (Spark may configure logging
 * while it starts). Only the driver's log is filtered: a cluster's executors log to their own files.
 */
final class DataFailureLogs extends AbstractFilter {

    private static final Pattern STAGE = Pattern.compile("in stage (\\d+\\.\\d+)");
    private static final String MARKER = DataException.class.getName() + ": ";

    private static final DataFailureLogs INSTANCE = new DataFailureLogs();

    /** The stages whose task failed on bad data (in this Spark application): their "aborting job" line goes too. */
    private final Set<String> stages = ConcurrentHashMap.newKeySet();

    /**
     * Installs the filter on the current log4j configuration (once: installing it again only forgets the previous
     * application's stages); a no-op when log4j-core is not the backend.
     */
    static void install() {
        INSTANCE.stages.clear();
        try {
            if (LogManager.getContext(false) instanceof LoggerContext context) {
                List<LoggerConfig> loggers = new ArrayList<>(context.getConfiguration().getLoggers().values());
                loggers.add(context.getConfiguration().getRootLogger());
                for (LoggerConfig logger : loggers) {
                    if (!installedOn(logger.getFilter())) {
                        logger.addFilter(INSTANCE);
                    }
                }
                context.updateLoggers();
            }
        } catch (LinkageError e) {
            // another logging backend: its output is the user's configuration
        }
    }

    private static boolean installedOn(Filter filter) {
        return filter == INSTANCE || filter instanceof CompositeFilter composite
                && Arrays.asList(composite.getFiltersArray()).contains(INSTANCE);
    }

    @Override
    public Result filter(LogEvent event) {
        if (!event.getLevel().isMoreSpecificThan(Level.WARN) || !event.getLoggerName().startsWith("org.apache.spark")) {
            return Result.NEUTRAL;
        }
        String message = event.getMessage() == null ? "" : event.getMessage().getFormattedMessage();
        Matcher stage = STAGE.matcher(message);
        String id = stage.find() ? stage.group(1) : null;
        if (dataFailure(event.getThrown()) || message.contains(MARKER)) {
            if (id != null) {
                stages.add(id);
            }
            return Result.DENY;
        }
        return id != null && stages.contains(id) && message.contains("aborting job") ? Result.DENY : Result.NEUTRAL;
    }

    private static boolean dataFailure(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof DataException) {
                return true;
            }
        }
        return false;
    }
}
