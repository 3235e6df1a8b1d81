// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import scala.Tuple2;

/**
 * A label column of class names (strings) as class indices, one way for the app and the Java API: class {@code k}
 * is the {@code k}-th distinct name in alphabetical order, as Spark's {@code StringIndexer} with
 * {@code stringOrderType = alphabetAsc} numbers them (deterministic, unlike its default {@code frequencyDesc}, whose
 * ties depend on the data). A model trained on names keeps them ({@code Sequential.classNames()}); data it sees later
 * is indexed with the model's names, and a name outside them (or a null label) is bad data naming its row and value
 * ({@code handleInvalid = error}, checked before anything else runs), never a silent extra class.
 */
public final class ClassNames {
    /** The column a label column of names is indexed into (a double, with Spark ML's nominal metadata). */
    public static final String INDEX_COLUMN = "kindling_label_index";

    /** {@code StringIndexer}'s order for class names. */
    public static final String ORDER = "alphabetAsc";

    private ClassNames() {
    }

    /**
     * The distinct names in {@code label}, in {@link #ORDER} (one job over the column).
     *
     * @param description what the data is, for the job's description and the message
     * @throws DataException when the column has no names (no rows, or only nulls)
     */
    public static List<String> learn(Dataset<Row> data, String label, String description) {
        String[] names;
        try (JobDescription ignored = JobDescription.of(data.sparkSession().sparkContext(), "reading: the class"
                + " names of " + description)) {
            names = new StringIndexer().setInputCol(label).setStringOrderType(ORDER).fit(data).labelsArray()[0];
        }
        if (names.length == 0) {
            throw new DataException(description + ": label column '" + label + "' has no class names (no rows, or"
                    + " only nulls)");
        }
        return List.of(names);
    }

    /**
     * {@code data} with column {@code output}: the index of each row's name in {@code names} (a double with Spark
     * ML's nominal metadata naming the classes, as {@code StringIndexerModel} writes it). Every label is checked
     * first, in one pass: the first null or unknown name is a {@link DataException} naming its row (0-based, in the
     * data's order, as the trainer numbers rows), its file when the data came from files, and the value.
     *
     * @param modelNames true when {@code names} are a trained model's (the message says "the model's classes")
     */
    public static Dataset<Row> index(Dataset<Row> data, String label, List<String> names, String output,
                                     String description, boolean modelNames) {
        if (names.isEmpty()) {
            throw new DataException(description + ": label column '" + label + "' holds class names (strings), but"
                    + " the model was trained on class indices; give it numbers 0..(classes - 1), or train on names");
        }
        Set<String> known = new HashSet<>(names);
        List<Tuple2<Row, Long>> bad;
        try (JobDescription ignored = JobDescription.of(data.sparkSession().sparkContext(), "checking: the labels of "
                + description)) {
            bad = data.select(functions.col(quote(label)), functions.input_file_name()).javaRDD().zipWithIndex()
                    .filter(t -> t._1().isNullAt(0) || !known.contains(t._1().getString(0))).take(1);
        }
        if (!bad.isEmpty()) {
            Row r = bad.get(0)._1();
            String file = r.getString(1);
            if (file != null && file.startsWith("file:")) {
                file = Path.of(java.net.URI.create(file)).toString();
            }
            throw new DataException(description + ": row " + bad.get(0)._2() + (file == null || file.isEmpty() ? ""
                    : " (file " + file + ")") + ", column '" + label + "': "
                    + notAClass(r.isNullAt(0) ? null : r.getString(0), names, modelNames));
        }
        return new StringIndexerModel(names.toArray(new String[0])).setInputCol(label).setOutputCol(output)
                .setHandleInvalid("error").transform(data);
    }

    /** What is wrong with a label that is not one of {@code names} (null for a missing label). */
    public static String notAClass(String value, List<String> names, boolean modelNames) {
        return value == null ? "null, expected a class name" : "'" + value + "' is not one of the "
                + (modelNames ? "model's " : "") + names.size() + " classes: " + String.join(", ", names);
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }
}
