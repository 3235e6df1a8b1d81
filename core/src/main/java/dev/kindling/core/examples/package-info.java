// SPDX-License-Identifier: Apache-2.0
/**
 * Runnable examples of the core API in one JVM: the seed network of chapter 2 ({@link
 * dev.kindling.core.examples.SeedNetwork}) and the convnet of chapter 5 ({@link dev.kindling.core.examples.Convnet})
 * on MNIST, and chapter 3's text workflows ({@link dev.kindling.core.examples.Chapter3Text}) on Debian's package
 * descriptions prepared as multi-hot sparse rows by {@link dev.kindling.core.examples.PackageTexts}.
 */
package dev.kindling.core.examples;
