// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.core.model.BatchStats;
import dev.kindling.core.tensor.DType;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The data plane on its own, over real loopback sockets: peers that know the secret exchange steps and results,
 * merged in partition order; raw sockets that do not (garbage, a wrong secret, silence, a second connection for a
 * partition, a malformed or oversized result) are refused or fail the segment quickly, naming the peer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HubTest {
    private static final int ELEMENTS = 1000;
    private static final Duration TIMEOUT = Duration.ofMillis(1500);

    private Hub hub;
    private final ExecutorService tasks = Executors.newCachedThreadPool();

    @BeforeEach
    void open() throws IOException {
        hub = Hub.open(new Hub.Settings("127.0.0.1", "127.0.0.1", 0, 0, TIMEOUT));
    }

    @AfterEach
    void close() {
        hub.close();
        tasks.shutdownNow();
    }

    /** Each task's gradient is (partition + 1) * weights + step, its loss sum the partition's number. */
    private static StepWork work(int partition) {
        return (rows, seed, weights) -> {
            Tensor g = weights.mul(partition + 1.0).add((double) seed);
            return new Partial(new BatchStats(rows.length, partition, new double[] {1.0}), g, 0);
        };
    }

    private List<Future<Integer>> serveOverSockets(Segment segment, int partitions) {
        List<Future<Integer>> served = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            served.add(tasks.submit(() -> segment.link().serveOverSocket(partition, work(partition))));
        }
        return served;
    }

    @Test
    void threeTasksOverSocketsSumInPartitionOrder() throws Exception {
        Segment segment = hub.openSegment(3, ELEMENTS, DType.FLOAT32, 1, 100);
        List<Future<Integer>> served = serveOverSockets(segment, 3);
        segment.awaitPeers(() -> false);
        Random rng = new Random(1);
        for (int step = 1; step <= 5; step++) {
            Tensor weights = Tensor.uniform(dev.kindling.core.tensor.Shape.of(ELEMENTS), DType.FLOAT32, -1, 1, rng);
            Partial merged = segment.step(step, new int[] {1, 2, 3}, step, weights);
            Tensor expected = weights.mul(1.0).add((double) step);
            expected.addInPlace(weights.mul(2.0).add((double) step));
            expected.addInPlace(weights.mul(3.0).add((double) step));
            assertEquals(expected, merged.gradient(), "step " + step);
            assertEquals(9, merged.stats().count());
            assertEquals(0.0 + 1.0 + 2.0, merged.stats().lossSum());
        }
        segment.end();
        for (Future<Integer> f : served) {
            assertEquals(5, f.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void rawSocketsWithoutTheSecretAreRefusedAndTheSegmentGoesOn() throws Exception {
        Segment segment = hub.openSegment(1, ELEMENTS, DType.FLOAT32, 1, 100);
        long refusedBefore = Hub.refusedConnections();

        byte[] garbage = new byte[1 << 20]; // a megabyte of noise: only the hello's 52 bytes are ever read
        new Random(3).nextBytes(garbage);
        assertClosedByHub(garbage);
        ByteBuffer wrongSecret = Wire.hello(segment.link().session(), new byte[Wire.SECRET_BYTES], 0);
        assertClosedByHub(bytes(wrongSecret));
        ByteBuffer noSession = Wire.hello(segment.link().session() + 1, segment.link().secret(), 0);
        assertClosedByHub(bytes(noSession));
        ByteBuffer wrongPartition = Wire.hello(segment.link().session(), segment.link().secret(), 7);
        assertClosedByHub(bytes(wrongPartition));
        long silentStart = System.nanoTime();
        assertClosedByHub(new byte[0]); // silence: closed once the handshake time is up
        assertTrue((System.nanoTime() - silentStart) / 1e9 < TIMEOUT.toMillis() / 1e3 + 2.0, "silence bounded");
        long deadline = System.nanoTime() + 2_000_000_000L; // the count follows the close by a moment
        while (Hub.refusedConnections() < refusedBefore + 5 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(refusedBefore + 5, Hub.refusedConnections());

        List<Future<Integer>> served = serveOverSockets(segment, 1);
        segment.awaitPeers(() -> false);
        // a second connection for a connected partition, with the right secret, is refused too
        assertClosedByHub(bytes(Wire.hello(segment.link().session(), segment.link().secret(), 0)));
        Tensor weights = Tensor.ones(DType.FLOAT32, ELEMENTS);
        assertEquals(Tensor.full(weights.shape(), DType.FLOAT32, 8.0),
                segment.step(1, new int[] {4}, 7, weights).gradient());
        segment.end();
        assertEquals(1, served.get(0).get(5, TimeUnit.SECONDS));
    }

    @Test
    void aMalformedOrOversizedResultFailsTheSegmentNamingThePartition() throws Exception {
        for (int mode = 0; mode < 3; mode++) {
            Segment segment = hub.openSegment(1, ELEMENTS, DType.FLOAT32, 1, 100);
            try (Socket raw = new Socket("127.0.0.1", hub.port())) {
                raw.getOutputStream().write(bytes(Wire.hello(segment.link().session(), segment.link().secret(), 0)));
                segment.awaitPeers(() -> false);
                int m = mode;
                Future<?> liar = tasks.submit(() -> {
                    InputStream in = raw.getInputStream();
                    in.readNBytes(Wire.STEP_HEADER_BYTES + 4 + 4 + ELEMENTS * 4); // the step, one row
                    ByteBuffer header = Wire.buffer(1 + Wire.resultHeaderBytes(1));
                    BatchStats stats = new BatchStats(1, 0.5, new double[] {1});
                    // 0: an element count of 2^30 (4 GB); 1: the wrong step; 2: a wrong message type
                    Wire.resultHeader(header, m == 1 ? 99 : 1, 0, stats, m == 0 ? 1 << 30 : ELEMENTS);
                    if (m == 2) {
                        header.put(0, (byte) 42);
                    }
                    raw.getOutputStream().write(bytes(header));
                    return null;
                });
                Segment.SegmentFailure failure = assertThrows(Segment.SegmentFailure.class,
                        () -> segment.step(1, new int[] {3}, 0, Tensor.ones(DType.FLOAT32, ELEMENTS)));
                assertTrue(failure.getMessage().startsWith("partition 0 (task at /127.0.0.1:"), failure.getMessage());
                String expected = m == 0 ? "gradient of 1073741824 elements, expected 1000"
                        : m == 1 ? "result for step 99, expected step 1" : "message type 42, expected a result";
                assertTrue(failure.getMessage().endsWith(expected), failure.getMessage());
                liar.get(5, TimeUnit.SECONDS);
                segment.abort();
            }
        }
    }

    @Test
    void aSilentPeerFailsTheStepWithinTheTimeout() throws Exception {
        Segment segment = hub.openSegment(1, ELEMENTS, DType.FLOAT32, 1, 100);
        try (Socket raw = new Socket("127.0.0.1", hub.port())) {
            raw.getOutputStream().write(bytes(Wire.hello(segment.link().session(), segment.link().secret(), 0)));
            segment.awaitPeers(() -> false);
            long start = System.nanoTime();
            Segment.SegmentFailure failure = assertThrows(Segment.SegmentFailure.class,
                    () -> segment.step(1, new int[] {3}, 0, Tensor.ones(DType.FLOAT32, ELEMENTS)));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(failure.getMessage().contains("sent no result for step 1 within 1500 ms"), failure.getMessage());
            assertTrue(seconds >= 1.4 && seconds < 5, "failed after " + seconds + " s");
        }
    }

    @Test
    void tasksThatNeverConnectFailTheWaitWithinTheTimeout() {
        Segment segment = hub.openSegment(2, ELEMENTS, DType.FLOAT32, 1, 100);
        Segment.SegmentFailure failure = assertThrows(Segment.SegmentFailure.class,
                () -> segment.awaitPeers(() -> false));
        assertEquals("only 0 of 2 tasks connected within 1500 ms", failure.getMessage());
        Segment other = hub.openSegment(2, ELEMENTS, DType.FLOAT32, 1, 100);
        failure = assertThrows(Segment.SegmentFailure.class, () -> other.awaitPeers(() -> true));
        assertEquals("the stage's job ended before its 2 tasks connected (0 did)", failure.getMessage());
    }

    @Test
    void aTaskWhoseDriverGoesSilentGivesUpWithinTheTimeout() throws Exception {
        Segment segment = hub.openSegment(1, ELEMENTS, DType.FLOAT32, 1, 100);
        Future<Integer> served = serveOverSockets(segment, 1).get(0);
        segment.awaitPeers(() -> false);
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> served.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("sent or took nothing for 1500 ms (partition 0)"),
                e.getCause().getMessage());
    }

    private void assertClosedByHub(byte[] payload) throws IOException {
        try (Socket raw = new Socket("127.0.0.1", hub.port())) {
            raw.setSoTimeout((int) TIMEOUT.toMillis() + 3000);
            OutputStream out = raw.getOutputStream();
            try {
                out.write(payload);
                out.flush();
            } catch (IOException e) {
                return; // closed while we were still writing: refused
            }
            try {
                assertEquals(-1, raw.getInputStream().read(), "the hub closes a refused connection");
            } catch (java.net.SocketException e) {
                // reset by the hub: refused as well
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer copy = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
