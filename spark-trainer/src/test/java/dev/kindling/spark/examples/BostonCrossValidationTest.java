// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Boston k-fold example on a generated table of Boston's shape (the real one is fetched, not shipped): 4 folds of
 * the first 80% of rows, each fold's mae from the model trained without it, their mean CrossValidator's own, and a
 * fit that beats predicting the mean. A bad CSV is named with its line and column.
 */
class BostonCrossValidationTest {
    @TempDir
    Path dir;

    /** medv = 4 rm - 3 lstat (standardized) + noise, the other 11 features noise, in Boston's column order. */
    private static List<double[]> table(int rows, long seed) {
        Random rng = new Random(seed);
        List<double[]> table = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            double[] row = new double[14];
            for (int c = 0; c < 13; c++) {
                row[c] = 10 * c + rng.nextGaussian() * (c + 1);   // unscaled, as Boston's columns
            }
            row[13] = 4 * (row[5] - 50) / 6 - 3 * (row[12] - 120) / 13 + 0.3 * rng.nextGaussian();
            table.add(row);
        }
        return table;
    }

    @Test
    void foldsAreValidatedAndAveragedAsCrossValidatorDoes() {
        SparkSession spark = TestSpark.local();
        List<double[]> table = table(80, 3);
        Dataset<Row> rows = BostonCrossValidation.withFolds(spark, table, 1);
        assertEquals(List.of(16L, 16L, 16L, 16L, 16L), List.of(rows.filter("fold = 0").count(),
                rows.filter("fold = 1").count(), rows.filter("fold = 2").count(), rows.filter("fold = 3").count(),
                rows.filter("fold = -1").count()), "4 folds of the first 64 rows, 16 held out");

        BostonCrossValidation.Result result = BostonCrossValidation.crossValidate(rows.filter("fold >= 0"), 20, 16, 0.01, 1);
        assertEquals(4, result.foldMae().length);
        double mean = 0;
        for (double m : result.foldMae()) {
            mean += m / 4;
        }
        assertEquals(result.meanMae(), mean, 1e-9, "CrossValidator's average is the mean of the folds' mae");
        double spread = 0;   // mae of predicting the mean target: what a model that learned nothing scores
        double avg = table.stream().mapToDouble(r -> r[13]).average().orElseThrow();
        for (double[] r : table) {
            spread += Math.abs(r[13] - avg) / table.size();
        }
        assertTrue(result.meanMae() < 0.5 * spread, result + " vs " + spread + " for the mean");
        System.out.println(result);
    }

    @Test
    void badCsvIsNamedWithLineAndColumn() throws Exception {
        Path csv = dir.resolve("boston.csv");
        Files.writeString(csv, "crim,zn,indus,chas,nox,rm,age,dis,rad,tax,ptratio,black,lstat,medv\n"
                + "0.006,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24\n"
                + "0.027,0,7.07,0,0.469,six,78.9,4.97,2,242,17.8,396.9,9.14,21.6\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BostonCrossValidation.read(csv));
        assertEquals(csv + ", line 3, column rm: expected a number, got 'six'", e.getMessage());
        Files.writeString(csv, "crim,zn\n1,2\n");
        e = assertThrows(IllegalArgumentException.class, () -> BostonCrossValidation.read(csv));
        assertTrue(e.getMessage().startsWith(csv + ", line 1: no column 'indus'"), e.getMessage());
    }
}
