// SPDX-License-Identifier: Apache-2.0
/**
 * The engine's own identity: {@link dev.kindling.core.BuildInfo}, the version and commit this build came from. The
 * engine itself lives in the subpackages: tensors, BLAS, autodiff, layers, losses, optimizers and the Keras-like
 * model API ({@link dev.kindling.core.model.Sequential}).
 */
package dev.kindling.core;
