// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.examples

import dev.kindling.core.layers.{Activation, Dense}
import dev.kindling.core.losses.Loss
import dev.kindling.core.metrics.Metric
import dev.kindling.core.model.{FitOptions, Sequential}
import dev.kindling.core.optim.Optimizer
import dev.kindling.spark.{Columns, SparkTrainer}
import java.nio.file.{Files, Paths}
import org.apache.spark.ml.feature.IndexToString
import org.apache.spark.sql.{SaveMode, SparkSession}

object ScalaTableJob {

  def main(args: Array[String]): Unit = {
    val spark = SparkSession.builder().appName("my table job").getOrCreate()
    run(spark, args(0), args(1), args(2).toInt, 5)   // table, output folder, classes
    spark.stop()
  }

  def run(spark: SparkSession, table: String, out: String, classes: Int, epochs: Int): Unit = {
    val rows = spark.read.parquet(table)
    val model = new Sequential(new Dense(64, Activation.RELU), new Dense(classes, Activation.SOFTMAX)).seed(1)
    model.compile(Optimizer.adam(0.01), Loss.SPARSE_CATEGORICAL_CROSSENTROPY, Metric.ACCURACY)
    val trainer = SparkTrainer.create()
    // label holds class names: indexed alphabetically, the names kept with the model
    trainer.fit(model, rows.where("split = 'train'"), Columns.of("pixels", "label"),
      FitOptions.builder().epochs(epochs).batchSize(32).seed(1).build())
    Files.createDirectories(Paths.get(out))
    model.save(Paths.get(out, "model.kindling"))
    // the prediction column carries the class names: IndexToString needs no labels
    val predicted = trainer.predict(model, rows.where("split = 'test'"), "pixels")
    new IndexToString().setInputCol("prediction").setOutputCol("predictedLabel").transform(predicted)
      .select("id", "label", "predictedLabel")
      .write.mode(SaveMode.Overwrite).parquet(out + "/predictions")
  }
}
