// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.stage;

import dev.kindling.core.model.BatchStats;
import dev.kindling.core.model.TrainableWeights;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The driver's side of one Spark job of the training stage: one peer per packed partition, each reached once per
 * step. {@link #step} sends every task the batch and the weights, then takes their results <b>in partition
 * order</b> and adds them in that order, exactly as the job-per-step path merges its task results: the summed
 * gradient is the same floats. The driver keeps the weights and the optimizer state; a segment only computes
 * gradients.
 *
 * <p>A peer that breaks the protocol, closes its connection or stays silent longer than the timeout fails the
 * segment with a {@link SegmentFailure} naming it; the driver then ends the job and carries on without it.
 */
public final class Segment {
    private static final Object END = new Object();

    private final Hub hub;
    private final TaskLink link;
    private final Peer[] peers;
    private final int metricSums;
    private final Duration timeout;
    private final CountDownLatch connected;
    private volatile boolean over;
    private Tensor sumBuffer;
    private Tensor scratch;
    private int remotePeers;
    /** The weights as bytes, encoded once per step for every remote task; the bytes of a result as they arrive. */
    private ByteBuffer weightBytes;
    /** The step's header and sample numbers, reused from step to step. */
    private ByteBuffer stepHeader;
    private ByteBuffer resultBytes;
    private ByteBuffer resultHeader;
    private long bytesOut;
    private long bytesIn;
    private boolean sentAllWeights;

    Segment(Hub hub, TaskLink link, int partitions, int metricSums, Duration timeout) {
        this.hub = hub;
        this.link = link;
        this.peers = new Peer[partitions];
        this.metricSums = metricSums;
        this.timeout = timeout;
        this.connected = new CountDownLatch(partitions);
    }

    /** A peer broke the protocol, went silent or away: the segment cannot go on. */
    public static final class SegmentFailure extends IOException {
        private static final long serialVersionUID = 1L;

        SegmentFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What the tasks need to reach this segment. */
    public TaskLink link() {
        return link;
    }

    /**
     * Waits until every task has connected, or fails: after the timeout, or as soon as {@code jobEnded} says the
     * stage's job is over (it failed to start).
     */
    public void awaitPeers(BooleanSupplier jobEnded) throws SegmentFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!connected.await(20, TimeUnit.MILLISECONDS)) {
            if (jobEnded.getAsBoolean()) {
                throw new SegmentFailure("the stage's job ended before its " + peers.length + " tasks connected ("
                        + (peers.length - connected.getCount()) + " did)", null);
            }
            if (System.nanoTime() > deadline) {
                throw new SegmentFailure("only " + (peers.length - connected.getCount()) + " of " + peers.length
                        + " tasks connected within " + timeout.toMillis() + " ms", null);
            }
        }
    }

    /**
     * One synchronous step: every task computes its share of the batch {@code sortedRows} with {@code weights}
     * (read by local tasks in place, so the caller must not change it until this returns); the results are merged in
     * partition order. The merged gradient is a buffer of this segment, valid until the next step.
     */
    public Partial step(long step, int[] sortedRows, long seed, Tensor weights) throws SegmentFailure,
            InterruptedException {
        Encoded encoded = remotePeers > 0 ? encode(step, sortedRows, seed, weights) : null;
        for (int p = 0; p < peers.length; p++) {
            try {
                peers[p].send(step, sortedRows, seed, weights, encoded);
            } catch (IOException e) {
                throw new SegmentFailure(peers[p] + ": sending step " + step + " failed: " + e.getMessage(), e);
            }
        }
        BatchStats stats = new BatchStats(0, 0.0, new double[metricSums]);
        Tensor sum = null;
        long slowest = 0;
        for (int p = 0; p < peers.length; p++) {
            Partial part;
            try {
                part = peers[p].receive(step, sum == null ? sumBuffer(weights) : scratch(weights));
            } catch (SocketTimeoutException e) {
                throw new SegmentFailure(peers[p] + " sent no result for step " + step + " within "
                        + timeout.toMillis() + " ms", e);
            } catch (IOException e) {
                throw new SegmentFailure(peers[p] + ": step " + step + ": " + e.getMessage(), e);
            }
            slowest = Math.max(slowest, part.computeNanos());
            if (part.gradient() == null && part.stats().count() == 0) {
                continue; // a partition without a sample of this batch, which the job-per-step path does not run
            }
            if (part.gradient() != null) {
                if (sum == null) {
                    sum = part.gradient();
                } else {
                    sum.addInPlace(part.gradient());
                }
            }
            stats = stats.merge(part.stats());
        }
        return new Partial(stats, sum, slowest);
    }

    /** Bytes the driver sent to tasks over sockets in this segment (in-memory hand-overs move none). */
    public long bytesOut() {
        return bytesOut;
    }

    /** Bytes the driver received from tasks over sockets in this segment. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Tells every task that the segment is over, and lets go of the connections. */
    public void end() {
        over = true;
        hub.forget(this);
        for (Peer peer : peers) {
            if (peer != null) {
                peer.end();
            }
        }
    }

    /** Drops every connection: the tasks fail (the driver cancels their job too). */
    public void abort() {
        over = true;
        hub.forget(this);
        for (Peer peer : peers) {
            if (peer != null) {
                peer.close();
            }
        }
    }

    /** A step as bytes: its header and rows (small, per step), and the weights in this segment's reused buffer. */
    private record Encoded(ByteBuffer header, ByteBuffer weights) {
    }

    private Encoded encode(long step, int[] sortedRows, long seed, Tensor weights) {
        TrainableWeights ranges = link.trainable();
        boolean packed = ranges != null && sentAllWeights; // frozen weights do not change: they travel once
        int elements = packed ? ranges.size() : weights.size();
        int headerBytes = Wire.STEP_HEADER_BYTES + 4 * sortedRows.length + 4;
        if (stepHeader == null || stepHeader.capacity() < headerBytes) {
            stepHeader = Wire.buffer(headerBytes); // a direct buffer per step would be an allocation on the hot path
        }
        ByteBuffer header = stepHeader.clear();
        header.put(Wire.STEP).putLong(step).putLong(seed).putInt(sortedRows.length);
        header.asIntBuffer().put(sortedRows);
        header.position(header.position() + 4 * sortedRows.length);
        header.putInt(elements).flip();
        if (weightBytes == null) {
            weightBytes = hub.buffer(0, weights.size() * Wire.elementBytes(weights.dtype()));
        }
        sentAllWeights = true;
        return new Encoded(header, Wire.encode(weights, weightBytes, packed ? ranges : null));
    }

    private Tensor sumBuffer(Tensor like) {
        if (sumBuffer == null) {
            sumBuffer = Tensor.zeros(like.dtype(), like.size());
        }
        return sumBuffer;
    }

    private Tensor scratch(Tensor like) {
        if (scratch == null) {
            scratch = Tensor.zeros(like.dtype(), like.size());
        }
        return scratch;
    }

    /** Admits a task's connection; returns why not, or null. */
    synchronized String attach(int partition, SocketChannel channel) {
        String problem = admissible(partition);
        if (problem != null) {
            return problem;
        }
        peers[partition] = new SocketPeer(partition, channel);
        remotePeers++;
        connected.countDown();
        return null;
    }

    private String admissible(int partition) {
        if (over) {
            return "the segment is over";
        }
        if (partition < 0 || partition >= peers.length) {
            return "partition " + partition + " is not in [0, " + peers.length + ")";
        }
        if (peers[partition] != null) {
            return "partition " + partition + " is connected already";
        }
        return null;
    }

    /** The task side for a task running in the driver's JVM: buffers handed over in memory, no socket, no copy. */
    int serveInMemory(int partition, StepWork work) throws IOException, InterruptedException {
        InMemoryPeer peer = new InMemoryPeer(partition);
        synchronized (this) {
            String problem = admissible(partition);
            if (problem != null) {
                throw new IOException("training stage: " + problem);
            }
            peers[partition] = peer;
            connected.countDown();
        }
        int steps = 0;
        try {
            while (true) {
                Object order = peer.orders.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (order == null) {
                    throw new IOException("training stage: the driver sent nothing for " + timeout.toMillis()
                            + " ms (partition " + partition + ")");
                }
                if (order == END) {
                    return steps;
                }
                Order o = (Order) order;
                long start = System.nanoTime();
                Partial part = work.compute(o.rows(), o.seed(), o.weights());
                peer.results.put(new Partial(part.stats(), part.gradient(), System.nanoTime() - start));
                steps++;
            }
        } catch (Throwable t) {
            peer.results.offer(t);
            throw t;
        }
    }

    private record Order(int[] rows, long seed, Tensor weights) {
    }

    private interface Peer {
        void send(long step, int[] sortedRows, long seed, Tensor weights, Encoded encoded) throws IOException;

        /** The task's result for {@code step}; a gradient read off a socket lands in {@code into}. */
        Partial receive(long step, Tensor into) throws IOException, InterruptedException;

        void end();

        void close();
    }

    private final class InMemoryPeer implements Peer {
        final BlockingQueue<Object> orders = new ArrayBlockingQueue<>(1);
        final BlockingQueue<Object> results = new ArrayBlockingQueue<>(1);
        private final int partition;

        InMemoryPeer(int partition) {
            this.partition = partition;
        }

        @Override
        public void send(long step, int[] sortedRows, long seed, Tensor weights, Encoded encoded)
                throws IOException {
            if (!orders.offer(new Order(sortedRows, seed, weights))) {
                throw new IOException("its previous step is still pending");
            }
        }

        @Override
        public Partial receive(long step, Tensor into) throws IOException, InterruptedException {
            Object result = results.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (result == null) {
                throw new SocketTimeoutException();
            }
            if (result instanceof Throwable t) {
                throw new IOException("its task failed: " + t, t);
            }
            return (Partial) result;
        }

        @Override
        public void end() {
            orders.clear();
            orders.offer(END);
        }

        @Override
        public void close() {
            end();
        }

        @Override
        public String toString() {
            return "partition " + partition + " (in the driver's JVM)";
        }
    }

    private final class SocketPeer implements Peer {
        private final int partition;
        private final SocketChannel channel;
        private final String address;
        private final ByteBuffer type = Wire.buffer(1);
        private final long[] parsed = new long[2];

        SocketPeer(int partition, SocketChannel channel) {
            this.partition = partition;
            this.channel = channel;
            this.address = String.valueOf(channel.socket().getRemoteSocketAddress());
        }

        @Override
        public void send(long step, int[] sortedRows, long seed, Tensor weights, Encoded encoded)
                throws IOException {
            Wire.writeFully(channel, timeout.toMillis(), encoded.header().duplicate(), encoded.weights().duplicate());
            bytesOut += encoded.header().remaining() + encoded.weights().remaining();
        }

        @Override
        public Partial receive(long step, Tensor into) throws IOException {
            type.clear();
            Wire.readFully(channel, type, timeout.toMillis());
            if (type.get(0) != Wire.RESULT) {
                throw new Wire.ProtocolException("message type " + type.get(0) + ", expected a result");
            }
            if (resultHeader == null) {
                resultHeader = Wire.buffer(Wire.resultHeaderBytes(metricSums));
            }
            resultHeader.clear();
            Wire.readFully(channel, resultHeader, timeout.toMillis());
            resultHeader.flip();
            BatchStats stats = Wire.parseResultHeader(resultHeader, step, metricSums, parsed);
            TrainableWeights ranges = link.trainable();
            int expected = ranges == null ? into.size() : ranges.size();
            int elements = Wire.checkElements((int) parsed[1], expected, true, "gradient");
            bytesIn += 1 + resultHeader.limit() + (long) elements * Wire.elementBytes(into.dtype());
            if (elements == 0) {
                return new Partial(stats, null, parsed[0]);
            }
            if (resultBytes == null) {
                resultBytes = hub.buffer(1, into.size() * Wire.elementBytes(into.dtype()));
            }
            resultBytes.clear().limit(elements * Wire.elementBytes(into.dtype()));
            Wire.readFully(channel, resultBytes, timeout.toMillis());
            resultBytes.flip();
            Wire.decode(resultBytes, into, ranges); // frozen entries stay 0: this segment's buffers hold no other
            return new Partial(stats, into, parsed[0]);
        }

        @Override
        public void end() {
            try {
                ByteBuffer end = Wire.buffer(1).put(Wire.END).flip();
                Wire.writeFully(channel, timeout.toMillis(), end);
            } catch (IOException e) {
                // the task is gone already: nothing to end
            }
            close();
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing: nothing to do
            }
        }

        @Override
        public String toString() {
            return "partition " + partition + " (task at " + address + ")";
        }
    }
}
