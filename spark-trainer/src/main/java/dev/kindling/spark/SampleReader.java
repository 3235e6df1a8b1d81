// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import dev.kindling.core.tensor.SparseRows;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Reads one input element (a DataFrame row, or a {@link Sample}) into a features row and a label. Runs on the
 * executors; every problem is a {@link DataException} naming the column, the row and expected against got.
 */
interface SampleReader<T> extends Serializable {

    /** Copies the features of {@code element} into {@code out} at {@code offset}, exactly {@code width} values. */
    void features(T element, long row, float[] out, int offset, int width);

    /**
     * Adds the non-zeros of {@code element}'s features, a row of {@code width} values, to {@code out} as its next
     * row (the row is not ended here): a sparse vector's entries as they are, never a dense copy of it.
     */
    void sparseFeatures(T element, long row, SparseRows.Builder out, int width);

    /** The label of {@code element}: one number (a class index) or several. */
    double[] label(T element, long row);

    /** The loss weight of {@code element} (1 when the data has none). */
    default double weight(T element, long row) {
        return 1.0;
    }

    /** Whether elements carry their own loss weights. */
    default boolean weighted() {
        return false;
    }

    /** Name of the label column, for messages. */
    String labelColumn();

    /** Adds the non-zeros of a dense row to the builder's current row. */
    static void addNonZeros(float[] row, SparseRows.Builder out) {
        for (int c = 0; c < row.length; c++) {
            if (row[c] != 0f) {
                out.add(c, row[c]);
            }
        }
    }

    /** Reads DataFrame rows whose features are at {@code featuresIndex} and label at {@code labelIndex}. */
    static SampleReader<Row> rows(Columns columns, int featuresIndex, boolean featuresAreVector, int labelIndex,
                                  boolean labelIsArray) {
        return new RowReader(columns, featuresIndex, featuresAreVector, labelIndex, labelIsArray, -1);
    }

    /** Reads {@link Sample}s. */
    static SampleReader<Sample> samples() {
        return new SampleRecordReader();
    }

    /** @param weightIndex the weight column's index, or -1 for none */
    record RowReader(Columns columns, int featuresIndex, boolean featuresAreVector, int labelIndex,
                     boolean labelIsArray, int weightIndex) implements SampleReader<Row> {

        @Override
        public boolean weighted() {
            return weightIndex >= 0;
        }

        @Override
        public double weight(Row row, long id) {
            if (weightIndex < 0) {
                return 1.0;
            }
            if (row.isNullAt(weightIndex)) {
                throw new DataException("weight column '" + columns.weight() + "', row " + id
                        + ": null, expected a number >= 0");
            }
            double w = ((Number) row.get(weightIndex)).doubleValue();
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new DataException("weight column '" + columns.weight() + "', row " + id + ": " + w
                        + ", expected a finite number >= 0");
            }
            return w;
        }

        @Override
        public void features(Row row, long id, float[] out, int offset, int width) {
            if (row.isNullAt(featuresIndex)) {
                throw new DataException("features column '" + columns.features() + "', row " + id + ": null, expected "
                        + width + " numbers");
            }
            if (featuresAreVector) {
                Vector v = row.getAs(featuresIndex);
                checkWidth(v.size(), width, id);
                double[] values = v.toArray();
                for (int i = 0; i < width; i++) {
                    out[offset + i] = (float) values[i];
                }
            } else {
                List<Object> values = row.getList(featuresIndex);
                checkWidth(values.size(), width, id);
                for (int i = 0; i < width; i++) {
                    Object x = values.get(i);
                    if (x == null) {
                        throw new DataException("features column '" + columns.features() + "', row " + id
                                + ": element " + i + " is null, expected a number");
                    }
                    out[offset + i] = ((Number) x).floatValue();
                }
            }
        }

        @Override
        public void sparseFeatures(Row row, long id, SparseRows.Builder out, int width) {
            if (row.isNullAt(featuresIndex)) {
                throw new DataException("features column '" + columns.features() + "', row " + id + ": null, expected "
                        + width + " numbers");
            }
            if (featuresAreVector && row.get(featuresIndex) instanceof SparseVector v) {
                checkWidth(v.size(), width, id);
                int[] indices = v.indices();
                double[] values = v.values();
                for (int k = 0; k < indices.length; k++) {
                    if (k > 0 && indices[k] <= indices[k - 1]) {
                        throw new DataException("features column '" + columns.features() + "', row " + id
                                + ": sparse vector index " + indices[k] + " after " + indices[k - 1]
                                + ", expected strictly ascending indices");
                    }
                    out.add(indices[k], values[k]);
                }
                return;
            }
            float[] dense = new float[width];
            features(row, id, dense, 0, width);
            addNonZeros(dense, out);
        }

        private void checkWidth(int got, int width, long id) {
            if (got != width) {
                throw new DataException("features column '" + columns.features() + "', row " + id + ": expected "
                        + width + " values, got " + got);
            }
        }

        @Override
        public double[] label(Row row, long id) {
            if (row.isNullAt(labelIndex)) {
                throw new DataException("label column '" + columns.label() + "', row " + id + ": null, expected "
                        + (labelIsArray ? "an array of numbers" : "a class index"));
            }
            if (!labelIsArray) {
                return new double[] {((Number) row.get(labelIndex)).doubleValue()};
            }
            List<Object> values = row.getList(labelIndex);
            double[] label = new double[values.size()];
            for (int i = 0; i < label.length; i++) {
                Object x = values.get(i);
                if (x == null) {
                    throw new DataException("label column '" + columns.label() + "', row " + id + ": element " + i
                            + " is null, expected a number");
                }
                label[i] = ((Number) x).doubleValue();
            }
            return label;
        }

        @Override
        public String labelColumn() {
            return columns.label();
        }
    }

    record SampleRecordReader() implements SampleReader<Sample> {
        @Override
        public void features(Sample s, long id, float[] out, int offset, int width) {
            if (s.features().length != width) {
                throw new DataException("sample features, row " + id + ": expected " + width + " values, got "
                        + s.features().length);
            }
            System.arraycopy(s.features(), 0, out, offset, width);
        }

        @Override
        public void sparseFeatures(Sample s, long id, SparseRows.Builder out, int width) {
            if (s.features().length != width) {
                throw new DataException("sample features, row " + id + ": expected " + width + " values, got "
                        + s.features().length);
            }
            addNonZeros(s.features(), out);
        }

        @Override
        public double[] label(Sample s, long id) {
            double[] label = new double[s.target().length];
            for (int i = 0; i < label.length; i++) {
                label[i] = s.target()[i];
            }
            return label;
        }

        @Override
        public String labelColumn() {
            return "target";
        }
    }
}
