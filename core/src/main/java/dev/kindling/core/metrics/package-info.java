// SPDX-License-Identifier: Apache-2.0
/**
 * Metrics reported during training and evaluation, each kept as a few sums over samples that data-parallel workers
 * add up: the accuracies (Keras's {@code accuracy} and its categorical, sparse categorical, binary and top-k
 * variants), mean absolute and squared error, precision and recall, and AUC from per-threshold counts.
 */
package dev.kindling.core.metrics;
