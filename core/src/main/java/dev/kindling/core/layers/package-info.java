// SPDX-License-Identifier: Apache-2.0
/**
 * Layer descriptions and activations: {@link dev.kindling.core.layers.Dense}, {@link
 * dev.kindling.core.layers.Dropout}, and for images {@code (height, width, channels)} {@link
 * dev.kindling.core.layers.Conv2D}, {@link dev.kindling.core.layers.MaxPooling2D} and {@link
 * dev.kindling.core.layers.AveragePooling2D} (one {@link dev.kindling.core.layers.Pooling2D} family), {@link dev.kindling.core.layers.GlobalAveragePooling2D} and {@link
 * dev.kindling.core.layers.Flatten}; for sequences (chapter 6) {@link dev.kindling.core.layers.Embedding} (token ids
 * {@code (timesteps)} to vectors), the recurrent layers {@link dev.kindling.core.layers.SimpleRNN}, {@link
 * dev.kindling.core.layers.LSTM} and {@link dev.kindling.core.layers.GRU} (what they share is {@link
 * dev.kindling.core.layers.RecurrentLayer}), {@link dev.kindling.core.layers.Bidirectional}, {@link
 * dev.kindling.core.layers.Conv1D}, {@link dev.kindling.core.layers.MaxPooling1D}, {@link
 * dev.kindling.core.layers.GlobalMaxPooling1D} and {@link dev.kindling.core.layers.GlobalAveragePooling1D} (with
 * {@code GlobalAveragePooling2D}, one {@link dev.kindling.core.layers.GlobalPooling} family). A layer
 * is configuration only: its weights are views into the model's flat
 * parameter vector, passed to {@code forward} as variables, so the same description serves one JVM and Spark
 * executors. Each layer is one file: its shapes, its initializer and its forward, built on {@code Ops}. A layer that
 * can be a model's first layer on sparse rows ({@code SparseRows}) implements {@link
 * dev.kindling.core.layers.SparseInput}, as {@code Dense} does.
 */
package dev.kindling.core.layers;
