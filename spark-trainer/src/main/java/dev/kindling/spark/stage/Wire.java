// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.stage;

import dev.kindling.core.model.BatchStats;
import dev.kindling.core.model.TrainableWeights;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The training stage's messages between the driver and a task, over a blocking {@link SocketChannel}. Every
 * message has a fixed layout whose sizes the reader knows before it reads: a reader refuses any length other than
 * the one it expects, so no message can make it allocate or wait for more than one model's worth of floats.
 * Little-endian throughout, so that tensors move between direct buffers and float arrays in bulk.
 *
 * <pre>
 * hello  (task to driver, once)   int MAGIC, int VERSION, long session, byte[32] secret, int partition
 * step   (driver to task)         byte STEP, long step, long seed, int rows, int[rows] sample numbers,
 *                                 int elements, elements weights (floats or doubles: the model's dtype): all of
 *                                 them at a segment's first step, after that only the trainable ones (frozen
 *                                 layers' weights do not change during a fit)
 * end    (driver to task)         byte END
 * result (task to driver)         byte RESULT, long step, long computeNanos, long count, double lossSum,
 *                                 double[metrics] metricSums, int elements (0: no gradient), elements gradient
 *                                 (of the trainable weights only: the frozen ones' is 0)
 * </pre>
 *
 * Every read and write has a deadline: a blocking channel has no timeout of its own, so a watchdog closes the
 * channel when one passes, and the caller sees a {@link SocketTimeoutException}.
 */
final class Wire {
    static final int MAGIC = 0x4B4E444C; // "KNDL"
    static final int VERSION = 1;
    static final int SECRET_BYTES = 32;
    static final int HELLO_BYTES = 4 + 4 + 8 + SECRET_BYTES + 4;
    static final byte STEP = 1;
    static final byte END = 2;
    static final byte RESULT = 3;
    static final int STEP_HEADER_BYTES = 1 + 8 + 8 + 4;
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private Wire() {
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kindling-stage-watchdog");
            t.setDaemon(true);
            return t;
        });
        w.setRemoveOnCancelPolicy(true); // a deadline met leaves nothing behind in the queue
        return w;
    }

    /** A message that breaks the protocol: the peer is refused or the segment fails. */
    static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }

    static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int elementBytes(DType dtype) {
        return dtype == DType.FLOAT32 ? Float.BYTES : Double.BYTES;
    }

    /** Result header bytes after the type byte, up to and including the element count. */
    static int resultHeaderBytes(int metricSums) {
        return 8 + 8 + 8 + 8 + 8 * metricSums + 4;
    }

    // ---- deadlines -----------------------------------------------------------------------------------------

    /** Reads exactly {@code into.remaining()} bytes, or fails once {@code timeoutMillis} have passed. */
    static void readFully(SocketChannel channel, ByteBuffer into, long timeoutMillis) throws IOException {
        AtomicBoolean fired = new AtomicBoolean();
        ScheduledFuture<?> guard = WATCHDOG.schedule(() -> closeOnTimeout(channel, fired), timeoutMillis,
                TimeUnit.MILLISECONDS);
        try {
            while (into.hasRemaining()) {
                if (channel.read(into) < 0) {
                    throw new IOException("the connection was closed by the other side");
                }
            }
        } catch (ClosedChannelException e) {
            throw fired.get() ? new SocketTimeoutException("nothing within " + timeoutMillis + " ms") : e;
        } finally {
            guard.cancel(false);
        }
    }

    /** Writes every byte of {@code buffers}, or fails once {@code timeoutMillis} have passed. */
    static void writeFully(SocketChannel channel, long timeoutMillis, ByteBuffer... buffers) throws IOException {
        AtomicBoolean fired = new AtomicBoolean();
        ScheduledFuture<?> guard = WATCHDOG.schedule(() -> closeOnTimeout(channel, fired), timeoutMillis,
                TimeUnit.MILLISECONDS);
        try {
            ByteBuffer last = buffers[buffers.length - 1];
            while (last.hasRemaining() || anyRemaining(buffers)) {
                channel.write(buffers);
            }
        } catch (ClosedChannelException e) {
            throw fired.get() ? new SocketTimeoutException("the other side took nothing for " + timeoutMillis
                    + " ms") : e;
        } finally {
            guard.cancel(false);
        }
    }

    private static boolean anyRemaining(ByteBuffer[] buffers) {
        for (ByteBuffer b : buffers) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    private static void closeOnTimeout(SocketChannel channel, AtomicBoolean fired) {
        fired.set(true);
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing to end a blocked call: nothing else to do
        }
    }

    // ---- tensors --------------------------------------------------------------------------------------------

    /** Copies {@code t}'s elements into {@code out} (cleared first, flipped after). */
    static ByteBuffer encode(Tensor t, ByteBuffer out) {
        return encode(t, out, null);
    }

    /**
     * Copies the elements of {@code t} in {@code ranges} (all of them when null), one range after the other, into
     * {@code out} (cleared first, flipped after).
     */
    static ByteBuffer encode(Tensor t, ByteBuffer out, TrainableWeights ranges) {
        out.clear();
        copy(t, out, ranges, true);
        return out.flip();
    }

    /** Copies the elements at {@code in}'s position into {@code into}. */
    static void decode(ByteBuffer in, Tensor into) {
        decode(in, into, null);
    }

    /** Copies the elements at {@code in}'s position into {@code ranges} of {@code into} (all of it when null). */
    static void decode(ByteBuffer in, Tensor into, TrainableWeights ranges) {
        copy(into, in, ranges, false);
    }

    /** Moves {@code ranges} of {@code t} (all of it when null) to or from {@code b}, from its position on. */
    private static void copy(Tensor t, ByteBuffer b, TrainableWeights ranges, boolean toBuffer) {
        int bytes = elementBytes(t.dtype());
        int count = ranges == null ? 1 : ranges.offsets().length;
        for (int r = 0; r < count; r++) {
            int from = t.offset() + (ranges == null ? 0 : ranges.offsets()[r]);
            int length = ranges == null ? t.size() : ranges.lengths()[r];
            int at = b.position();
            if (t.dtype() == DType.FLOAT32) {
                if (toBuffer) {
                    b.asFloatBuffer().put(t.floatStorage(), from, length);
                } else {
                    b.asFloatBuffer().get(t.floatStorage(), from, length);
                }
            } else if (toBuffer) {
                b.asDoubleBuffer().put(t.doubleStorage(), from, length);
            } else {
                b.asDoubleBuffer().get(t.doubleStorage(), from, length);
            }
            b.position(at + length * bytes);
        }
    }

    /** Reads an element count; refuses any but {@code expected} (or 0 where {@code zeroAllowed}). */
    static int checkElements(int n, int expected, boolean zeroAllowed, String what) throws ProtocolException {
        if (n != expected && !(zeroAllowed && n == 0)) {
            throw new ProtocolException(what + " of " + n + " elements, expected " + expected);
        }
        return n;
    }

    // ---- hello ----------------------------------------------------------------------------------------------

    record Hello(long session, byte[] secret, int partition) {
    }

    static ByteBuffer hello(long session, byte[] secret, int partition) {
        ByteBuffer b = ByteBuffer.allocate(HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).putLong(session).put(secret).putInt(partition);
        return b.flip();
    }

    static Hello readHello(SocketChannel channel, long timeoutMillis) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, b, timeoutMillis);
        b.flip();
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw new ProtocolException("not a Kindling training-stage peer (magic " + Integer.toHexString(magic) + ")");
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new ProtocolException("protocol version " + version + ", expected " + VERSION);
        }
        long session = b.getLong();
        byte[] secret = new byte[SECRET_BYTES];
        b.get(secret);
        return new Hello(session, secret, b.getInt());
    }

    // ---- results --------------------------------------------------------------------------------------------

    /** Writes a result's type byte and header into {@code header} (flipped), with {@code elements} to follow. */
    static ByteBuffer resultHeader(ByteBuffer header, long step, long computeNanos, BatchStats stats, int elements) {
        header.clear();
        header.put(RESULT).putLong(step).putLong(computeNanos).putLong(stats.count()).putDouble(stats.lossSum());
        for (double m : stats.metricSums()) {
            header.putDouble(m);
        }
        header.putInt(elements);
        return header.flip();
    }

    /**
     * Parses a result header (after its type byte), checking the step it answers; returns the stats and puts the
     * compute time and element count into {@code out}.
     */
    static BatchStats parseResultHeader(ByteBuffer header, long expectedStep, int metricSums, long[] out)
            throws ProtocolException {
        long step = header.getLong();
        if (step != expectedStep) {
            throw new ProtocolException("result for step " + step + ", expected step " + expectedStep);
        }
        out[0] = header.getLong();
        long count = header.getLong();
        double lossSum = header.getDouble();
        double[] sums = new double[metricSums];
        for (int i = 0; i < metricSums; i++) {
            sums[i] = header.getDouble();
        }
        out[1] = header.getInt();
        return new BatchStats(count, lossSum, sums);
    }
}
