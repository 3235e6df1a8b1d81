// SPDX-License-Identifier: Apache-2.0
package dev.kindling.notebooks;

import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code z} of a headless run: the few methods of Zeppelin's {@code ZeppelinContext} that the notes use, with
 * Zeppelin's names and output. {@code z.show(df)} prints what Zeppelin's Spark interpreter sends to the notebook,
 * a {@code %table} result (tab-separated header and rows, at most {@code zeppelin.spark.maxResult} = 1000 rows),
 * which Zeppelin draws as a table or, with the chart settings saved in the paragraph, as a chart. Here it goes to
 * the paragraph's captured output, so a query or conversion that fails inside {@code show} fails the paragraph.
 */
public final class HeadlessZeppelinContext {
    /** Zeppelin's default {@code zeppelin.spark.maxResult}. */
    public static final int DEFAULT_MAX_RESULT = 1000;

    private final int maxResult;
    private int tablesShown;

    public HeadlessZeppelinContext(int maxResult) {
        this.maxResult = maxResult;
    }

    public void show(Object data) {
        show(data, maxResult);
    }

    /** As Zeppelin's {@code z.show(df, maxResult)}; only Spark Datasets, as in Zeppelin's Spark interpreter. */
    public void show(Object data, int maxResult) {
        if (!(data instanceof Dataset<?> dataset)) {
            throw new IllegalArgumentException("z.show supports a Spark Dataset/DataFrame, got "
                    + (data == null ? "null" : data.getClass().getName()));
        }
        PrintStream out = System.out;
        out.print(table(dataset.toDF(), maxResult));
        out.flush();
        tablesShown++;
    }

    /** How many tables this context has shown (the runner reports it). */
    public int tablesShown() {
        return tablesShown;
    }

    static String table(Dataset<Row> df, int maxResult) {
        StringBuilder sb = new StringBuilder("%table ");
        sb.append(String.join("\t", List.of(df.columns()).stream().map(HeadlessZeppelinContext::cell).toList()));
        sb.append('\n');
        List<Row> rows = df.takeAsList(maxResult + 1);
        for (int r = 0; r < Math.min(rows.size(), maxResult); r++) {
            Row row = rows.get(r);
            for (int c = 0; c < row.length(); c++) {
                if (c > 0) {
                    sb.append('\t');
                }
                sb.append(cell(row.get(c)));
            }
            sb.append('\n');
        }
        if (rows.size() > maxResult) {
            sb.append("\n%html <font color=red>Results are limited by ").append(maxResult).append(".</font>\n");
        }
        return sb.toString();
    }

    /** Zeppelin's table format has no quoting: tabs and newlines inside a value become spaces. */
    private static String cell(Object value) {
        return String.valueOf(value).replace('\t', ' ').replace('\n', ' ');
    }
}
