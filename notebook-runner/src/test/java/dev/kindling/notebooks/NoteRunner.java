// SPDX-License-Identifier: Apache-2.0
package dev.kindling.notebooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Console$;
import scala.jdk.javaapi.CollectionConverters;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Runs a Zeppelin note headlessly, paragraph by paragraph in order, the way Zeppelin's Spark interpreter would:
 * <ul>
 *   <li>{@code %spark}: Scala 2.13 in the compiler's own REPL ({@link IMain}), with {@code spark}, {@code sc},
 *       {@code sqlContext} and {@code z} bound and Zeppelin's default imports ({@code spark.implicits._},
 *       {@code spark.sql}, {@code org.apache.spark.sql.functions._}); class-based wrappers
 *       ({@code -Yrepl-class-based}), as Zeppelin and spark-shell compile them, so closures serialize the same way.
 *       The whole paragraph is one {@code interpret} call; {@code Error} or {@code Incomplete} fails it, and so does
 *       an exception thrown by the code (the REPL catches it, prints the trace and answers {@code Error}).</li>
 *   <li>{@code %spark.sql}: one statement through {@code spark.sql(...)}, shown as {@code z.show} would.</li>
 *   <li>{@code %spark.conf}: configuration that Zeppelin applies when it launches the interpreter. Here the
 *       classes are already on the classpath ({@code spark.jars} is moot) and the master is always local, so the
 *       paragraph is parsed (as Zeppelin does, a properties file) and reported SKIPPED with its keys; a conf
 *       paragraph after the interpreter has started fails, because Zeppelin refuses it then too.</li>
 *   <li>{@code %md} and paragraphs with {@code config.enabled = false} or no code are SKIPPED; any other
 *       interpreter fails (the runner cannot vouch for it).</li>
 * </ul>
 * After the first failure the rest of the note is not run (reported SKIPPED), as Zeppelin's "run all" stops.
 *
 * <p><b>One REPL and one SparkSession per note</b> (Zeppelin's "isolated per note" binding, which is also what
 * {@code %spark.conf} needs). A shared session would save about a second per note, but Spark's local executor
 * resolves REPL classes ({@code $line3.$read$$iw...}) through the class loader of the thread that started the
 * SparkContext, and every fresh REPL reuses the same class names: a second note's closures would meet the first
 * note's classes. So the session is built after the note's REPL, with the REPL's class loader as the context class
 * loader, and stopped at the end of the note. This also keeps notes honest: nothing one note defines is visible in
 * the next.
 *
 * <p>Output: everything the paragraph prints (Scala {@code Console}, {@code System.out}, the REPL's echo of
 * definitions and its error messages) is captured per paragraph and also passed through to the real stdout.
 */
public final class NoteRunner {

    public enum Status { PASSED, FAILED, SKIPPED }

    /** One paragraph's outcome; {@code detail} says why it failed or was skipped. */
    public record ParagraphResult(String note, int index, String title, String interpreter, Status status,
                                  double seconds, String detail, String output) {
    }

    /** The outcome of a whole note. */
    public record NoteResult(Path file, String name, double startSeconds, List<ParagraphResult> paragraphs) {
        public boolean passed() {
            return paragraphs.stream().noneMatch(p -> p.status() == Status.FAILED);
        }

        public List<ParagraphResult> failures() {
            return paragraphs.stream().filter(p -> p.status() == Status.FAILED).toList();
        }
    }

    private static final String[] ZEPPELIN_IMPORTS = {
        "import spark.implicits._",
        "import spark.sql",
        "import org.apache.spark.sql.functions._",
    };

    private final Map<String, String> sparkConf;
    private final PrintStream console;

    /** A runner whose SparkSessions get these settings (master, UI...). */
    public NoteRunner(Map<String, String> sparkConf) {
        this.sparkConf = new LinkedHashMap<>(sparkConf);
        this.console = System.out;
    }

    /** local[2], no UI, loopback only, 2 shuffle partitions: what the tests and CI use. */
    public static NoteRunner local() {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.master", "local[2]");
        conf.put("spark.ui.enabled", "false");
        conf.put("spark.driver.host", "127.0.0.1");
        conf.put("spark.driver.bindAddress", "127.0.0.1");
        conf.put("spark.sql.shuffle.partitions", "2");
        return new NoteRunner(conf);
    }

    public NoteResult run(Path file) {
        Note note = Note.read(file);
        List<ParagraphResult> results = new ArrayList<>();
        String group = note.defaultGroup();
        Session session = null;
        double startSeconds = 0;
        ClassLoader savedLoader = Thread.currentThread().getContextClassLoader();
        try {
            String stopReason = null;
            for (int i = 0; i < note.paragraphs().size(); i++) {
                Note.Paragraph p = note.paragraphs().get(i);
                String interpreter = normalize(p.interpreter(group));
                String title = p.displayTitle();
                long t0 = System.nanoTime();
                if (stopReason != null) {
                    results.add(result(note, i, title, interpreter, Status.SKIPPED, t0, stopReason, ""));
                    continue;
                }
                if (!p.enabled()) {
                    results.add(result(note, i, title, interpreter, Status.SKIPPED, t0, "disabled (config.enabled=false)", ""));
                    continue;
                }
                if (p.body().isBlank()) {
                    results.add(result(note, i, title, interpreter, Status.SKIPPED, t0, "no code", ""));
                    continue;
                }
                ParagraphResult r = switch (interpreter) {
                    case "md" -> result(note, i, title, interpreter, Status.SKIPPED, t0, "markdown", "");
                    case "spark.conf" -> conf(note, i, title, interpreter, p.body(), session != null, t0);
                    case "spark", "spark.sql" -> {
                        if (session == null) {
                            session = Session.start(note.name(), sparkConf, console);
                            startSeconds = (System.nanoTime() - t0) / 1e9;
                            t0 = System.nanoTime();
                        }
                        console.printf("---- %s #%d %s (%%%s)%n", note.name(), i, title, interpreter);
                        yield interpreter.equals("spark")
                                ? scala(session, note, i, title, interpreter, p.body(), t0)
                                : sql(session, note, i, title, interpreter, p.body(), t0);
                    }
                    default -> result(note, i, title, interpreter, Status.FAILED, t0,
                            "interpreter %" + interpreter + " is not supported by the headless runner"
                                    + " (it runs %spark, %spark.sql, %spark.conf and %md)", "");
                };
                results.add(r);
                if (r.status() == Status.FAILED) {
                    stopReason = "not run: paragraph " + i + " failed";
                }
            }
        } finally {
            if (session != null) {
                session.close();
            }
            Thread.currentThread().setContextClassLoader(savedLoader);
        }
        return new NoteResult(file, note.name(), startSeconds, List.copyOf(results));
    }

    /** {@code %spark} is the group's default interpreter; Zeppelin accepts both spellings. */
    private static String normalize(String interpreter) {
        return interpreter.equals("spark.spark") ? "spark" : interpreter;
    }

    private static ParagraphResult result(Note note, int index, String title, String interpreter, Status status,
                                          long t0, String detail, String output) {
        return new ParagraphResult(note.name(), index, title, "%" + interpreter, status,
                (System.nanoTime() - t0) / 1e9, detail, output);
    }

    private ParagraphResult conf(Note note, int i, String title, String interpreter, String body,
                                 boolean started, long t0) {
        if (started) {
            return result(note, i, title, interpreter, Status.FAILED, t0, "%spark.conf after the Spark interpreter"
                    + " has started: Zeppelin applies it only before the first %spark paragraph", "");
        }
        Properties props = new Properties();
        try {
            props.load(new StringReader(body));
        } catch (IOException | IllegalArgumentException e) {
            return result(note, i, title, interpreter, Status.FAILED, t0, "unreadable %spark.conf: " + e.getMessage(), "");
        }
        List<String> keys = props.stringPropertyNames().stream().sorted().toList();
        List<String> empty = keys.stream().filter(k -> props.getProperty(k).isBlank()).toList();
        if (!empty.isEmpty()) {
            return result(note, i, title, interpreter, Status.FAILED, t0,
                    "%spark.conf keys without a value: " + String.join(", ", empty), "");
        }
        return result(note, i, title, interpreter, Status.SKIPPED, t0,
                "configuration for Zeppelin, not applied (classes are on the classpath, master is local): "
                        + String.join(", ", keys), "");
    }

    private ParagraphResult scala(Session session, Note note, int i, String title, String interpreter,
                                  String code, long t0) {
        Captured c = session.capture(() -> session.interpret(code));
        Results.Result r = c.value();
        if (c.thrown() != null) {
            return result(note, i, title, interpreter, Status.FAILED, t0,
                    "the REPL threw " + c.thrown(), c.output());
        }
        if (r instanceof Results.Success$) {
            return result(note, i, title, interpreter, Status.PASSED, t0, "", c.output());
        }
        if (r instanceof Results.Incomplete$) {
            return result(note, i, title, interpreter, Status.FAILED, t0,
                    "incomplete input (an unclosed brace, parenthesis or string?)", c.output());
        }
        return result(note, i, title, interpreter, Status.FAILED, t0, errorExcerpt(c.output()), c.output());
    }

    /** A line the REPL prints for a compile error, or the first line of an exception's trace. */
    private static final java.util.regex.Pattern ERROR_LINE = java.util.regex.Pattern.compile(
            "(?m)^(.*\\berror: .*|[\\w.$]+(Exception|Error)\\b.*)$");

    /**
     * What went wrong, from the paragraph's output: for a compile error the REPL prints the code line, a caret and
     * {@code error: ...}; for an exception the trace. Output the paragraph printed before the error is left out.
     */
    static String errorExcerpt(String output) {
        List<String> lines = output.lines().toList();
        int first = -1;
        for (int k = 0; k < lines.size(); k++) {
            if (ERROR_LINE.matcher(lines.get(k)).matches()) {
                first = k;
                break;
            }
        }
        if (first < 0) {
            return "error (no message): " + firstLines(output, 8);
        }
        boolean compile = lines.get(first).contains("error: ");
        // A compile error's message follows the offending line and its caret: keep those two lines.
        int from = compile ? Math.max(0, first - 2) : first;
        String excerpt = String.join("\n    ", lines.subList(from, Math.min(lines.size(), first + 6)));
        return (compile ? "compile error:\n    " : "exception:\n    ") + excerpt;
    }

    private ParagraphResult sql(Session session, Note note, int i, String title, String interpreter,
                                String body, long t0) {
        String statement = body.strip();
        if (statement.endsWith(";")) {
            statement = statement.substring(0, statement.length() - 1);
        }
        String query = statement;
        Captured c = session.capture(() -> {
            Dataset<Row> df = session.spark.sql(query);
            session.z.show(df);
            return null;
        });
        if (c.thrown() != null) {
            return result(note, i, title, interpreter, Status.FAILED, t0, c.thrown().toString(), c.output());
        }
        return result(note, i, title, interpreter, Status.PASSED, t0, "", c.output());
    }

    private static String firstLines(String text, int n) {
        List<String> lines = text.strip().lines().filter(l -> !l.isBlank()).limit(n).toList();
        return String.join("\n    ", lines);
    }

    /** The report: one line per paragraph, then the totals. */
    public static String report(List<NoteResult> notes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-26s %3s  %-46s %-12s %-8s %8s%n",
                "note", "#", "title", "interpreter", "status", "seconds"));
        int[] counts = new int[Status.values().length];
        double total = 0;
        for (NoteResult note : notes) {
            sb.append(String.format(Locale.ROOT, "%-26s      %-46s %-12s %-8s %8.2f%n", clip(note.name(), 26),
                    "(start: Scala REPL + SparkSession)", "", "", note.startSeconds()));
            total += note.startSeconds();
            for (ParagraphResult p : note.paragraphs()) {
                sb.append(String.format(Locale.ROOT, "%-26s %3d  %-46s %-12s %-8s %8.2f%n",
                        clip(p.note(), 26), p.index(), clip(p.title(), 46), p.interpreter(), p.status(), p.seconds()));
                if (p.status() == Status.FAILED) {
                    sb.append("      ").append(p.detail().replace("\n", "\n      ")).append('\n');
                }
                counts[p.status().ordinal()]++;
                total += p.seconds();
            }
        }
        sb.append(String.format(Locale.ROOT, "paragraphs: %d PASSED / %d FAILED / %d SKIPPED in %d notes, %.1f s%n",
                counts[0], counts[1], counts[2], notes.size(), total));
        return sb.toString();
    }

    private static String clip(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "~";
    }

    // ---- the REPL and the SparkSession of one note -------------------------------------------------------

    private record Captured(Results.Result value, Throwable thrown, String output) {
    }

    @FunctionalInterface
    private interface Work {
        Results.Result run() throws Exception;
    }

    private static final class Session implements AutoCloseable {
        private final IMain repl;
        private final SparkSession spark;
        private final HeadlessZeppelinContext z;
        private final PrintStream console;

        private Session(IMain repl, SparkSession spark, HeadlessZeppelinContext z, PrintStream console) {
            this.repl = repl;
            this.spark = spark;
            this.z = z;
            this.console = console;
        }

        static Session start(String noteName, Map<String, String> conf, PrintStream console) {
            Settings settings = new Settings();
            String classpath = System.getProperty("java.class.path");
            // The REPL compiles against java.class.path: the test classpath must be there in full (Surefire puts
            // it there even when it forks with a manifest-only jar), or nothing of Kindling or Spark resolves.
            requireOnClasspath(classpath, scala.Predef.class, SparkSession.class,
                    dev.kindling.core.tensor.Tensor.class, dev.kindling.spark.SparkTrainer.class);
            List<String> args = List.of("-Yrepl-class-based", "-usejavacp", "-classpath", classpath);
            scala.Tuple2<Object, scala.collection.immutable.List<String>> parsed =
                    settings.processArguments(CollectionConverters.asScala(args).toList(), true);
            if (!(Boolean) parsed._1() || !parsed._2().isEmpty()) {
                throw new IllegalStateException("REPL settings rejected: " + args);
            }
            // The REPL's messages go to whatever System.out is at the time: the current paragraph's capture.
            PrintWriter replOut = new PrintWriter(new OutputStream() {
                @Override
                public void write(int b) {
                    System.out.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    System.out.write(b, off, len);
                }

                @Override
                public void flush() {
                    System.out.flush();
                }
            }, true);
            IMain repl = new IMain(settings, new ReplReporterImpl(settings, replOut));
            if (!repl.initializeCompiler()) {
                repl.close();
                throw new IllegalStateException("the Scala REPL did not initialise (see the output above)");
            }
            // Spark's local executor loads task classes through the context class loader of the thread that starts
            // the SparkContext: make that the REPL's, so closures written in the note run.
            Thread.currentThread().setContextClassLoader(repl.classLoader());
            SparkSession.Builder builder = SparkSession.builder().appName("kindling note: " + noteName);
            conf.forEach(builder::config);
            SparkSession spark = builder.getOrCreate();
            HeadlessZeppelinContext z = new HeadlessZeppelinContext(HeadlessZeppelinContext.DEFAULT_MAX_RESULT);
            Session session = new Session(repl, spark, z, console);
            try {
                session.bind("spark", "org.apache.spark.sql.SparkSession", spark);
                session.bind("sc", "org.apache.spark.SparkContext", spark.sparkContext());
                session.bind("sqlContext", "org.apache.spark.sql.SQLContext", spark.sqlContext());
                session.bind("z", HeadlessZeppelinContext.class.getName(), z);
                for (String imp : ZEPPELIN_IMPORTS) {
                    Captured c = session.capture(() -> repl.interpret(imp));
                    if (!(c.value() instanceof Results.Success$)) {
                        throw new IllegalStateException("REPL setup failed at '" + imp + "': " + c.output());
                    }
                }
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
            return session;
        }

        private static void requireOnClasspath(String classpath, Class<?>... classes) {
            List<String> entries = List.of(classpath.split(java.io.File.pathSeparator));
            for (Class<?> c : classes) {
                String where;
                try {
                    where = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
                } catch (java.net.URISyntaxException | RuntimeException e) {
                    throw new IllegalStateException("cannot tell where " + c.getName() + " was loaded from", e);
                }
                if (entries.stream().noneMatch(e -> Path.of(e).toAbsolutePath().toString().equals(where))) {
                    throw new IllegalStateException(c.getName() + " comes from " + where + ", which is not on"
                            + " java.class.path, so the REPL could not compile against it");
                }
            }
        }

        private void bind(String name, String type, Object value) {
            Captured c = capture(() -> repl.bind(name, type, value,
                    CollectionConverters.asScala(List.of("@transient")).toList()));
            if (!(c.value() instanceof Results.Success$)) {
                throw new IllegalStateException("could not bind " + name + ": " + c.output());
            }
        }

        Results.Result interpret(String code) {
            return repl.interpret(code);
        }

        /**
         * Runs {@code work} with System.out and Scala's Console.out going to a fresh buffer (and on to the real
         * console), on this thread with the REPL's class loader.
         */
        Captured capture(Work work) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            PrintStream tee = new PrintStream(new Tee(buffer, console), true, StandardCharsets.UTF_8);
            PrintStream savedOut = System.out;
            System.setOut(tee);
            try {
                Results.Result value = Console$.MODULE$.withOut(tee, () -> {
                    try {
                        return work.run();
                    } catch (Exception e) {
                        throw new WorkFailed(e);
                    }
                });
                tee.flush();
                return new Captured(value, null, buffer.toString(StandardCharsets.UTF_8));
            } catch (WorkFailed e) {
                tee.flush();
                return new Captured(null, e.getCause(), buffer.toString(StandardCharsets.UTF_8));
            } catch (RuntimeException | Error e) {
                tee.flush();
                return new Captured(null, e, buffer.toString(StandardCharsets.UTF_8));
            } finally {
                System.setOut(savedOut);
            }
        }

        @Override
        public void close() {
            try {
                spark.stop();
            } finally {
                SparkSession.clearActiveSession();
                SparkSession.clearDefaultSession();
                repl.close();
            }
        }
    }

    /** Carries a checked exception out of the Scala by-name block. */
    private static final class WorkFailed extends RuntimeException {
        WorkFailed(Exception cause) {
            super(cause);
        }
    }

    /** Writes to the paragraph's buffer and the real console. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
