// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.data;

import dev.kindling.spark.JobDescription;
import dev.kindling.app.config.BadConfigurationException;
import dev.kindling.core.model.Sequential;
import dev.kindling.core.tensor.DType;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import dev.kindling.core.layers.SparseInput;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Whether an input, packed, can fit in the memory Spark has for it, checked before packing: the trainer packs every
 * row into cached blocks that stay for the whole fit, densely (width x 4 bytes for float32, plus the targets and a
 * weight), or for a column of sparse vectors into a first Dense layer as compressed sparse rows (4 bytes per row
 * plus 4 + 4 bytes per non-zero, counted in one pass over the input), so an input that cannot fit is refused up front with the estimate, the memory there is, and the settings to
 * change, rather than failing with an {@code OutOfMemoryError} in an executor.
 *
 * <p>The memory is what the block managers report (Spark's unified memory: (heap - 300 MB) x
 * {@code spark.memory.fraction}), measured. In local mode every partition lives in the driver's JVM; on a cluster
 * an executor holds its share of the partitions. Executors not registered yet are taken from
 * {@code spark.executor.memory} and {@code spark.memory.fraction}.
 */
public final class MemoryCheck {
    /** Spark's reserved system memory, taken off the heap before the unified pool (UnifiedMemoryManager). */
    static final long RESERVED = 300L << 20;

    private MemoryCheck() {
    }

    /** What packing an input would take, and what there is. */
    /** @param nonZeros the features' non-zeros when they are packed sparse, else -1 (packed dense) */
    public record Estimate(long rows, int width, int targets, boolean weighted, int valueBytes, int partitions,
                           long bytesPerPartition,
                           int partitionsPerJvm, long needed, long available, boolean local, int executors,
                           long nonZeros) {

        public boolean sparse() {
            return nonZeros >= 0;
        }

        public boolean fits() {
            return needed <= available;
        }

        String describe(String input) {
            String layout = sparse()
                    ? String.format(Locale.ROOT, "%,d non-zeros x (4 + %d) bytes + rows x (4 + (%,d targets%s) x %d"
                    + " bytes), as sparse rows", nonZeros, valueBytes, targets, weighted ? " + 1 weight" : "", valueBytes)
                    : String.format(Locale.ROOT, "rows x (%,d features + %,d targets%s) x %d bytes", width, targets,
                    weighted ? " + 1 weight" : "", valueBytes);
            return String.format(Locale.ROOT, "%s: %,d rows of %,d features packed into %d partition%s need about %s"
                    + " per partition (%s), %s in %s; Spark has"
                    + " %s there (%s): give Spark more memory (%s), %sor use fewer features (a sparse input: hash it"
                    + " into fewer)",
                    input, rows, width, partitions, partitions == 1 ? "" : "s", size(bytesPerPartition), layout,
                    size(needed), local ? "the driver's JVM (local mode: every partition lives there)"
                            : "each executor (" + partitionsPerJvm + " partition" + (partitionsPerJvm == 1 ? "" : "s")
                            + " per executor)",
                    size(available), local ? "the driver's heap less 300 MB, x spark.memory.fraction"
                            : executors > 0 ? "an executor's heap less 300 MB, x spark.memory.fraction, as its block"
                            + " manager reports" : "spark.executor.memory less 300 MB, x spark.memory.fraction",
                    local ? "spark.driver.memory, or --driver-memory" : "spark.executor.memory",
                    local ? "run on a cluster where the partitions spread over executors, "
                            : "spread the rows over more executors (more executors, fit.partitions), ");
        }
    }

    /**
     * Refuses an input that cannot fit: a {@link BadConfigurationException} (exit 2) naming the input, the
     * estimate, the memory and the settings.
     *
     * @param partitions the packed partitions the trainer will make (fit.partitions, or Spark's default parallelism)
     */
    public static void require(Inputs.Input input, Sequential model, int outputs, DType dtype, SparkContext sc,
                               int partitions) throws BadConfigurationException {
        Estimate e = estimate(input, model, outputs, dtype, sc, partitions);
        if (e != null && !e.fits()) {
            throw new BadConfigurationException(List.of(e.describe(input.description())));
        }
    }

    /** The estimate for an input, or null when its width cannot be known without reading it (no rows). */
    public static Estimate estimate(Inputs.Input input, Sequential model, int outputs, DType dtype, SparkContext sc,
                                    int partitions) {
        Object first = first(input);
        int width = model.isBuilt() ? model.network().inputDim() : width(first);
        if (width <= 0) {
            return null;
        }
        boolean sparse = first instanceof SparseVector && model.layers().get(0) instanceof SparseInput;
        long rows;
        long nonZeros = -1;
        if (sparse) {
            try (JobDescription ignored = JobDescription.of(sc, "reading: counting the rows and non-zeros of "
                    + input.description())) {
                long[] counts = input.frame().select(input.columns().features()).javaRDD().map(r -> new long[] {1,
                        r.isNullAt(0) ? 0 : ((Vector) r.get(0)).numActives()})
                        .fold(new long[2], (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
                rows = counts[0];
                nonZeros = counts[1];
            }
        } else {
            try (JobDescription ignored = JobDescription.of(sc, "reading: counting the rows of "
                    + input.description())) {
                rows = input.frame().count();
            }
        }
        int targets = model.isBuilt() ? model.network().outputDim() : Math.max(1, outputs);
        int valueBytes = (model.isBuilt() ? model.network().dtype() : dtype).bytes();
        int wanted = partitions > 0 ? partitions : Math.max(1, sc.defaultParallelism());
        long rowsPerPartition = (rows + wanted - 1) / wanted;
        boolean weighted = input.columns().weight() != null;
        // Sparse rows: the non-zeros of an average partition (rows are spread evenly by number), 4 bytes of column
        // and a value each, plus a row start per row.
        long bytesPerPartition = sparse
                ? (nonZeros + wanted - 1) / wanted * (4L + valueBytes)
                + rowsPerPartition * (4L + (long) (targets + (weighted ? 1 : 0)) * valueBytes)
                : rowsPerPartition * ((long) width + targets + (weighted ? 1 : 0)) * valueBytes;
        boolean local = sc.isLocal();
        long available;
        int executors = 0;
        int perJvm;
        if (local) {
            available = storageMemory(sc, true);
            perJvm = wanted;
        } else {
            available = storageMemory(sc, false);
            executors = Math.max(0, sc.getExecutorMemoryStatus().size() - 1);
            if (available <= 0) {
                SparkConf conf = sc.getConf();
                available = (long) ((conf.getSizeAsBytes("spark.executor.memory", "1g") - RESERVED)
                        * conf.getDouble("spark.memory.fraction", 0.6));
                executors = 0;
                perJvm = Math.max(1, Math.min(wanted, conf.getInt("spark.executor.cores", 1)));
            } else {
                perJvm = (wanted + executors - 1) / executors;
            }
        }
        return new Estimate(rows, width, targets, weighted, valueBytes, wanted, bytesPerPartition, perJvm,
                bytesPerPartition * perJvm, available, local, executors, nonZeros);
    }

    /**
     * The block managers' memory: the driver's in local mode, else the smallest executor's (0 when none has
     * registered yet).
     */
    static long storageMemory(SparkContext sc, boolean driver) {
        long smallest = 0;
        String driverHost = sc.env().blockManager().blockManagerId().hostPort();
        var status = scala.jdk.javaapi.CollectionConverters.asJava(sc.getExecutorMemoryStatus());
        for (var entry : status.entrySet()) {
            boolean isDriver = entry.getKey().equals(driverHost);
            if (isDriver == driver) {
                long max = (Long) entry.getValue()._1();
                smallest = smallest == 0 ? max : Math.min(smallest, max);
            }
        }
        return smallest;
    }

    /** The first row's features (a vector or an array), or null for no rows. */
    private static Object first(Inputs.Input input) {
        List<Row> first;
        try (JobDescription ignored = JobDescription.of(input.frame().sparkSession().sparkContext(), "reading: the"
                + " features' width of " + input.description())) {
            first = input.frame().select(input.columns().features()).takeAsList(1);
        }
        return first.isEmpty() || first.get(0).isNullAt(0) ? null : first.get(0).get(0);
    }

    /** The features' width from the first row's features, or 0 for no rows. */
    private static int width(Object v) {
        if (v instanceof Vector vector) {
            return vector.size();
        }
        if (v instanceof scala.collection.Seq<?> seq) {
            return seq.size();
        }
        if (v instanceof List<?> list) {
            return list.size();
        }
        return 0;
    }

    /** Bytes as people read them: 1.5 GB, 310 MB. */
    static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%d MB", Math.max(1, Math.round(bytes / (double) (1L << 20))));
    }
}
