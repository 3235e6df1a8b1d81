// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.autodiff;

/**
 * A scope in which ops record no graph, for inference: {@code try (NoGrad ignored = NoGrad.enter()) { ... }}.
 * Per thread, because Spark runs several tasks of one executor in parallel threads. Scopes nest.
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private boolean closed;

    private NoGrad() {
        DEPTH.get()[0]++;
    }

    public static NoGrad enter() {
        return new NoGrad();
    }

    public static boolean isActive() {
        return DEPTH.get()[0] > 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            DEPTH.get()[0]--;
        }
    }
}
