package dev.kindling.spark;

import dev.kindling.core.model.Inputs;
import dev.kindling.core.model.Network;
import dev.kindling.core.tensor.Shape;
import dev.kindling.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Distributed inference: each partition runs the network on blocks of its rows and appends the outputs. */
final class Predictions {
    /** Rows per forward pass: one GEMM per block instead of one per row, with bounded memory. */
    static final int BLOCK_ROWS = 1024;

    private Predictions() {
    }

    static Dataset<Row> of(Dataset<Row> data, Network network, Tensor weights, int featuresIndex, boolean vector,
                           String featuresColumn) {
        JavaSparkContext spark = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        Broadcast<Tensor> broadcast = spark.broadcast(weights);
        int width = network.inputDim();
        SampleReader.RowReader reader = new SampleReader.RowReader(new Columns(featuresColumn, null), featuresIndex,
                vector, -1, false, -1);
        JavaRDD<Row> out = data.javaRDD().mapPartitionsWithIndex(
                (partition, rows) -> predictPartition(partition, rows, network, broadcast, reader, width), true);
        StructType schema = data.schema()
                .add("probability", SQLDataTypes.VectorType(), false)
                .add("prediction", DataTypes.DoubleType, false);
        return data.sparkSession().createDataFrame(out, schema);
    }

    /**
     * Rows are numbered within their partition here (numbering them globally would cost a pass over the data),
     * so problems are reported as "row N of partition P".
     */
    private static Iterator<Row> predictPartition(int partition, Iterator<Row> rows, Network network,
                                                  Broadcast<Tensor> weights, SampleReader.RowReader reader, int width) {
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
                float[] x = new float[block.size() * width];
                Tensor input = Tensor.wrap(x, 0, Shape.of(block.size(), width));
                try {
                    for (int r = 0; r < block.size(); r++) {
                        reader.features(block.get(r), position + r, x, r * width, width);
                    }
                    Inputs.requireFinite(input, "features column '" + reader.columns().features() + "'", position);
                } catch (IllegalArgumentException e) {
                    throw new DataException(e.getMessage().replaceFirst("row (\\d+)", "row $1 of partition " + partition));
                }
                position += block.size();
                input = input.astype(network.dtype());
                Tensor outputs = network.predict(input, weights.value());
                int k = outputs.dim(1);
                for (int r = 0; r < block.size(); r++) {
                    double[] p = new double[k];
                    int best = 0;
                    for (int c = 0; c < k; c++) {
                        p[c] = outputs.getFlat(r * k + c);
                        best = p[c] > p[best] ? c : best;
                    }
                    Row in = block.get(r);
                    Object[] values = new Object[in.length() + 2];
                    for (int i = 0; i < in.length(); i++) {
                        values[i] = in.get(i);
                    }
                    Vector probability = Vectors.dense(p);
                    values[in.length()] = probability;
                    values[in.length() + 1] = (double) best;
                    pending.add(RowFactory.create(values));
                }
                return true;
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
}
