// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.optim;

import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;

/**
 * The element-wise update rules, each written once with its float32/float64 split, which the optimizers compose
 * (as optax composes {@code scale_by_rms} and {@code scale}): {@link #scaleByRms} is RMSprop's and Adagrad's,
 * {@link #scaleByAdam} Adam's, {@link #sgd} and {@link #momentum} SGD's. Every operand starts at the same offset
 * ({@link Checks#update} makes sure): C2 vectorizes a loop only when one index serves every array.
 *
 * <p>Float32 is computed in float arithmetic, as Keras's float32 variables are: C2 vectorizes those loops
 * ({@code SqrtVF}, {@code DivVF}), which a double version with conversions is not; the RMSprop update measured
 * about 5x faster. The float32 and float64 loops of a rule are the same formula, operation for operation, so the
 * goldens pin both.
 */
final class Kernels {
    private Kernels() {
    }

    /**
     * {@code s = decay * s + gain * g^2; w = w - lr * g / sqrt(s + eps)}: RMSprop with {@code decay = rho,
     * gain = 1 - rho}, Adagrad with {@code decay = gain = 1} (multiplying by 1 is exact, so Adagrad's
     * {@code acc + g^2} is unchanged bit for bit).
     */
    static void scaleByRms(Tensor params, Tensor grads, Tensor s, double decay, double gain, double lr,
                           double eps) {
        int n = params.size();
        int o = params.offset();
        if (params.dtype() == DType.FLOAT32) {
            float[] w = params.floatStorage();
            float[] g = grads.floatStorage();
            float[] sq = s.floatStorage();
            float decayF = (float) decay;
            float gainF = (float) gain;
            float lrF = (float) lr;
            float epsF = (float) eps;
            for (int i = 0; i < n; i++) {
                float gi = g[o + i];
                float si = decayF * sq[o + i] + gainF * (gi * gi);
                sq[o + i] = si;
                w[o + i] = w[o + i] - lrF * gi / (float) Math.sqrt(si + epsF);
            }
        } else {
            double[] w = params.doubleStorage();
            double[] g = grads.doubleStorage();
            double[] sq = s.doubleStorage();
            for (int i = 0; i < n; i++) {
                double gi = g[o + i];
                double si = decay * sq[o + i] + gain * (gi * gi);
                sq[o + i] = si;
                w[o + i] = w[o + i] - lr * gi / Math.sqrt(si + eps);
            }
        }
    }

    /**
     * {@code m = m + (g - m) * oneMinusB1; v = v + (g^2 - v) * oneMinusB2; w = w - alpha * m / (sqrt(v) + eps)}:
     * Adam, with the bias corrections folded into {@code alpha}.
     */
    static void scaleByAdam(Tensor params, Tensor grads, Tensor mSlot, Tensor vSlot, double alpha,
                            double oneMinusB1, double oneMinusB2, double eps) {
        int n = params.size();
        int o = params.offset();
        if (params.dtype() == DType.FLOAT32) {
            float[] w = params.floatStorage();
            float[] g = grads.floatStorage();
            float[] m = mSlot.floatStorage();
            float[] v = vSlot.floatStorage();
            float alphaF = (float) alpha;
            float oneMinusB1F = (float) oneMinusB1;
            float oneMinusB2F = (float) oneMinusB2;
            float epsF = (float) eps;
            for (int i = 0; i < n; i++) {
                float gi = g[o + i];
                float mOld = m[o + i];
                float vOld = v[o + i];
                float mi = mOld + (gi - mOld) * oneMinusB1F;
                float vi = vOld + (gi * gi - vOld) * oneMinusB2F;
                m[o + i] = mi;
                v[o + i] = vi;
                w[o + i] = w[o + i] - alphaF * mi / ((float) Math.sqrt(vi) + epsF);
            }
        } else {
            double[] w = params.doubleStorage();
            double[] g = grads.doubleStorage();
            double[] m = mSlot.doubleStorage();
            double[] v = vSlot.doubleStorage();
            for (int i = 0; i < n; i++) {
                double gi = g[o + i];
                double mi = m[o + i] + (gi - m[o + i]) * oneMinusB1;
                double vi = v[o + i] + (gi * gi - v[o + i]) * oneMinusB2;
                m[o + i] = mi;
                v[o + i] = vi;
                w[o + i] = w[o + i] - alpha * mi / (Math.sqrt(vi) + eps);
            }
        }
    }

    /** {@code w = w - lr * g}. */
    static void sgd(Tensor params, Tensor grads, double lr) {
        int n = params.size();
        int o = params.offset();
        if (params.dtype() == DType.FLOAT32) {
            float[] w = params.floatStorage();
            float[] g = grads.floatStorage();
            float lrF = (float) lr;
            for (int i = 0; i < n; i++) {
                w[o + i] = w[o + i] - lrF * g[o + i];
            }
        } else {
            double[] w = params.doubleStorage();
            double[] g = grads.doubleStorage();
            for (int i = 0; i < n; i++) {
                w[o + i] = w[o + i] - lr * g[o + i];
            }
        }
    }

    /** {@code v = mu * v - lr * g; w = w + v}, or with Nesterov {@code w = w + mu * v - lr * g}. */
    static void momentum(Tensor params, Tensor grads, Tensor velocity, double lr, double mu, boolean nesterov) {
        int n = params.size();
        int o = params.offset();
        if (params.dtype() == DType.FLOAT32) {
            float[] w = params.floatStorage();
            float[] g = grads.floatStorage();
            float[] v = velocity.floatStorage();
            float lrF = (float) lr;
            float muF = (float) mu;
            for (int i = 0; i < n; i++) {
                float gi = g[o + i];
                float vi = muF * v[o + i] - lrF * gi;
                v[o + i] = vi;
                w[o + i] = w[o + i] + (nesterov ? muF * vi - lrF * gi : vi);
            }
        } else {
            double[] w = params.doubleStorage();
            double[] g = grads.doubleStorage();
            double[] v = velocity.doubleStorage();
            for (int i = 0; i < n; i++) {
                double gi = g[o + i];
                double vi = mu * v[o + i] - lr * gi;
                v[o + i] = vi;
                w[o + i] = w[o + i] + (nesterov ? mu * vi - lr * gi : vi);
            }
        }
    }
}
