// SPDX-License-Identifier: Apache-2.0
/**
 * Keras 3's own model file, {@code .keras}: {@link dev.kindling.core.keras.KerasFile} writes a built model as
 * Keras writes one (config JSON in Keras's layout, weights in HDF5 through the pure-Java jhdf) and reads files
 * written by Keras or by Kindling. What was and was not checked against real Keras: {@code docs/design.md}.
 */
package dev.kindling.core.keras;
