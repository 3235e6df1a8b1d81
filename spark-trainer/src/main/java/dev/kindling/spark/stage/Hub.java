// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.stage;

import dev.kindling.core.model.TrainableWeights;
import dev.kindling.core.tensor.DType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's end of the training stage's data plane: one listening socket for the fit, to which each task of a
 * segment connects once. A connection is admitted only with the segment's secret (which reaches the tasks inside
 * Spark's own task payload), for a partition of that segment not yet connected, in a well-formed hello that
 * arrives within the handshake time; anything else is closed and logged, and training goes on. Tasks that run in
 * this JVM (local mode) do not connect at all: they find their segment in {@link #local} and exchange buffers in
 * memory.
 */
public final class Hub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Hub.class);
    /** Segments of this JVM's fits, by session, for tasks that run in the driver's JVM. */
    private static final Map<Long, Segment> LOCAL = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Handshakes in flight at most; more connections at once are closed straight away. */
    private static final int HANDSHAKES = 16;
    private static final AtomicLong REFUSED = new AtomicLong();

    private final Settings settings;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final ThreadPoolExecutor handshakes;
    private final Map<Long, Segment> segments = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Model-sized direct buffers the driver reuses from segment to segment (weights out, a result in). */
    private final java.nio.ByteBuffer[] buffers = new java.nio.ByteBuffer[2];

    /**
     * Where the hub listens and how long it waits.
     *
     * @param advertisedHost the address tasks connect to ({@code spark.driver.host})
     * @param bindAddress    the address to listen on ({@code spark.driver.bindAddress})
     * @param port           the first port to try, 0 for any free port
     * @param portRetries    further ports tried after {@code port} ({@code spark.port.maxRetries})
     * @param timeout        how long either side waits for the other before giving up on it
     */
    public record Settings(String advertisedHost, String bindAddress, int port, int portRetries, Duration timeout) {
        public Settings {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("training stage port must be in [0, 65535], got " + port);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("training stage timeout must be > 0, got " + timeout);
            }
        }

        /** The time a newly accepted connection has to say hello. */
        Duration handshake() {
            return timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10);
        }
    }

    private Hub(Settings settings, ServerSocketChannel server) {
        this.settings = settings;
        this.server = server;
        this.handshakes = new ThreadPoolExecutor(0, HANDSHAKES, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(HANDSHAKES), r -> daemon(r, "kindling-stage-handshake"));
        this.acceptor = daemon(this::acceptLoop, "kindling-stage-acceptor");
        acceptor.start();
    }

    /** Listens on the first free port from {@code settings.port()}. */
    public static Hub open(Settings settings) throws IOException {
        InetAddress bind = InetAddress.getByName(settings.bindAddress());
        IOException last = null;
        int tries = settings.port() == 0 ? 1 : settings.portRetries() + 1;
        for (int i = 0; i < tries; i++) {
            int port = settings.port() == 0 ? 0 : settings.port() + i;
            if (port > 65535) {
                break;
            }
            ServerSocketChannel server = ServerSocketChannel.open();
            try {
                server.bind(new InetSocketAddress(bind, port), 64);
                LOG.info("training stage listening on {}:{} (tasks connect to {})", settings.bindAddress(),
                        server.socket().getLocalPort(), settings.advertisedHost());
                return new Hub(settings, server);
            } catch (IOException e) {
                server.close();
                last = e;
            }
        }
        throw new IOException("the training stage could not listen on " + settings.bindAddress() + " port "
                + (settings.port() == 0 ? "any" : settings.port() + ".." + (settings.port() + tries - 1)), last);
    }

    /** Connections refused by every hub of this JVM so far (a wrong secret, a malformed hello, silence). */
    public static long refusedConnections() {
        return REFUSED.get();
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    /**
     * A new segment for {@code partitions} tasks exchanging tensors of {@code elements} elements of {@code dtype},
     * with {@code metricSums} metric sums per result. Its {@link Segment#link()} goes to the tasks.
     */
    public Segment openSegment(int partitions, int elements, DType dtype, int metricSums, int maxRows) {
        return openSegment(partitions, elements, dtype, metricSums, maxRows, null);
    }

    /**
     * As {@link #openSegment(int, int, DType, int, int)}, for a model whose {@code trainable} weights (null: all)
     * are the only ones that change: after a segment's first step only they travel, both ways.
     */
    public Segment openSegment(int partitions, int elements, DType dtype, int metricSums, int maxRows,
                               TrainableWeights trainable) {
        long session = RANDOM.nextLong();
        byte[] secret = new byte[Wire.SECRET_BYTES];
        RANDOM.nextBytes(secret);
        TrainableWeights ranges = trainable == null || trainable.isAll() ? null : trainable;
        TaskLink link = new TaskLink(settings.advertisedHost(), port(), session, secret,
                settings.timeout().toMillis(), elements, dtype, maxRows, metricSums, ranges);
        Segment segment = new Segment(this, link, partitions, metricSums, settings.timeout());
        segments.put(session, segment);
        LOCAL.put(session, segment);
        return segment;
    }

    /** Reused buffer {@code slot} with room for {@code bytes} (cleared), allocated once per fit and size. */
    synchronized java.nio.ByteBuffer buffer(int slot, int bytes) {
        if (buffers[slot] == null || buffers[slot].capacity() < bytes) {
            buffers[slot] = Wire.buffer(bytes);
        }
        java.nio.ByteBuffer b = buffers[slot];
        b.clear().limit(bytes);
        return b;
    }

    void forget(Segment segment) {
        segments.remove(segment.link().session());
        LOCAL.remove(segment.link().session());
    }

    /** The segment of a task running in this JVM, or null when the task runs elsewhere. */
    static Segment local(long session) {
        return LOCAL.get(session);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("training stage: accepting a connection failed: {}", e.getMessage());
                }
                continue;
            }
            try {
                handshakes.execute(() -> handshake(channel));
            } catch (RejectedExecutionException e) {
                refuse(channel, String.valueOf(channel.socket().getRemoteSocketAddress()),
                        "too many connections saying hello at once");
            }
        }
    }

    private void handshake(SocketChannel channel) {
        String from = String.valueOf(channel.socket().getRemoteSocketAddress());
        try {
            channel.socket().setTcpNoDelay(true);
            Wire.Hello hello = Wire.readHello(channel, settings.handshake().toMillis());
            Segment segment = segments.get(hello.session());
            if (segment == null || !MessageDigest.isEqual(segment.link().secret(), hello.secret())) {
                // one message for both: which sessions exist is not for an unauthenticated peer to learn
                refuse(channel, from, "wrong secret or no such session");
                return;
            }
            String problem = segment.attach(hello.partition(), channel);
            if (problem != null) {
                refuse(channel, from, problem);
            }
        } catch (SocketTimeoutException e) {
            refuse(channel, from, "no hello within " + settings.handshake().toMillis() + " ms");
        } catch (IOException e) {
            refuse(channel, from, "malformed hello: " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()));
        }
    }

    private static void refuse(SocketChannel channel, String from, String why) {
        REFUSED.incrementAndGet();
        LOG.warn("training stage: refused the connection from {}: {}", from, why);
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a refused connection: nothing to do
        }
    }

    /** Stops listening, and fails every open segment. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the training stage's socket", e);
        }
        for (Segment s : segments.values()) {
            s.abort();
        }
        handshakes.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
