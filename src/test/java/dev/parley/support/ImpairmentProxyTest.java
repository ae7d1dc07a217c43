package dev.parley.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.ImpairmentProxy.Impairment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The instrument itself: the proxy does what its record says, and the same seed gives the same fates. */
@Tag("unit")
class ImpairmentProxyTest {
    static final Impairment BAD = new Impairment(0.1, 20, 0.1, 30, 0.05, 7);

    record Run(List<Integer> received, ImpairmentProxy.Stream stream, String reply) {}

    static Run run() throws Exception {
        for (int attempt = 0; ; attempt++) {
            int port = 41000 + 2 * ThreadLocalRandom.current().nextInt(4000);
            try (DatagramSocket parley = new DatagramSocket(new InetSocketAddress(BadNetwork.PARLEY, port));
                 ImpairmentProxy proxy = ImpairmentProxy.start(BadNetwork.OUTSIDE, BadNetwork.PARLEY, List.of(), port, port, BAD,
                         Impairment.none());
                 DatagramSocket peer = new DatagramSocket(new InetSocketAddress(BadNetwork.PARLEY, 0))) {
                InetSocketAddress outside = new InetSocketAddress(BadNetwork.OUTSIDE, port);
                // Parley's side reads as the packets come, as its transport does.
                List<Integer> received = java.util.Collections.synchronizedList(new ArrayList<>());
                java.util.concurrent.atomic.AtomicReference<InetSocketAddress> source = new java.util.concurrent.atomic.AtomicReference<>();
                parley.setSoTimeout(500);
                java.util.concurrent.atomic.AtomicBoolean allSent = new java.util.concurrent.atomic.AtomicBoolean();
                Thread reader = Thread.ofPlatform().start(() -> {
                    byte[] buf = new byte[2048];
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    while (true) {
                        try {
                            parley.receive(p);
                            received.add(((buf[2] & 0xff) << 8) | (buf[3] & 0xff));
                            source.set((InetSocketAddress) p.getSocketAddress());
                        } catch (SocketTimeoutException quiet) {
                            // Once all is sent, 500 ms quiet means everything held (30 ms at most, plus jitter) has
                            // come. Before that, quiet is only the sender stalled (a loaded machine): keep reading.
                            if (allSent.get()) {
                                return;
                            }
                        } catch (java.io.IOException e) {
                            return;
                        }
                    }
                });
                for (int seq = 0; seq < 500; seq++) {
                    byte[] rtp = new byte[172];
                    rtp[0] = (byte) 0x80;
                    rtp[2] = (byte) (seq >> 8);
                    rtp[3] = (byte) seq;
                    peer.send(new DatagramPacket(rtp, rtp.length, outside));
                    if (seq % 20 == 19) {
                        // In bursts a socket buffer holds, as a 20 ms stream never fills it: the proxy has read
                        // this one, and the receiver what the proxy sent so far. A receiver starved of the CPU
                        // while the proxy sent many at once lost 64 of 468 to a full buffer in CI.
                        awaitArrived(proxy, seq + 1);
                        long sent = proxy.streams(true).getFirst().delivered();
                        Await.until("the receiver reading what the proxy sent", java.time.Duration.ofSeconds(2),
                                () -> received.size() >= sent);
                    }
                }
                allSent.set(true);
                reader.join(10_000);
                InetSocketAddress from = source.get();
                assertThat(from).as("packets come from the proxy's outside address, as through a NAT").isEqualTo(outside);
                parley.send(new DatagramPacket("back".getBytes(), 4, from));
                peer.setSoTimeout(2000);
                DatagramPacket reply = new DatagramPacket(new byte[16], 16);
                peer.receive(reply);
                return new Run(List.copyOf(received), proxy.streams(true).getFirst(), new String(reply.getData(), 0, reply.getLength()));
            } catch (java.io.UncheckedIOException | java.net.BindException e) {
                if (attempt == 5) {
                    throw e; // ports keep being taken: something else is wrong
                }
            }
        }
    }

    static void awaitArrived(ImpairmentProxy proxy, long n) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (proxy.streams(true).stream().mapToLong(ImpairmentProxy.Stream::arrived).sum() < n) {
            assertThat(System.nanoTime()).as("the proxy read the burst within 2 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void itsRecordIsWhatTheReceiverGot() throws Exception {
        Run r = run();
        ImpairmentProxy.Stream s = r.stream();
        assertThat(s.arrived()).isEqualTo(500);
        assertThat(s.dropped()).as("about 10 %").isBetween(25L, 80L);
        assertThat(s.copied()).as("about 5 %").isBetween(8L, 45L);
        assertThat(s.heldBack()).as("about 10 % of those kept").isBetween(20L, 80L);
        assertThat(r.received()).hasSize((int) (500 - s.dropped() + s.copied())).hasSize((int) s.delivered());

        // Its expectations, worked out here from what arrived.
        ImpairmentProxy.Expected e = s.expected();
        long distinct = r.received().stream().distinct().count();
        int lowest = r.received().stream().min(Integer::compare).orElseThrow();
        int highest = r.received().stream().max(Integer::compare).orElseThrow();
        assertThat(e.duplicates()).isEqualTo(r.received().size() - distinct).isEqualTo(s.copied());
        assertThat(e.lost()).isEqualTo(highest - lowest + 1 - distinct).isLessThanOrEqualTo(s.dropped());
        long overtaken = 0;
        int max = -1;
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int seq : r.received()) {
            if (seen.add(seq) && seq < max) {
                overtaken++;
            }
            max = Math.max(max, seq);
        }
        assertThat(e.overtaken()).isEqualTo(overtaken).isPositive();
        assertThat(r.reply()).as("what the inside sends goes back to the outside sender").isEqualTo("back");
    }

    @Test
    void theSameSeedGivesTheSameFates() throws Exception {
        Run a = run();
        Run b = run();
        assertThat(List.of(b.stream().dropped(), b.stream().copied(), b.stream().heldBack()))
                .isEqualTo(List.of(a.stream().dropped(), a.stream().copied(), a.stream().heldBack()));
        assertThat(b.received().stream().sorted().toList()).as("the same packets, the same copies")
                .isEqualTo(a.received().stream().sorted().toList());
    }
}
