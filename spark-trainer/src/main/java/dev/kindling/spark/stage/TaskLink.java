// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.stage;

import dev.kindling.core.model.TrainableWeights;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.io.Serializable;
import java.lang.ref.SoftReference;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * What a task of the training stage needs to reach the driver: shipped inside the task (so the secret travels only
 * in Spark's own task payload). {@link #serve} runs the task's side of the segment: it receives each step's batch
 * and weights, computes its share with the given {@link StepWork}, and sends the result back, until the driver
 * ends the segment.
 *
 * @param maxRows    the most sample numbers a step may carry (the training samples): a longer step is refused
 * @param metricSums metric sums per result
 * @param trainable  where the trainable weights are, when some are frozen (null: all are trainable): then only
 *                   they travel after a segment's first step
 */
public record TaskLink(String host, int port, long session, byte[] secret, long timeoutMillis, int elements,
                       DType dtype, int maxRows, int metricSums, TrainableWeights trainable) implements Serializable {
    private static final ThreadLocal<SoftReference<ByteBuffer>> BUFFER = new ThreadLocal<>();

    /** Serves the segment for partition {@code partition}; returns the number of steps computed. */
    public int serve(int partition, StepWork work) throws IOException, InterruptedException {
        Segment local = Hub.local(session);
        return local != null ? local.serveInMemory(partition, work) : serveOverSocket(partition, work);
    }

    /** The task side over a socket to the driver (what every task that runs outside the driver's JVM does). */
    int serveOverSocket(int partition, StepWork work) throws IOException {
        try (SocketChannel channel = SocketChannel.open()) {
            channel.socket().connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE,
                    timeoutMillis));
            channel.socket().setTcpNoDelay(true);
            Wire.writeFully(channel, timeoutMillis, Wire.hello(session, secret, partition));
            int tensorBytes = elements * Wire.elementBytes(dtype);
            // Buffers for the whole segment: no model-sized allocation per step.
            ByteBuffer type = Wire.buffer(1);
            ByteBuffer header = Wire.buffer(Wire.STEP_HEADER_BYTES - 1);
            ByteBuffer rowBytes = Wire.buffer(4 * Math.min(maxRows, 1 << 16));
            ByteBuffer count = Wire.buffer(4);
            ByteBuffer tensor = reusedBuffer(tensorBytes);
            ByteBuffer resultHeader = Wire.buffer(1 + Wire.resultHeaderBytes(metricSums));
            Tensor weights = Tensor.zeros(dtype, elements);
            int steps = 0;
            try {
                while (true) {
                    type.clear();
                    Wire.readFully(channel, type, timeoutMillis);
                    byte t = type.get(0);
                    if (t == Wire.END) {
                        return steps;
                    }
                    if (t != Wire.STEP) {
                        throw new Wire.ProtocolException("unexpected message type " + t + " from the driver");
                    }
                    header.clear();
                    Wire.readFully(channel, header, timeoutMillis);
                    header.flip();
                    long step = header.getLong();
                    long seed = header.getLong();
                    int n = header.getInt();
                    if (n < 0 || n > maxRows) {
                        throw new Wire.ProtocolException("a step of " + n + " rows, expected at most " + maxRows);
                    }
                    if (rowBytes.capacity() < 4 * n) {
                        rowBytes = Wire.buffer(4 * n);
                    }
                    rowBytes.clear().limit(4 * n);
                    Wire.readFully(channel, rowBytes, timeoutMillis);
                    rowBytes.flip();
                    int[] rows = new int[n];
                    rowBytes.asIntBuffer().get(rows);
                    count.clear();
                    Wire.readFully(channel, count, timeoutMillis);
                    int sent = count.getInt(0);
                    boolean packed = trainable != null && steps > 0 && sent == trainable.size();
                    if (!packed) {
                        Wire.checkElements(sent, elements, false, "weights");
                    }
                    tensor.clear().limit(sent * Wire.elementBytes(dtype));
                    Wire.readFully(channel, tensor, timeoutMillis);
                    tensor.flip();
                    Wire.decode(tensor, weights, packed ? trainable : null);

                    long start = System.nanoTime();
                    Partial part = work.compute(rows, seed, weights);
                    long computeNanos = System.nanoTime() - start;
                    Tensor gradient = part.gradient();
                    int back = gradient == null ? 0 : trainable == null ? elements : trainable.size();
                    Wire.resultHeader(resultHeader, step, computeNanos, part.stats(), back);
                    if (gradient == null) {
                        Wire.writeFully(channel, timeoutMillis, resultHeader);
                    } else {
                        Wire.writeFully(channel, timeoutMillis, resultHeader, Wire.encode(gradient, tensor, trainable));
                    }
                    steps++;
                }
            } catch (SocketTimeoutException e) {
                throw new IOException("training stage: the driver at " + host + ":" + port + " sent or took nothing"
                        + " for " + timeoutMillis + " ms (partition " + partition + ")", e);
            }
        }
    }

    /**
     * A model-sized direct buffer kept by the task thread for its next segments (softly: a notebook's long-lived
     * executor must not keep a large model's buffer for ever), so that a fit of many segments does not allocate
     * direct memory for each.
     */
    private static ByteBuffer reusedBuffer(int bytes) {
        SoftReference<ByteBuffer> held = BUFFER.get();
        ByteBuffer b = held == null ? null : held.get();
        if (b == null || b.capacity() < bytes) {
            b = Wire.buffer(bytes);
            BUFFER.set(new SoftReference<>(b));
        }
        return b;
    }

    @Override
    public String toString() {
        return "TaskLink[" + host + ":" + port + ", session " + session + "]"; // never the secret
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskLink t && t.session == session && Arrays.equals(t.secret, secret);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(session);
    }
}
