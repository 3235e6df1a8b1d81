// SPDX-License-Identifier: Apache-2.0
/**
 * What a job leaves behind: the saved model, history.json, metrics.json and history.png of {@code train},
 * evaluation.json of {@code evaluate}, the predictions of {@code predict}. Every output is built in a staging
 * directory next to its destination and moved into place only when complete.
 */
package dev.kindling.app.output;
