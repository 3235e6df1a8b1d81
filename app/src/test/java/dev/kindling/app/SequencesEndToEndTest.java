// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.layers.Embedding;
import dev.kindling.core.layers.LSTM;
import dev.kindling.core.model.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job file over token sequences: a parquet {@code array<int>} column of ids into an embedding and an LSTM,
 * trained and saved by the app; an id out of the embedding's range is bad data (exit 3) naming the row and the
 * value, found before the first step, and nothing is written.
 */
class SequencesEndToEndTest {
    private static final String LAYERS = "model.layers=[{type = embedding, input-dim = 10, output-dim = 4,"
            + " input-length = 6}, {type = lstm, units = 3, recurrent-dropout = 0.2}, {type = dense, units = 2,"
            + " activation = softmax}]";

    @TempDir
    Path dir;

    /** Rows of 6 ids in 2..9, label 1 when id 1 replaces one of them; {@code badRow} gets id 12. */
    private static void tokens(Path parquet, int rows, int badRow) {
        tokens(parquet, rows, badRow, false);
    }

    /** As above; with {@code anyLength} the rows have 3 to 9 ids. */
    private static void tokens(Path parquet, int rows, int badRow, boolean anyLength) {
        Random r = new Random(3);
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int[] ids = new int[anyLength ? 3 + r.nextInt(7) : 6];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = 2 + r.nextInt(8);
            }
            int label = i % 2;
            if (label == 1) {
                ids[r.nextInt(ids.length)] = 1;
            }
            if (i == badRow) {
                ids[ids.length - 2] = 12;
            }
            data.add(RowFactory.create(ids, (double) label));
        }
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.IntegerType), true)
                    .add("label", DataTypes.DoubleType, false);
            spark.createDataFrame(data, schema).coalesce(1).write().parquet(parquet.toString());
        } finally {
            spark.stop();
        }
    }

    private Cli train(Path parquet, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "-c", Cli.repoRoot().resolve("conf/mnist-mlp.conf").toString(),
                "--set", "data.format=parquet", "--set", "data.dir=null",
                "--set", "data.train=\"" + parquet + "\"", "--set", "data.test=\"" + parquet + "\"",
                "--set", "data.scale=1", "--set", "data.num-classes=0", "--set", "model.input-dim=0",
                "--set", LAYERS, "--set", "fit.epochs=2", "--set", "fit.batch-size=16",
                "--set", "output.dir=\"" + dir.resolve("out") + "\"",
                "--set", "spark.master=local[1]", "--set", "spark.conf.spark.ui.enabled=false"));
        for (String set : sets) {
            args.add("--set");
            args.add(set);
        }
        return Cli.run(args.toArray(new String[0]));
    }

    @Test
    void aJobFileTrainsAnLstmOnAnArrayOfTokenIds() throws IOException {
        Path parquet = dir.resolve("tokens.parquet");
        tokens(parquet, 96, -1);
        Cli cli = train(parquet);
        assertEquals(0, cli.exitCode(), cli::toString);
        Sequential saved = Sequential.load(dir.resolve("out/model.kindling"));
        assertEquals(new Embedding(10, 4).withInputLength(6), saved.layers().get(0));
        assertEquals(new LSTM(3).withRecurrentDropout(0.2), saved.layers().get(1));
        assertEquals(2, saved.epochsTrained());
    }

    /** Sequences of 3 to 9 ids: refused as they are, padded (post) and truncated to 6 with data.parquet.padding. */
    @Test
    void sequencesOfAnyLengthArePaddedToTheInputLengthWhenAsked() throws IOException {
        Path parquet = dir.resolve("any-length.parquet");
        tokens(parquet, 96, -1, true);
        Cli unpadded = train(parquet);
        assertEquals(Main.BAD_DATA, unpadded.exitCode(), unpadded::toString);
        assertTrue(unpadded.err().contains("expected 6 values, got"), unpadded::toString);
        Cli padded = train(parquet, "data.parquet.padding=post", "data.parquet.truncating=post");
        assertEquals(0, padded.exitCode(), padded::toString);
        assertEquals(2, Sequential.load(dir.resolve("out/model.kindling")).epochsTrained());
    }

    @Test
    void aTokenIdOutOfRangeIsBadDataNamingRowAndValue() {
        Path parquet = dir.resolve("bad.parquet");
        tokens(parquet, 64, 37);
        Cli cli = train(parquet);
        assertEquals(Main.BAD_DATA, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("features column 'features': row 37, timestep 4 has token id 12.0, expected a"
                + " whole number in [0, 10)"), cli::toString);
        // padding 'pre' keeps the last ids: the bad one moves with them
        Cli padded = train(parquet, "data.parquet.padding=pre");
        assertEquals(Main.BAD_DATA, padded.exitCode(), padded::toString);
        assertTrue(padded.err().contains("row 37, timestep 4 has token id 12.0"), padded::toString);
        assertFalse(cli.out().contains("Epoch 1"), "no training step before every input is checked:\n" + cli);
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
