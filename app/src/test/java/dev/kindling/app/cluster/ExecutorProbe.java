package dev.kindling.app.cluster;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A tiny Spark job for checking cluster machinery without the app: sums 1..N over P partitions and prints, per
 * partition, its sum and the pid of the JVM that computed it, then the driver's pid and the total.
 * Usage (spark-submit main class): {@code ExecutorProbe [N [P]]}.
 */
public final class ExecutorProbe {

    private ExecutorProbe() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        SparkSession spark = SparkSession.builder().appName("kindling-executor-probe").getOrCreate();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            List<Integer> numbers = IntStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
            List<long[]> parts = sc.parallelize(numbers, partitions).mapPartitions(it -> {
                long sum = 0;
                while (it.hasNext()) {
                    sum += it.next();
                }
                return Collections.singletonList(new long[] {sum, ProcessHandle.current().pid()}).iterator();
            }).collect();
            long total = 0;
            List<String> lines = new ArrayList<>();
            for (long[] part : parts) {
                total += part[0];
                lines.add("partition sum " + part[0] + " in executor pid " + part[1]);
            }
            lines.forEach(System.out::println);
            System.out.println("driver pid " + ProcessHandle.current().pid());
            System.out.println("total " + total);
        } finally {
            spark.stop();
        }
    }
}
