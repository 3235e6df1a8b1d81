// SPDX-License-Identifier: Apache-2.0
/**
 * The job configuration: HOCON files (Typesafe Config) over the shipped {@code reference.conf}, with
 * {@code --set KEY=VALUE} overrides, read once into typed records ({@link dev.kindling.app.config.JobConfig}).
 * Everything is checked before Spark starts, and every problem is reported at once, naming the key and the file
 * and line it came from.
 */
package dev.kindling.app.config;
