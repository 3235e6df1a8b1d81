/** Runnable examples of the core API in one JVM, such as the seed network of chapter 2 on MNIST. */
package dev.kindling.core.examples;
