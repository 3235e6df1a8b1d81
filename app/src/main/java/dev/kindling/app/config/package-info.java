// SPDX-License-Identifier: Apache-2.0
/**
 * The job configuration: HOCON files (Typesafe Config) over the shipped {@code reference.conf} and the core's own
 * defaults ({@code FitOptions}'), with {@code --set KEY=VALUE} overrides, read once into typed records
 * ({@link dev.kindling.app.config.JobConfig}), which are the file's sections and declare their own ranges. The
 * merged tree is rendered as JSON and bound in one pass by the core's {@code Binder}, which also binds the layers,
 * optimizer, callbacks, loss and metrics inside it by the names the core's registry knows (as a model file's and a
 * Spark ML stage's), so a kind registered there needs no edit here; this package adds the HOCON origins
 * ({@code Problems}) and what spans sections ({@link dev.kindling.app.config.JobConfigLoader}). Every problem is
 * reported at once, naming the key and the file and line it came from, before Spark starts.
 *
 * <p>Only the configuration is checked here: nothing but the job file is read. What it names is checked by the
 * packages that own it, before Spark starts too: local input files, IDX headers and the input shape the data implies
 * by {@code app.data.LocalInputs}; a local base model by {@code TrainCommand}; a model file by {@code EvaluateCommand}
 * and {@code PredictCommand}; output and checkpoint locations by {@code app.output.Locations}.
 */
package dev.kindling.app.config;
