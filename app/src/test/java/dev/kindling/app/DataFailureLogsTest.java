// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.DataException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad value found in a task is reported once, by the app: Spark's task-failure lines with their stacks are not. */
class DataFailureLogsTest {
    @TempDir
    Path dir;

    private static LogEvent event(String logger, Level level, String message, Throwable thrown) {
        return Log4jLogEvent.newBuilder().setLoggerName(logger).setLevel(level)
                .setMessage(new SimpleMessage(message)).setThrown(thrown).build();
    }

    @Test
    void onlyTheLinesOfATaskThatFailedOnBadDataAreDropped() {
        DataFailureLogs filter = new DataFailureLogs();
        DataException bad = new DataException("csv a.csv: row 2, column 'label': '7x' is not a number");
        assertEquals(Filter.Result.DENY, filter.filter(event("org.apache.spark.executor.Executor", Level.ERROR,
                "Exception in task 0.0 in stage 3.0 (TID 3)", bad)));
        assertEquals(Filter.Result.DENY, filter.filter(event("org.apache.spark.scheduler.TaskSetManager", Level.WARN,
                "Lost task 0.0 in stage 3.0 (TID 3) (host executor 1): " + DataException.class.getName() + ": csv"
                        + " a.csv: row 2 ...\n\tat dev.kindling.app.data.Inputs$CsvParser.parse", null)));
        assertEquals(Filter.Result.DENY, filter.filter(event("org.apache.spark.scheduler.TaskSetManager",
                Level.ERROR, "Task 0 in stage 3.0 failed 4 times; aborting job", null)));
        assertEquals(Filter.Result.DENY, filter.filter(event("org.apache.spark.sql.execution.FileFormatWriter",
                Level.ERROR, "Aborting job", new SparkException("Job aborted", bad))));
        // Any other failure is Spark's to log, and so are another stage's lines and Kindling's own.
        assertEquals(Filter.Result.NEUTRAL, filter.filter(event("org.apache.spark.executor.Executor", Level.ERROR,
                "Exception in task 1.0 in stage 4.0 (TID 9)", new OutOfMemoryError("Java heap space"))));
        assertEquals(Filter.Result.NEUTRAL, filter.filter(event("org.apache.spark.scheduler.TaskSetManager",
                Level.ERROR, "Task 1 in stage 4.0 failed 4 times; aborting job", null)));
        assertEquals(Filter.Result.NEUTRAL, filter.filter(event("dev.kindling.spark.Packing", Level.WARN,
                "a warning", bad)));
    }

    /** The application as spark-submit runs it, with conf/log4j2.properties: its standard error is one line. */
    @Test
    void theAppsStandardErrorShowsTheCleanMessageOnly() throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "label,f0,f1\n0,1,0\n1,0,1\n7x,1,1\n0,1,0\n");
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, """
                data { format = csv, train = "%s" }
                model.layers = [{type = dense, units = 2, activation = softmax}]
                fit { epochs = 1, batch-size = 2 }
                spark { master = "local[2]", conf { "spark.ui.enabled" = false } }
                output.dir = "%s"
                """.formatted(csv, dir.resolve("out")));
        Path err = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Dlog4j2.configurationFile=" + Cli.repoRoot().resolve("conf/log4j2.properties"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", "-c", conf.toString()))
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the app finishes");
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(Main.BAD_DATA, process.exitValue(), stderr);
        assertTrue(stderr.contains("kindling: bad input data: csv " + csv + ": row 2 (line 4), column 'label': '7x'"
                + " is not a number"), stderr);
        for (String spark : List.of("Exception in task", "Lost task", "aborting job", "\tat ")) {
            assertFalse(stderr.contains(spark), "'" + spark + "' in:\n" + stderr);
        }
    }
}
