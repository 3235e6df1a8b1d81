// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.app.config.BadConfigurationException;
import dev.kindling.app.config.JobConfig;
import dev.kindling.app.config.JobConfigLoader;
import dev.kindling.app.data.LocalInputs;
import dev.kindling.app.output.Locations;
import dev.kindling.core.blas.Blas;
import dev.kindling.spark.io.HadoopFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import dev.kindling.spark.JobDescription;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * What the three commands share: the configuration options, checking the whole configuration before Spark
 * starts, and owning the Spark session for the length of the command.
 */
abstract class JobCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "Job configuration (HOCON), e.g. conf/mnist-mlp.conf. Unset keys take the defaults of "
                    + "reference.conf (see docs/configuration.md).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one key of the configuration (repeatable; later wins), e.g."
                    + " --set spark.master=local[4] --set output.dir=out/x. VALUE is a HOCON value (42, true, [a, b], \"text\");"
                    + " anything else, like local[2] or spark://host:7077, is taken as plain text.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--check",
            description = "Only check the configuration: print it with every default filled in and exit (0 if"
                    + " it is good, 2 if not). Spark is not started and nothing is written (the locations the"
                    + " command would write are probed with a file written and deleted).")
    boolean check;

    @Option(names = "--verbose",
            description = "On a failure, print the stack trace too (by default a failure you can fix is one line,"
                    + " and its stack trace goes to the log at DEBUG).")
    boolean verbose;

    PrintStream out = System.out;
    PrintStream err = System.err;
    /** What the command is doing, for a failure's message (an out-of-memory error names it). */
    volatile String stage = "reading the inputs";
    /** Installed while {@link #run} runs: SIGTERM and Ctrl-C stop the command cleanly. */
    StopOnSignal signals;

    void streams(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    abstract JobConfigLoader.Task task();

    /** Checks a command adds to the configuration's own (e.g. that the model file exists). */
    void checkMore(JobConfig job, List<String> problems) {
    }

    /**
     * The locations the command will write, each under the key that names it: probed at the configuration check
     * (see {@link Locations}), so that a bad one fails before Spark starts rather than after the work is done.
     */
    abstract void locations(JobConfig job, List<Locations.Target> targets);

    /** The command's work, given a running Spark session. */
    abstract int run(JobConfig job, SparkSession spark) throws Exception;

    @Override
    public Integer call() throws Exception {
        JobConfig job = JobConfigLoader.load(config, overrides, task());
        List<String> problems = new ArrayList<>();
        LocalInputs.check(job, problems);
        checkMore(job, problems);
        List<Locations.Target> targets = new ArrayList<>();
        locations(job, targets);
        org.apache.hadoop.conf.Configuration hadoop = Locations.hadoopConfiguration(job.spark().conf());
        for (Locations.Target target : targets) {
            String problem = Locations.problem(hadoop, target);
            if (problem != null) {
                problems.add(job.where(target.key()) + target.key() + ": " + problem);
            }
        }
        if (!check && job.spark().master() == null && System.getProperty("spark.master") == null
                && !job.spark().conf().containsKey("spark.master")) {
            problems.add(config + ": spark.master: not set, and not run by spark-submit (which sets it from"
                    + " --master); run through spark-submit or --set spark.master=local[2]");
        }
        if (!problems.isEmpty()) {
            throw new BadConfigurationException(problems);
        }
        if (check) {
            out.print(job.toHocon());
            out.println("# configuration OK: " + config);
            return Main.OK;
        }
        SparkSession spark = startSpark(job.spark(), task().name().toLowerCase(java.util.Locale.ROOT));
        signals = StopOnSignal.install(err, spark.sparkContext());
        try {
            return run(job, spark);
        } catch (StopOnSignal.Stopped | dev.kindling.core.model.TrainingInterruptedException e) {
            throw e;
        } catch (OutOfMemoryError e) {
            throw new OutOfMemory(stage, e, spark.sparkContext().isLocal());
        } catch (Exception e) {
            // A job cancelled by the signal fails with Spark's own error: report the signal instead.
            if (signals.received() != null) {
                throw new StopOnSignal.Stopped(signals.received(), "before the command finished; no outputs written");
            }
            if (OutOfMemory.lostToMemory(e)) {
                throw new OutOfMemory(stage, e, spark.sparkContext().isLocal());
            }
            throw e;
        } finally {
            signals.close();
            spark.stop();
        }
    }

    /**
     * The driver or an executor ran out of memory (an executor that did exits with Spark's code 52, and the job
     * fails naming it): one line naming the stage and the settings to change.
     */
    static final class OutOfMemory extends Exception {
        OutOfMemory(String stage, Throwable cause, boolean local) {
            super("out of memory while " + stage + " (" + firstLine(cause) + "): give Spark more memory ("
                    + (local ? "spark.driver.memory or --driver-memory: in local mode the executors are the driver's"
                    + " JVM" : "spark.executor.memory, and spark.driver.memory for the driver") + "), spread the"
                    + " data over more partitions and executors (fit.partitions), or use fewer features", cause);
        }

        /** Whether a Spark job failed because an executor ran out of memory. */
        static boolean lostToMemory(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                String m = String.valueOf(t.getMessage());
                if (t instanceof OutOfMemoryError || m.contains("java.lang.OutOfMemoryError")
                        || m.matches("(?s).*exited with code 52\\b.*") || m.contains("exit code: 52")) {
                    return true;
                }
            }
            return false;
        }

        private static String firstLine(Throwable cause) {
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof OutOfMemoryError) {
                    return t.toString();
                }
            }
            return dev.kindling.app.output.Locations.oneLine(cause);
        }
    }

    /** The session of one command; its application name says the command: {@code kindling-mnist-mlp train}. */
    static SparkSession startSpark(JobConfig.SparkConfig conf, String command) {
        SparkSession.Builder builder = SparkSession.builder().appName(conf.appName() + " " + command);
        if (conf.master() != null) {
            builder = builder.master(conf.master());
        }
        for (var e : conf.conf().entrySet()) {
            builder = builder.config(e.getKey(), e.getValue());
        }
        SparkSession spark = builder.getOrCreate();
        DataFailureLogs.install();   // bad data is reported once, by the app, not also as Spark's task failures
        return spark;
    }

    /**
     * The BLAS implementations the executors use, one tiny task per core (in local mode the executors are the
     * driver's JVM, so this is the driver's).
     */
    static List<String> executorBlas(SparkSession spark) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = Math.max(1, sc.defaultParallelism());
        try (JobDescription ignored = JobDescription.of(spark.sparkContext(), "checking: the BLAS of each core")) {
            return sc.parallelize(IntStream.range(0, n).boxed().toList(), n)
                    .map(i -> Blas.implementationName()).distinct().collect();
        }
    }

    /** A location as shown to people: relative to the working directory when it is a local path under it. */
    static String shown(HadoopFiles.Location location) {
        java.net.URI uri = location.path().toUri();
        if ("file".equals(uri.getScheme())) {
            Path abs = Path.of(uri).normalize();
            Path cwd = Path.of("").toAbsolutePath();
            return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
        }
        return location.toString();
    }
}
