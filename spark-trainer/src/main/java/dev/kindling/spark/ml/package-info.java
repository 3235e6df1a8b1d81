// SPDX-License-Identifier: Apache-2.0
/**
 * Kindling as a Spark ML citizen: {@link dev.kindling.spark.ml.KindlingClassifier} and
 * {@link dev.kindling.spark.ml.KindlingRegressor} are {@code Predictor}s that fit a core {@code Sequential} with
 * {@link dev.kindling.spark.SparkTrainer} and give models that predict with it, so they sit in a {@code Pipeline},
 * save and load with {@code PipelineModel}, and tune with {@code CrossValidator} like MLlib's own predictors.
 * Params carry Keras's names ({@code epochs}, {@code batchSize}, {@code learningRate}...); persistence is
 * {@code DefaultParamsWriter}'s metadata plus the core's model file, written through Hadoop's file system. What the
 * classifier and regressor pairs share is written once: the setters in {@link dev.kindling.spark.ml.KindlingEstimator},
 * the fitted model's network, history and exports in {@link dev.kindling.spark.ml.KindlingModel}, saving and loading
 * in {@code ModelData}; each stage still extends its own Spark ML type.
 */
package dev.kindling.spark.ml;
