package dev.kindling.app.output;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Writes a DataFrame to any Hadoop file system as {@link AtomicDirectory} does locally: Spark writes a temporary
 * folder {@code .<name>.tmp-<id>} next to the target, which is renamed into place (a previous target is moved
 * aside first and deleted last, or moved back if the rename fails). A failed write leaves the target as it was.
 */
public final class SparkOutput {
    private SparkOutput() {
    }

    /** Writes {@code rows} as {@code format} (parquet or csv, with a header) at {@code path}; returns its URI. */
    public static String write(Dataset<Row> rows, String path, String format) throws IOException {
        Configuration hadoop = rows.sparkSession().sparkContext().hadoopConfiguration();
        Path given = new Path(path);
        FileSystem fs = given.getFileSystem(hadoop);
        Path target = fs.makeQualified(given);
        Path parent = target.getParent();
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path staging = new Path(parent, "." + target.getName() + ".tmp-" + id);
        Path backup = new Path(parent, "." + target.getName() + ".old-" + id);
        fs.mkdirs(parent);
        try {
            rows.write().mode(SaveMode.ErrorIfExists).format(format).option("header", "true")
                    .save(staging.toString());
            boolean hadOld = fs.exists(target);
            if (hadOld && !fs.rename(target, backup)) {
                throw new IOException("could not move the previous " + target + " aside to " + backup);
            }
            if (!fs.rename(staging, target)) {
                if (hadOld) {
                    fs.rename(backup, target);
                }
                throw new IOException("could not rename " + staging + " to " + target);
            }
            if (hadOld) {
                fs.delete(backup, true);
            }
            return target.toString();
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
    }
}
