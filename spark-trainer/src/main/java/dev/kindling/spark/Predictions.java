// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.autodiff.NoGrad;
import dev.kindling.core.autodiff.Variable;
import dev.kindling.core.layers.ForwardContext;
import dev.kindling.core.layers.SparseInput;
import dev.kindling.core.model.Inputs;
import dev.kindling.core.model.Network;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.SparseRows;
import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Distributed inference: each partition runs the network on blocks of its rows and appends what
 * {@link PredictionColumns} asks for, as the model's {@link OutputKind} defines it.
 */
final class Predictions {
    /** Rows per forward pass: one GEMM per block instead of one per row, with bounded memory. */
    static final int BLOCK_ROWS = 1024;

    private Predictions() {
    }

    /** Output columns appended to {@code schema}, in the order the rows carry them. */
    static StructType schema(StructType schema, PredictionColumns columns, OutputKind kind, int outputs) {
        StructType out = schema;
        if (kind != OutputKind.REGRESSION) {
            if (!columns.rawPrediction().isEmpty()) {
                out = out.add(columns.rawPrediction(), SQLDataTypes.VectorType(), false);
            }
            if (!columns.probability().isEmpty()) {
                out = out.add(columns.probability(), SQLDataTypes.VectorType(), false);
            }
        }
        if (!columns.prediction().isEmpty()) {
            out = out.add(columns.prediction(),
                    kind == OutputKind.REGRESSION && outputs > 1 ? SQLDataTypes.VectorType() : DataTypes.DoubleType,
                    false);
        }
        return out;
    }

    static Dataset<Row> of(Dataset<Row> data, Network network, Tensor weights, int featuresIndex, boolean vector,
                           PredictionColumns columns, OutputKind kind) {
        JavaSparkContext spark = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        // Sent once per executor; Spark's ContextCleaner destroys it once the returned DataFrame (and whatever was
        // derived from it) is no longer reachable, as for any broadcast held by an RDD's lineage.
        Broadcast<Shipped<Tensor>> broadcast = spark.broadcast(new Shipped<>(weights.copy()));
        int width = network.inputDim();
        SampleReader.RowReader reader = new SampleReader.RowReader(new Columns(columns.features(), null),
                featuresIndex, vector, -1, false, -1);
        JavaRDD<Row> out = data.javaRDD().mapPartitionsWithIndex((partition, rows) ->
                predictPartition(partition, rows, network, broadcast, reader, width, columns, kind), true);
        return data.sparkSession().createDataFrame(out, schema(data.schema(), columns, kind, network.outputDim()));
    }

    /**
     * Rows are numbered within their partition here (numbering them globally would cost a pass over the data),
     * so problems are reported as "row N of partition P".
     */
    private static Iterator<Row> predictPartition(int partition, Iterator<Row> rows, Network network,
                                                  Broadcast<Shipped<Tensor>> weights, SampleReader.RowReader reader,
                                                  int width,
                                                  PredictionColumns columns, OutputKind kind) {
        boolean raw = kind != OutputKind.REGRESSION && !columns.rawPrediction().isEmpty();
        boolean probability = kind != OutputKind.REGRESSION && !columns.probability().isEmpty();
        boolean prediction = !columns.prediction().isEmpty();
        int added = (raw ? 1 : 0) + (probability ? 1 : 0) + (prediction ? 1 : 0);
        return new Iterator<>() {
            private final List<Row> pending = new ArrayList<>();
            private int next;
            private long position;

            @Override
            public boolean hasNext() {
                if (next < pending.size()) {
                    return true;
                }
                pending.clear();
                next = 0;
                List<Row> block = new ArrayList<>(BLOCK_ROWS);
                while (rows.hasNext() && block.size() < BLOCK_ROWS) {
                    block.add(rows.next());
                }
                if (block.isEmpty()) {
                    return false;
                }
                Tensor logits;
                Tensor outputs;
                try (NoGrad ignored = NoGrad.enter()) {
                    Variable z = sparse(network, reader, block.get(0))
                            ? network.preActivation(sparseInput(block, reader, network, width, partition),
                                    weights.value().value(), null, ForwardContext.inference())
                            : network.preActivation(Variable.constant(denseInput(block, reader, network, width,
                                    partition)), weights.value().value(), null, ForwardContext.inference());
                    logits = z.value();
                    outputs = network.outputActivation().apply(z).value();
                }
                position += block.size();
                int k = outputs.dim(1);
                for (int r = 0; r < block.size(); r++) {
                    Row in = block.get(r);
                    Object[] values = new Object[in.length() + added];
                    for (int i = 0; i < in.length(); i++) {
                        values[i] = in.get(i);
                    }
                    int at = in.length();
                    if (kind == OutputKind.REGRESSION) {
                        if (prediction) {
                            values[at] = k == 1 ? (Object) outputs.getFlat(r) : Vectors.dense(row(outputs, r, k));
                        }
                    } else {
                        double[] p;
                        double[] z;
                        if (kind == OutputKind.BINARY) {
                            double p1 = outputs.getFlat(r);
                            double z1 = logits.getFlat(r);
                            p = new double[] {1 - p1, p1};
                            z = new double[] {-z1, z1};
                        } else {
                            p = row(outputs, r, k);
                            z = row(logits, r, k);
                        }
                        if (raw) {
                            values[at++] = Vectors.dense(z);
                        }
                        if (probability) {
                            values[at++] = Vectors.dense(p);
                        }
                        if (prediction) {
                            values[at] = columns.classOf(kind, p);
                        }
                    }
                    pending.add(RowFactory.create(values));
                }
                return true;
            }

            /** A block's features as dense rows, checked. */
            private Tensor denseInput(List<Row> block, SampleReader.RowReader reader, Network network, int width,
                                      int partition) {
                float[] x = new float[block.size() * width];
                Tensor input = Tensor.wrap(x, 0, Shape.of(block.size(), width));
                try {
                    for (int r = 0; r < block.size(); r++) {
                        reader.features(block.get(r), position + r, x, r * width, width);
                    }
                    Inputs.requireFinite(input, "features column '" + reader.columns().features() + "'", position);
                    network.layers().get(0).checkInputs(input, "features column '" + reader.columns().features()
                            + "'", position);
                } catch (IllegalArgumentException e) {
                    throw new DataException(e.getMessage().replaceFirst("row (\\d+)", "row $1 of partition " + partition));
                }
                return input.astype(network.dtype());
            }

            /** A block's features as sparse rows, checked: never a dense row of the input width. */
            private SparseRows sparseInput(List<Row> block, SampleReader.RowReader reader, Network network, int width,
                                           int partition) {
                SparseRows.Builder rows = new SparseRows.Builder(width);
                try {
                    for (int r = 0; r < block.size(); r++) {
                        reader.sparseFeatures(block.get(r), position + r, rows, width);
                        rows.endRow();
                    }
                    SparseRows input = rows.build();
                    input.requireFinite("features column '" + reader.columns().features() + "'", position);
                    return input.astype(network.dtype());
                } catch (IllegalArgumentException e) {
                    throw new DataException(e.getMessage().replaceFirst("row (\\d+)", "row $1 of partition " + partition));
                }
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return pending.get(next++);
            }
        };
    }

    /**
     * Whether a block whose first row is {@code first} is predicted from sparse rows: a column of sparse vectors
     * into a first layer that takes them, as {@link SparkTrainer} packs training data.
     */
    private static boolean sparse(Network network, SampleReader.RowReader reader, Row first) {
        return reader.featuresAreVector() && network.layers().get(0) instanceof SparseInput
                && !first.isNullAt(reader.featuresIndex()) && first.get(reader.featuresIndex()) instanceof SparseVector;
    }

    private static double[] row(Tensor t, int r, int k) {
        double[] v = new double[k];
        for (int c = 0; c < k; c++) {
            v[c] = t.getFlat(r * k + c);
        }
        return v;
    }
}
