// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.app.output.Json;
import dev.kindling.core.model.Sequential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table as a data engineer writes one (an {@code id}, array features, the label as a class name, a categorical
 * column, a {@code split} column, several files) trained, evaluated and predicted through the app as it is.
 */
class TableJobTest {
    static final List<String> CLASSES_IN_THE_DATA = List.of("Sandal", "Coat", "Bag");
    static final int ROWS = 300;

    @TempDir
    static Path dir;
    static Path table;

    /** Class k's pixels are near 1 at position k and near 0 elsewhere: any small network separates them. */
    @BeforeAll
    static void writeTable() {
        table = dir.resolve("table");
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            Random random = new Random(5);
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < ROWS; i++) {
                int k = i % 3;
                List<Double> pixels = new ArrayList<>();
                for (int j = 0; j < 4; j++) {
                    pixels.add((j == k ? 1.0 : 0.0) + 0.2 * random.nextGaussian());
                }
                rows.add(RowFactory.create(1000L + i, pixels, CLASSES_IN_THE_DATA.get(k), i % 2 == 0 ? "web" : "shop",
                        i % 5 == 0 ? "test" : "train"));
            }
            StructType schema = new StructType().add("id", DataTypes.LongType, false)
                    .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType), false)
                    .add("label", DataTypes.StringType, true).add("source", DataTypes.StringType, false)
                    .add("split", DataTypes.StringType, false);
            spark.createDataFrame(rows, schema).repartition(3).write().parquet(table.toString());
            // The same rows, one with a class the model never saw.
            List<Row> unseen = new ArrayList<>(rows.subList(0, 7));
            unseen.set(5, RowFactory.create(7L, List.of(0.0, 0.0, 0.0, 1.0), "Boot", "web", "test"));
            spark.createDataFrame(unseen, schema).coalesce(1).write().parquet(dir.resolve("unseen").toString());
        } finally {
            spark.stop();
        }
    }

    /** The job file a user would write for the table. */
    private static Path jobFile() throws java.io.IOException {
        Path conf = dir.resolve("table.conf");
        Files.writeString(conf, """
                data {
                  format = parquet
                  train = "%s"
                  parquet.features-column = pixels
                  train-where = "split = 'train'"
                  test-where = "split = 'test'"
                }
                model.layers = [
                  {type = dense, units = 8, activation = relu}
                  {type = dense, units = 3, activation = softmax}
                ]
                model.seed = 1
                compile.optimizer { name = adam, learning-rate = 0.05 }
                fit { epochs = 8, batch-size = 16, seed = 1 }
                spark { master = "local[2]", conf { "spark.ui.enabled" = false } }
                output.dir = "%s"
                """.formatted(table, dir.resolve("out")));
        return conf;
    }

    private static Cli run(String command, String... sets) throws java.io.IOException {
        return run(jobFile(), command, sets);
    }

    /** The job file for a CSV input of the same table: the format and where its rows are come from --set. */
    private static Path csvJobFile() throws java.io.IOException {
        Path conf = dir.resolve("csv.conf");
        Files.writeString(conf, Files.readString(jobFile()).replace("format = parquet", "format = csv")
                .replace("parquet.features-column = pixels", "csv.feature-columns = [f0, f1, f2, f3]"));
        return conf;
    }

    private static Cli run(Path conf, String command, String... sets) {
        List<String> args = new ArrayList<>(List.of(command, "-c", conf.toString()));
        for (String s : sets) {
            if (!s.startsWith("--")) {
                args.add("--set");
            }
            args.add(s);
        }
        return Cli.run(args.toArray(new String[0]));
    }

    @Test
    void stringLabelsRowConditionsJoinablePredictionsAndNamedEvaluation() throws Exception {
        Cli train = run("train", "fit.validation-split=0.2");
        assertEquals(Main.OK, train.exitCode(), train::toString);
        assertTrue(train.out().contains("where split = 'train'"), train::toString);
        // Alphabetical, as Spark's StringIndexer with stringOrderType = alphabetAsc; saved with the model.
        assertEquals(List.of("Bag", "Coat", "Sandal"), Sequential.load(dir.resolve("out/model.kindling"))
                .classNames());
        assertTrue(train.out().contains("240 training rows") && train.out().contains("60 test rows"),
                train::toString);

        Cli evaluate = run("evaluate");
        assertEquals(Main.OK, evaluate.exitCode(), evaluate::toString);
        JsonNode evaluation = Json.parse(Files.readString(dir.resolve("out/evaluation.json")));
        assertEquals("[\"Bag\",\"Coat\",\"Sandal\"]", evaluation.get("class_names").toString());
        long support = 0;
        for (JsonNode c : evaluation.get("per_class")) {
            support += c.get("support").asLong();
            assertTrue(c.get("f1").asDouble() > 0.8, evaluation::toPrettyString);
        }
        assertEquals(60, support);
        assertEquals("Sandal", evaluation.get("per_class").get(2).get("name").asText());
        assertEquals(3, evaluation.get("confusion_matrix").get("counts").size());
        assertTrue(Files.size(dir.resolve("out/confusion_matrix.png")) > 1000);
        assertTrue(evaluate.out().contains("Sandal"), evaluate::toString);

        Cli predict = run("predict");
        assertEquals(Main.OK, predict.exitCode(), predict::toString);
        Cli csv = run("predict", "predict.format=csv", "predict.path=\"" + dir.resolve("csv") + "\"");
        assertEquals(Main.OK, csv.exitCode(), csv::toString);
        Cli chosen = run("predict", "predict.columns=[id]", "predict.path=\"" + dir.resolve("chosen") + "\"");
        assertEquals(Main.OK, chosen.exitCode(), chosen::toString);

        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            Dataset<Row> predictions = spark.read().parquet(dir.resolve("out/predictions").toString());
            assertEquals(List.of("id", "pixels", "label", "source", "split", "prediction", "predicted_label",
                    "probability"), Arrays.asList(predictions.columns()), "every input column, then the predictions");
            assertEquals(60, predictions.count());
            // Joined back to the table on id: the predicted names are the rows' own names.
            Dataset<Row> joined = spark.read().parquet(table.toString()).as("t")
                    .join(predictions.select("id", "predicted_label"), "id");
            assertEquals(60, joined.count());
            long right = joined.where("t.label = predicted_label").count();
            assertTrue(right >= 54, right + " of 60 right");
            assertEquals(List.of("id", "prediction", "predicted_label", "probability"),
                    Arrays.asList(spark.read().parquet(dir.resolve("chosen").toString()).columns()));
            Dataset<Row> csvRows = spark.read().option("header", "true").csv(dir.resolve("csv").toString());
            assertEquals(List.of("id", "label", "source", "split", "prediction", "predicted_label",
                    "probability_Bag", "probability_Coat", "probability_Sandal"), Arrays.asList(csvRows.columns()),
                    "CSV: the columns it can hold, a probability column per class name");
        } finally {
            spark.stop();
        }
    }

    /**
     * The same kind of table as CSV: its label column holds names (none of its values is a number), indexed in the
     * same alphabetical order as a Parquet string column, the names saved with the model, named by evaluate and
     * predict; a name the model never saw is bad data at its row and line.
     */
    @Test
    void csvClassNamesAreIndexedAsParquetsAndNamedInEveryOutput() throws Exception {
        Path csv = dir.resolve("table.csv");
        StringBuilder text = new StringBuilder("id,label,f0,f1,f2,f3,split\n");
        Random random = new Random(7);
        for (int i = 0; i < ROWS; i++) {
            int k = i % 3;
            text.append(1000 + i).append(',').append(CLASSES_IN_THE_DATA.get(k));
            for (int j = 0; j < 4; j++) {
                text.append(',').append((j == k ? 1.0 : 0.0) + 0.2 * random.nextGaussian());
            }
            text.append(',').append(i % 5 == 0 ? "test" : "train").append('\n');
        }
        Files.writeString(csv, text);
        Path unseen = dir.resolve("unseen.csv");
        Files.writeString(unseen, "id,label,f0,f1,f2,f3,split\n1,Bag,1,0,0,0,test\n2,Boot,0,0,0,1,test\n");
        Path out = dir.resolve("csv-out");
        String[] csvInput = {"data.train=\"" + csv + "\"", "output.dir=\"" + out + "\""};

        Cli train = run(csvJobFile(), "train", csvInput);
        assertEquals(Main.OK, train.exitCode(), train::toString);
        assertEquals(List.of("Bag", "Coat", "Sandal"), Sequential.load(out.resolve("model.kindling")).classNames());
        assertTrue(train.out().contains("240 training rows") && train.out().contains("60 test rows"),
                train::toString);

        Cli evaluate = run(csvJobFile(), "evaluate", csvInput);
        assertEquals(Main.OK, evaluate.exitCode(), evaluate::toString);
        JsonNode evaluation = Json.parse(Files.readString(out.resolve("evaluation.json")));
        assertEquals("[\"Bag\",\"Coat\",\"Sandal\"]", evaluation.get("class_names").toString());
        assertEquals("Sandal", evaluation.get("per_class").get(2).get("name").asText());
        assertEquals(20, evaluation.get("per_class").get(2).get("support").asLong());

        List<String> predictSets = new ArrayList<>(Arrays.asList(csvInput));
        predictSets.addAll(List.of("predict.format=csv", "predict.path=\"" + out.resolve("predictions") + "\""));
        Cli predict = run(csvJobFile(), "predict", predictSets.toArray(new String[0]));
        assertEquals(Main.OK, predict.exitCode(), predict::toString);
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            Dataset<Row> rows = spark.read().option("header", "true").csv(out.resolve("predictions").toString());
            assertEquals(60, rows.count());
            long right = rows.where("label = predicted_label").count();
            assertTrue(right >= 54, right + " of 60 right");
        } finally {
            spark.stop();
        }

        List<String> unseenSets = new ArrayList<>(Arrays.asList(csvInput));
        unseenSets.addAll(List.of("data.test-where=null", "data.test=\"" + unseen + "\""));
        Files.delete(out.resolve("evaluation.json"));
        Cli bad = run(csvJobFile(), "evaluate", unseenSets.toArray(new String[0]));
        assertEquals(Main.BAD_DATA, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains("row 1 (line 3), column 'label': 'Boot' is not one of the model's 3 classes:"
                + " Bag, Coat, Sandal"), bad::toString);
        assertFalse(Files.exists(out.resolve("evaluation.json")));
    }

    /** A CSV label column mixing numbers and names is read as numbers: the first name is named as not one. */
    @Test
    void aCsvLabelColumnMixingNumbersAndNamesIsBadDataAtTheName() throws Exception {
        Path csv = dir.resolve("mixed.csv");
        Files.writeString(csv, "label,f0,f1,f2,f3\n0,1,0,0,0\n1,0,1,0,0\nCoat,0,0,1,0\n");
        Cli train = run(csvJobFile(), "train", "data.train=\"" + csv + "\"", "data.train-where=null",
                "data.test-where=null", "output.dir=\"" + dir.resolve("mixed-out") + "\"");
        assertEquals(Main.BAD_DATA, train.exitCode(), train::toString);
        assertTrue(train.err().contains("row 2 (line 4), column 'label': 'Coat' is not a number"), train::toString);
    }

    @Test
    void anUnseenClassNameIsBadDataNamingRowAndValueAndNothingIsWritten() throws Exception {
        Path out = dir.resolve("unseen-out");
        Cli train = run("train", "output.dir=\"" + out + "\"", "fit.epochs=1", "data.test-where=null");
        assertEquals(Main.OK, train.exitCode(), train::toString);
        Cli evaluate = run("evaluate", "output.dir=\"" + out + "\"", "data.test-where=null",
                "data.test=\"" + dir.resolve("unseen") + "\"");
        assertEquals(Main.BAD_DATA, evaluate.exitCode(), evaluate::toString);
        assertTrue(evaluate.err().contains("row 5") && evaluate.err().contains("column 'label': 'Boot' is not one of"
                + " the model's 3 classes: Bag, Coat, Sandal"), evaluate::toString);
        assertFalse(Files.exists(out.resolve("evaluation.json")));
    }

    @Test
    void aConditionOnAMissingColumnOrNotSqlIsABadConfigurationAtItsKey() throws Exception {
        Cli missing = run("train", "data.test-where=\"splt = 'test'\"", "output.dir=\"" + dir.resolve("none")
                + "\"");
        assertEquals(Main.BAD_CONFIGURATION, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("data.test-where: 'splt = 'test'' cannot be applied to parquet")
                && missing.err().contains("its columns are id, pixels, label, source, split"), missing::toString);
        assertFalse(Files.exists(dir.resolve("none")));
        Cli notSql = run("train", "--check", "data.train-where=\"split = = 'train'\"");
        assertEquals(Main.BAD_CONFIGURATION, notSql.exitCode(), notSql::toString);
        assertTrue(notSql.err().contains("data.train-where: 'split = = 'train'' is not a Spark SQL condition"),
                notSql::toString);
    }

    @Test
    void aValidationConditionSelectsValidationRowsFromTheSameTable() throws Exception {
        Path out = dir.resolve("validated");
        Cli train = run("train", "output.dir=\"" + out + "\"", "fit.epochs=2", "data.test-where=null",
                "data.validation-where=\"split = 'test'\"");
        assertEquals(Main.OK, train.exitCode(), train::toString);
        assertTrue(train.out().contains("validation: parquet [" + table + "] where split = 'test'"), train::toString);
        JsonNode history = Json.parse(Files.readString(out.resolve("history.json")));
        assertEquals(2, history.get("val_accuracy").size(), history::toString);
    }

    @Test
    void classNamesMustMatchTheModelsClasses() throws Exception {
        Cli cli = run("train", "model.layers=[{type = dense, units = 4, activation = softmax}]",
                "output.dir=\"" + dir.resolve("four") + "\"");
        assertEquals(Main.BAD_CONFIGURATION, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("has 3 class names (Bag, Coat, Sandal), but the model tells 4 classes apart"),
                cli::toString);
    }
}
