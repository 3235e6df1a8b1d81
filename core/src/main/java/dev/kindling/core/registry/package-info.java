// SPDX-License-Identifier: Apache-2.0
/**
 * The one registry of Kindling's pluggable kinds by name: layer types, optimizers and callbacks (classes, written and
 * read by Jackson with their name as the type id), losses, metrics and activations (instances by keyword). Saved
 * models, job files and the Spark ML stages resolve names through it, so a kind of your own, once registered, is as
 * usable as a built-in one. It sits above the kinds, which know nothing of it and each declare their own name;
 * adding a built-in is one file plus one registration here. {@link dev.kindling.core.registry.Binder} binds what a
 * user wrote (a job file's sections, a Spark ML stage's layers text, a model file's layers) to records and registered
 * kinds, with one wording for each mistake, at its key.
 */
package dev.kindling.core.registry;
