// SPDX-License-Identifier: Apache-2.0
/**
 * Loss functions: {@link dev.kindling.core.losses.Loss} (an interface: a loss of your own is a per-sample formula
 * over autodiff ops) and the built-in ones, Keras's, which compute from the last layer's pre-activation output so
 * that softmax and sigmoid outputs use the numerically stable logit forms. Training sums per-sample losses
 * (weighted, with sample or class weights) and divides by the batch size once.
 */
package dev.kindling.core.losses;
