// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.apache.spark.sql.functions.array_repeat;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.slice;

import dev.kindling.core.data.Sequences;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * Token-sequence columns of any lengths made fit for an {@code Embedding}: Keras's {@code pad_sequences} on a
 * DataFrame's {@code array<int>} column, with its defaults (padding and truncating {@code pre}, value 0), computed
 * by Spark SQL's own array functions on the executors (no UDF, no shuffle, the rows' order and partitioning kept).
 * The result is an {@code array<int>} column of exactly {@code maxlen} ids, which {@link SparkTrainer} reads as
 * the features of a model declaring {@code Embedding(...).withInputLength(maxlen)}; ids out of the embedding's
 * range are found while the data is packed, before the first step, naming the row and the value.
 * <pre>{@code
 * Dataset<Row> padded = TokenSequences.pad(reviews, "tokens", 500);   // pad_sequences(tokens, maxlen = 500)
 * }</pre>
 */
public final class TokenSequences {
    private TokenSequences() {
    }

    /** Keras's defaults: zeros in front, a long sequence keeps its last {@code maxlen} ids. */
    public static Dataset<Row> pad(Dataset<Row> data, String column, int maxlen) {
        return pad(data, column, maxlen, Sequences.Side.PRE, Sequences.Side.PRE, 0);
    }

    /**
     * {@code data} with {@code column} replaced by its sequences padded or truncated to {@code maxlen} ids, as
     * {@link Sequences#pad} does one sequence. A null sequence stays null (the trainer names its row).
     *
     * @throws DataException if the column is missing or is not an array of whole numbers
     */
    public static Dataset<Row> pad(Dataset<Row> data, String column, int maxlen, Sequences.Side padding,
                                   Sequences.Side truncating, int value) {
        if (maxlen < 1) {
            throw new IllegalArgumentException("pad: maxlen must be >= 1, got " + maxlen);
        }
        if (!java.util.Arrays.asList(data.columns()).contains(column)) {
            throw new DataException("token column '" + column + "' is missing; the data has columns "
                    + String.join(", ", data.columns()));
        }
        DataType type = data.schema().apply(column).dataType();
        if (!(type instanceof ArrayType array && (array.elementType() instanceof IntegerType
                || array.elementType() instanceof LongType || array.elementType() instanceof ShortType))) {
            throw new DataException("token column '" + column + "' has type " + type.simpleString()
                    + ", expected an array of token ids (array<int>)");
        }
        Column ids = col(column).cast(DataTypes.createArrayType(DataTypes.IntegerType));
        Column length = size(ids);
        // slice is 1-based: 'pre' truncation keeps the last maxlen ids, 'post' the first
        Column kept = truncating == Sequences.Side.PRE
                ? slice(ids, greatest(length.minus(maxlen - 1), lit(1)), lit(maxlen))
                : slice(ids, lit(1), lit(maxlen));
        Column fill = array_repeat(lit(value), greatest(lit(maxlen).minus(length), lit(0)));
        Column padded = padding == Sequences.Side.PRE ? concat(fill, kept) : concat(kept, fill);
        return data.withColumn(column, org.apache.spark.sql.functions.when(col(column).isNull(), lit(null)
                .cast(DataTypes.createArrayType(DataTypes.IntegerType))).otherwise(padded));
    }
}
