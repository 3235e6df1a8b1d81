// SPDX-License-Identifier: Apache-2.0
/** Metrics (accuracy variants) computed as batch sums, so that data-parallel workers can add them up. */
package dev.kindling.core.metrics;
