// SPDX-License-Identifier: Apache-2.0
/**
 * The job configuration: HOCON files (Typesafe Config) over the shipped {@code reference.conf} and the core's own
 * defaults ({@code FitOptions}'), with {@code --set KEY=VALUE} overrides, read once into typed records
 * ({@link dev.kindling.app.config.JobConfig}). Unknown keys are refused against {@code reference.conf} with a
 * did-you-mean; each section is bound by Jackson from its JSON rendering to a small record that checks its own ranges
 * ({@code Sections}), a value that does not bind reported at its key with the HOCON origin ({@code Problems});
 * layers, optimizers, callbacks, losses, metrics and activations are bound by the names the core's registry knows
 * ({@code Binding}), so a kind registered there needs no edit here. Every problem is reported at once, naming the
 * key and the file and line it came from, before Spark starts.
 *
 * <p>Only the configuration is checked here: nothing but the job file is read. What it names is checked by the
 * packages that own it, before Spark starts too: local input files, IDX headers and the input shape the data implies
 * by {@code app.data.LocalInputs}; a local base model by {@code TrainCommand}; a model file by {@code EvaluateCommand}
 * and {@code PredictCommand}; output and checkpoint locations by {@code app.output.Locations}.
 */
package dev.kindling.app.config;
