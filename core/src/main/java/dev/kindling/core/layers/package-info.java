/**
 * Layer descriptions ({@link dev.kindling.core.layers.Dense}, {@link dev.kindling.core.layers.Dropout}, {@link
 * dev.kindling.core.layers.Flatten}) and activations. A layer is configuration only: its weights are views into the model's flat parameter vector,
 * passed to {@code forward} as variables, so the same description serves one JVM and Spark executors.
 */
package dev.kindling.core.layers;
