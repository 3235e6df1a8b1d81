// SPDX-License-Identifier: Apache-2.0
/**
 * The one registry of Kindling's pluggable kinds by name: layer types and optimizers (classes, written and read by
 * Jackson with their name as the type id), losses and metrics (by keyword). Saved models and job files resolve names
 * through it, so a kind of your own, once registered, is as usable as a built-in one; adding a built-in is one file
 * plus one registration here.
 */
package dev.kindling.core.registry;
