/**
 * Loss functions. Each returns the batch <em>sum</em> of the per-sample loss, computed from the last layer's
 * pre-activation output so that softmax and sigmoid outputs use the numerically stable logit forms.
 */
package dev.kindling.core.losses;
