// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.tensor.Tensor;
import dev.kindling.spark.TestSpark;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's library programs (Java: a Pipeline; Scala: SparkTrainer on string labels) are the files the suite
 * compiles, word for word, and they run on a small table of the shape they expect.
 */
class TableJobExampleTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();

    @TempDir
    Path dir;

    /** id, pixels array&lt;double&gt;, label a class name, split: 150 rows of 3 separable blobs, 30 of them test. */
    private String table(SparkSession spark) {
        Object[] blobs = TestSpark.blobs(150, 4);
        Tensor x = (Tensor) blobs[0];
        int[] labels = (int[]) blobs[1];
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < labels.length; r++) {
            List<Double> f = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                f.add((double) x.getFlat(r * 4 + c));
            }
            rows.add(RowFactory.create((long) r, f, List.of("Sandal", "Coat", "Bag").get(labels[r]),
                    r % 5 == 0 ? "test" : "train"));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("pixels",
                DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.StringType)
                .add("split", DataTypes.StringType);
        spark.createDataFrame(rows, schema).write().parquet(dir.resolve("table").toString());
        return dir.resolve("table").toString();
    }

    private void assertJoinablePredictions(SparkSession spark) {
        Dataset<Row> predictions = spark.read().parquet(dir.resolve("out/predictions").toString());
        assertEquals(List.of("id", "label", "predictedLabel"), Arrays.asList(predictions.columns()));
        assertEquals(30, predictions.count());
        long right = predictions.where("label = predictedLabel").count();
        assertTrue(right >= 26, right + " of 30");
    }

    @Test
    void theReadmeProgramTrainsSavesAndWritesJoinablePredictions() throws Exception {
        SparkSession spark = TestSpark.local();
        TableJob.run(spark, table(spark), dir.resolve("out").toString(), 3, 20);
        assertJoinablePredictions(spark);
    }

    /** Compiled here by the Scala compiler of Spark's Scala version, against the test classpath, then run. */
    @Test
    void theReadmeScalaProgramCompilesAndTrainsOnClassNames() throws Exception {
        Path classes = Files.createDirectories(dir.resolve("scala-classes"));
        boolean compiled = scala.tools.nsc.Main.process(new String[] {"-usejavacp", "-classpath",
            System.getProperty("java.class.path"), "-d", classes.toString(), "-deprecation", "-Werror",
            MODULE.resolve(SCALA_PROGRAM).toString()});
        assertTrue(compiled, "scalac reported errors (printed above)");
        SparkSession spark = TestSpark.local();
        String table = table(spark);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Method run = loader.loadClass("dev.kindling.spark.examples.ScalaTableJob").getMethod("run",
                    SparkSession.class, String.class, String.class, int.class, int.class);
            run.invoke(null, spark, table, dir.resolve("out").toString(), 3, 20);
        }
        assertJoinablePredictions(spark);
        assertEquals(List.of("Bag", "Coat", "Sandal"),
                dev.kindling.core.model.Sequential.load(dir.resolve("out/model.kindling")).classNames());
    }

    static final String JAVA_PROGRAM = "src/test/java/dev/kindling/spark/examples/TableJob.java";
    static final String SCALA_PROGRAM = "src/test/scala/dev/kindling/spark/examples/ScalaTableJob.scala";

    /** The README shows each program from its imports on, without the file's header, package and doc comment. */
    @Test
    void theReadmeShowsTheCompiledProgramsWordForWord() throws Exception {
        String readme = Files.readString(MODULE.resolve("../README.md"));
        int section = readme.indexOf("## Use Kindling from your own Spark job");
        assertTrue(section >= 0, "README has the section");
        String text = readme.substring(section, readme.indexOf("\n## ", section + 1));
        assertEquals(program(MODULE.resolve(JAVA_PROGRAM)), block(text, "java"), JAVA_PROGRAM);
        assertEquals(program(MODULE.resolve(SCALA_PROGRAM)), block(text, "scala"), SCALA_PROGRAM);
    }

    private static String block(String markdown, String language) {
        int start = markdown.indexOf("```" + language + "\n");
        assertTrue(start >= 0, "a ```" + language + " block in the section");
        start += language.length() + 4;
        return markdown.substring(start, markdown.indexOf("```", start));
    }

    private static String program(Path file) throws java.io.IOException {
        List<String> lines = Files.readAllLines(file);
        StringBuilder kept = new StringBuilder();
        boolean started = false;
        boolean inDoc = false;
        for (String line : lines) {
            started |= line.startsWith("import ");
            if (line.startsWith("/**")) {
                inDoc = true;
            }
            if (started && !inDoc) {
                kept.append(line).append('\n');
            }
            if (inDoc && line.endsWith("*/")) {
                inDoc = false;
            }
        }
        return kept.toString();
    }
}
