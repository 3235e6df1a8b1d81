// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.app.config.BadConfigurationException;
import dev.kindling.core.BuildInfo;
import dev.kindling.core.data.IdxFormatException;
import dev.kindling.core.model.CheckpointException;
import dev.kindling.spark.DataException;
import dev.kindling.spark.JobFailures;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point for {@code spark-submit --class dev.kindling.app.Main kindling-app.jar <command> ...}.
 * {@link #run} is the same without {@code System.exit}, for tests.
 */
@Command(name = "kindling",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, ExportCommand.class,
            CommandLine.HelpCommand.class},
        description = "Trains, evaluates and applies Kindling models on Apache Spark, as described by a job "
                + "configuration (HOCON; every key and default: reference.conf in this jar, "
                + "docs/configuration.md).",
        footerHeading = "%nExamples:%n",
        footer = {
            "  spark-submit --master local[2] --class dev.kindling.app.Main \\",
            "      app/target/kindling-app.jar train --config conf/mnist-mlp.conf",
            "  spark-submit ... kindling-app.jar train -c conf/mnist-mlp.conf \\",
            "      --set fit.epochs=2 --set output.dir=out/quick",
            "  spark-submit ... kindling-app.jar evaluate -c conf/mnist-mlp.conf",
            "  spark-submit ... kindling-app.jar predict -c conf/mnist-mlp.conf \\",
            "      --set predict.format=csv",
            "  spark-submit ... kindling-app.jar train -c my-job.conf --check",
            "  spark-submit ... kindling-app.jar export -f onnx \\",
            "      -m out/mnist-mlp/model.kindling -o out/mnist-mlp/model.onnx",
            "",
            "Exit codes: 0 done, 1 failed, 2 bad configuration, command line or checkpoint,",
            "3 bad input data, 130/143 stopped by Ctrl-C/SIGTERM (a final checkpoint",
            "written when fit.checkpoint.dir is set). Configuration reference:",
            "docs/configuration.md."})
public final class Main implements Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_CONFIGURATION = 2;
    public static final int BAD_DATA = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = run(System.out, System.err, args);
        // A YARN cluster-mode driver runs inside the ApplicationMaster, which reports the application's final status
        // when main returns: System.exit(0) there ends the JVM first and YARN records the run as FAILED ("Shutdown
        // hook called before final status was reported", exit 16). A failure still exits with its code, which the
        // ApplicationMaster reports.
        if (code == OK && System.getProperty("spark.yarn.app.id") != null) {
            return;
        }
        System.exit(code);
    }

    /** Runs a command line; returns the exit code instead of exiting. Output and errors go to the given streams. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, err,
                commandLine.getCommand() instanceof JobCommand job && job.verbose));
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub.getCommand() instanceof JobCommand job) {
                job.streams(out, err);
            }
        }
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("kindling: a command is needed: train, evaluate, predict or export");
        spec.commandLine().usage(spec.commandLine().getErr());
        return BAD_CONFIGURATION;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Main.class);

    /**
     * One clear message on stderr per kind of failure, and its exit code. A failure the user can fix (configuration,
     * data, model files, checkpoints, locations, outputs not written) is one message and no stack trace: that goes to
     * the log at DEBUG, and to stderr with {@code --verbose}. Anything else is a bug: its stack trace is printed.
     */
    static int report(Exception e, PrintStream err, boolean verbose) {
        int code;
        if (e instanceof BadConfigurationException bad) {
            err.println("kindling: " + bad.getMessage());
            code = BAD_CONFIGURATION;
        } else if (e instanceof StopOnSignal.Stopped stopped) {
            err.println("kindling: " + stopped.getMessage());
            code = stopped.exitCode;
        } else if (e instanceof CheckpointException checkpoint) {
            err.println("kindling: checkpoint: " + checkpoint.getMessage());
            code = BAD_CONFIGURATION;
        } else if (e instanceof OutputsNotWrittenException || e instanceof JobCommand.OutOfMemory) {
            err.println("kindling: " + e.getMessage());
            code = FAILED;
        } else if (dataProblem(e) != null) {
            err.println("kindling: bad input data: " + dataProblem(e));
            code = BAD_DATA;
        } else if (storageFailure(e) != null) {
            err.println("kindling: " + storageFailure(e));
            code = FAILED;
        } else {
            err.println("kindling: failed: " + e);
            e.printStackTrace(err);
            return FAILED;
        }
        if (verbose) {
            e.printStackTrace(err);
        } else {
            LOG.debug("the stack trace of the failure reported above", e);
        }
        return code;
    }

    /**
     * The data problem behind a failure, if there is one: a DataException or a malformed IDX file (directly, as a
     * cause in local mode, or as text inside a Spark job failure from remote executors: {@link
     * JobFailures#messageOf}), a missing file, or Spark's PATH_NOT_FOUND.
     */
    public static String dataProblem(Throwable e) {
        for (Class<? extends Throwable> kind : List.of(DataException.class, IdxFormatException.class)) {
            String problem = JobFailures.messageOf(e, kind);
            if (problem != null) {
                return problem;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException missing) {
                return missing.getReason() != null ? missing.getReason() : "no such file: " + missing.getFile();
            }
            if (t.getClass().getName().equals("org.apache.spark.sql.AnalysisException")
                    && String.valueOf(t.getMessage()).contains("PATH_NOT_FOUND")) {
                return t.getMessage();
            }
        }
        return null;
    }

    /**
     * A read or write that the file system refused or could not finish (an unreachable NameNode, a full disk, lost
     * permissions): the environment's failure, not a bug, so one line: the first I/O exception's message (Kindling's
     * names the location) and, when that does not already say it, the root cause. Null if no I/O exception is in
     * the chain.
     */
    static String storageFailure(Throwable e) {
        Throwable io = null;
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (io == null && (t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException)) {
                io = t;
            }
            root = t;
        }
        if (io == null) {
            return null;
        }
        String line = dev.kindling.app.output.Locations.oneLine(io);
        String cause = root.getClass().getName() + (root.getMessage() == null ? ""
                : ": " + dev.kindling.app.output.Locations.oneLine(root));
        return "I/O failed: " + line + (root == io || line.contains(root.getClass().getName()) ? "" : " (" + cause
                + ")");
    }

    /** The Kindling version this jar was built as (the build also records the commit: {@link BuildInfo}). */
    public static String version() {
        return BuildInfo.current().version();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Kindling " + BuildInfo.current().describe()};
        }
    }
}
