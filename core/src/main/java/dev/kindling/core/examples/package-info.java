// SPDX-License-Identifier: Apache-2.0
/**
 * Runnable examples of the core API in one JVM: the seed network of chapter 2 ({@link
 * dev.kindling.core.examples.SeedNetwork}) and the convnet of chapter 5 ({@link dev.kindling.core.examples.Convnet})
 * on MNIST.
 */
package dev.kindling.core.examples;
