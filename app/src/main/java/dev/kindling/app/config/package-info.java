// SPDX-License-Identifier: Apache-2.0
/**
 * The job configuration: HOCON files (Typesafe Config) over the shipped {@code reference.conf} and the core's own
 * defaults ({@code FitOptions}'), with {@code --set KEY=VALUE} overrides, read once into typed records
 * ({@link dev.kindling.app.config.JobConfig}). Values are bound by Jackson from their JSON rendering; layers,
 * optimizers, callbacks, losses, metrics and activations by the names the core's registry knows, so a kind registered
 * there needs no edit here. Everything is checked before Spark starts, and every problem is reported at once, naming
 * the key and the file and line it came from.
 */
package dev.kindling.app.config;
