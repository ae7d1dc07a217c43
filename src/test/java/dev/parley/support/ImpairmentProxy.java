package dev.parley.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bad network on loopback (there is no {@code tc netem} here), standing where a NAT would: for
 * each of its ports it binds {@code outside:port}, forwards what arrives there to
 * {@code inside:port}, and sends what {@code inside:port} sends back to whoever last sent from
 * outside. Parley behind it advertises the outside address ({@code sip.external.address}) in its
 * SDP and Contact, so a peer's RTP and in-dialog requests come through the proxy, and Parley's
 * symmetric RTP answers through it too. SIP ports are forwarded as they are; RTP ports are impaired
 * each way by an {@link Impairment}: loss, jitter, packets held back (reordering) and copies.
 *
 * <p>Every decision comes from a random generator seeded per port (its place in the range),
 * direction and {@link #reset()},
 * four draws per packet, so the n-th packet of a stream meets the same fate in every run. Each RTP stream ({@link Stream}: one port,
 * one direction) records what the proxy did to it and every packet it delivered, in delivery
 * order, from which the receiver's counts follow exactly ({@link Stream#expected}).
 */
public final class ImpairmentProxy implements AutoCloseable {

    /**
     * What a direction suffers, per packet: dropped with probability {@code loss}; otherwise
     * delayed by a uniform random 0..{@code jitterMs}, plus {@code holdMs} with probability
     * {@code reorder} (so later packets overtake it); and copied with probability
     * {@code duplicate}, the copy with a delay of its own.
     */
    public record Impairment(double loss, int jitterMs, double reorder, int holdMs, double duplicate, long seed) {
        public Impairment {
            for (double p : new double[] {loss, reorder, duplicate}) {
                if (p < 0 || p > 1) {
                    throw new IllegalArgumentException("probabilities are 0 to 1, got " + p);
                }
            }
            if (jitterMs < 0 || holdMs < 0) {
                throw new IllegalArgumentException("delays are 0 ms or more");
            }
        }

        public static Impairment none() {
            return new Impairment(0, 0, 0, 0, 0, 0);
        }

        @Override
        public String toString() {
            return "%.1f%% loss, %d ms jitter, %.1f%% held back %d ms, %.1f%% duplicated, seed %d"
                    .formatted(loss * 100, jitterMs, reorder * 100, holdMs, duplicate * 100, seed);
        }
    }

    /**
     * The receiver's counts that follow from what was delivered (see {@link Stream#expected}).
     *
     * @param received packets delivered (copies included)
     * @param lost sequence numbers between the lowest and highest delivered that were never delivered
     * @param duplicates deliveries of a sequence number already delivered
     * @param overtaken first deliveries of a number lower than one delivered before it: only these
     *     can be late for a playout buffer, and it hides those that still make their slot
     */
    public record Expected(long received, long lost, long duplicates, long overtaken) {
        public Expected plus(Expected o) {
            return new Expected(received + o.received, lost + o.lost, duplicates + o.duplicates, overtaken + o.overtaken);
        }
    }

    /** One RTP stream through the proxy: one port, one direction. */
    public static final class Stream {
        public final int port;
        public final boolean toInside;
        private final SplittableRandom random;
        private final Impairment impairment;
        private long arrived;
        private long dropped;
        private long heldBack;
        private long copied;
        private final List<Integer> deliveries = new ArrayList<>(); // sequence numbers, in delivery order
        private final List<Long> deliveredAt = new ArrayList<>();

        Stream(int port, int index, boolean toInside, Impairment impairment, long epoch) {
            this.port = port;
            this.toInside = toInside;
            this.impairment = impairment;
            this.random = new SplittableRandom(((impairment.seed() * 31 + epoch) * 65536 + index) * 2 + (toInside ? 1 : 0));
        }

        public synchronized long arrived() {
            return arrived;
        }

        public synchronized long dropped() {
            return dropped;
        }

        public synchronized long heldBack() {
            return heldBack;
        }

        public synchronized long copied() {
            return copied;
        }

        public synchronized long delivered() {
            return deliveries.size();
        }

        /** The longest time between two deliveries, ms: what the far side heard as a silence of the line. */
        public synchronized double maxGapMs() {
            long max = 0;
            for (int i = 1; i < deliveredAt.size(); i++) {
                max = Math.max(max, deliveredAt.get(i) - deliveredAt.get(i - 1));
            }
            return max / 1e6;
        }

        /** From the first delivery to the last, ms. */
        public synchronized double spanMs() {
            return deliveredAt.isEmpty() ? 0 : (deliveredAt.getLast() - deliveredAt.getFirst()) / 1e6;
        }

        /** The receiver's counts had it read everything delivered. */
        public synchronized Expected expected() {
            return expected(deliveries.size());
        }

        /**
         * The receiver's counts had it read the first {@code received} deliveries (loopback keeps
         * their order; a receiver that closed its socket missed the rest).
         */
        public synchronized Expected expected(long received) {
            int n = (int) Math.min(received, deliveries.size());
            java.util.Set<Long> seen = new java.util.HashSet<>();
            long highest = Long.MIN_VALUE;
            long lowest = Long.MAX_VALUE;
            long duplicates = 0;
            long overtaken = 0;
            for (int i = 0; i < n; i++) {
                int seq16 = deliveries.get(i);
                long seq = highest == Long.MIN_VALUE ? seq16 : unwrap(seq16, highest);
                if (!seen.add(seq)) {
                    duplicates++;
                    continue;
                }
                if (seq < highest) {
                    overtaken++;
                }
                highest = Math.max(highest, seq);
                lowest = Math.min(lowest, seq);
            }
            long lost = seen.isEmpty() ? 0 : highest - lowest + 1 - seen.size();
            return new Expected(n, lost, duplicates, overtaken);
        }

        private static long unwrap(int seq16, long highest) {
            long candidate = (highest & ~0xffffL) | seq16;
            if (candidate < highest - 0x8000) {
                candidate += 0x10000;
            } else if (candidate > highest + 0x8000) {
                candidate -= 0x10000;
            }
            return candidate;
        }

        /** Decides one packet's fate: the delays (ns) of its deliveries, none if dropped. */
        synchronized long[] fate() {
            arrived++;
            // Four draws per packet whatever the branches, so packet k's fate depends only on k.
            double lose = random.nextDouble();
            double hold = random.nextDouble();
            double copy = random.nextDouble();
            long[] delays = {delay(), delay()};
            if (lose < impairment.loss()) {
                dropped++;
                return new long[0];
            }
            if (hold < impairment.reorder()) {
                heldBack++;
                delays[0] += impairment.holdMs() * 1_000_000L;
            }
            if (copy < impairment.duplicate()) {
                copied++;
                return delays;
            }
            return new long[] {delays[0]};
        }

        private long delay() {
            return random.nextLong(impairment.jitterMs() * 1_000_000L + 1);
        }

        synchronized void delivered(int seq16, long nanos) {
            deliveries.add(seq16);
            deliveredAt.add(nanos);
        }
    }

    private record Pending(DatagramSocket socket, byte[] data, InetSocketAddress to, long due, long order, Stream stream, int seq)
            implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Pending p = (Pending) o;
            int c = Long.compare(due, p.due);
            return c != 0 ? c : Long.compare(order, p.order);
        }
    }

    /** An RTP port's two streams, replaced by {@link #reset()}. */
    private record Streams(Stream in, Stream out) {}

    private final InetAddress inside;
    private final int rtpFirst;
    private final Impairment toInside;
    private final Impairment toOutside;
    private final List<DatagramSocket> sockets = new ArrayList<>();
    private final java.util.Map<Integer, Streams> streams = new java.util.concurrent.ConcurrentHashMap<>();
    private final DelayQueue<Pending> queue = new DelayQueue<>();
    private final AtomicLong order = new AtomicLong();
    private final AtomicLong epoch = new AtomicLong();
    private final Thread sender;
    private volatile boolean closed;

    /**
     * Binds {@code outside} on {@code plainPorts} (forwarded as they are) and on the even ports of
     * {@code rtpFirst..rtpLast} (impaired: {@code toInside} on the way in, {@code toOutside} on the
     * way out). Fails if a port is taken on the outside address.
     */
    public static ImpairmentProxy start(InetAddress outside, InetAddress inside, List<Integer> plainPorts,
                                        int rtpFirst, int rtpLast, Impairment toInside, Impairment toOutside) {
        ImpairmentProxy proxy = new ImpairmentProxy(inside, rtpFirst + (rtpFirst & 1), toInside, toOutside);
        try {
            for (int port : plainPorts) {
                proxy.bind(outside, port, false);
            }
            for (int port = rtpFirst + (rtpFirst & 1); port <= rtpLast; port += 2) {
                proxy.bind(outside, port, true);
            }
        } catch (IOException e) {
            proxy.close();
            throw new UncheckedIOException("the proxy could not bind " + outside.getHostAddress() + ": " + e.getMessage(), e);
        }
        return proxy;
    }

    private ImpairmentProxy(InetAddress inside, int rtpFirst, Impairment toInside, Impairment toOutside) {
        this.inside = inside;
        this.rtpFirst = rtpFirst;
        this.toInside = toInside;
        this.toOutside = toOutside;
        this.sender = Thread.ofPlatform().daemon().name("impairment-proxy-send").start(this::sendLoop);
    }

    private void bind(InetAddress outside, int port, boolean impaired) throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(outside, port));
        socket.setReceiveBufferSize(1 << 20); // a burst must not be lost here, uncounted
        sockets.add(socket);
        if (impaired) {
            streams.put(port, fresh(port));
        }
        InetSocketAddress insideAddress = new InetSocketAddress(inside, port);
        Thread.ofVirtual().name("impairment-proxy-" + port).start(() -> receiveLoop(socket, insideAddress));
    }

    private Streams fresh(int port) {
        long e = epoch.get();
        int index = (port - rtpFirst) / 2; // not the port itself: ranges differ between runs, fates must not
        return new Streams(new Stream(port, index, true, toInside, e), new Stream(port, index, false, toOutside, e));
    }

    private void receiveLoop(DatagramSocket socket, InetSocketAddress insideAddress) {
        int port = insideAddress.getPort();
        byte[] buf = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        InetSocketAddress peer = null;
        while (!closed) {
            try {
                socket.receive(packet);
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                continue;
            }
            InetSocketAddress from = (InetSocketAddress) packet.getSocketAddress();
            boolean fromInside = from.equals(insideAddress);
            InetSocketAddress to;
            if (fromInside) {
                to = peer;
                if (to == null) {
                    continue; // nobody outside has spoken on this port yet
                }
            } else {
                peer = from;
                to = insideAddress;
            }
            byte[] data = java.util.Arrays.copyOf(buf, packet.getLength());
            Streams pair = streams.get(port);
            Stream stream = pair == null ? null : fromInside ? pair.out() : pair.in();
            boolean rtp = data.length >= 12 && (data[0] & 0xc0) == 0x80;
            if (stream == null || !rtp) {
                send(socket, data, to);
                continue;
            }
            int seq = ((data[2] & 0xff) << 8) | (data[3] & 0xff);
            long now = System.nanoTime();
            for (long delay : stream.fate()) {
                queue.add(new Pending(socket, data, to, now + delay, order.incrementAndGet(), stream, seq));
            }
        }
    }

    private void sendLoop() {
        while (!closed) {
            Pending p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            send(p.socket(), p.data(), p.to());
            p.stream().delivered(p.seq(), System.nanoTime());
        }
    }

    private static void send(DatagramSocket socket, byte[] data, InetSocketAddress to) {
        try {
            socket.send(new DatagramPacket(data, data.length, to));
        } catch (IOException e) {
            // the far socket may be gone at the end of a call: a packet lost like any other
        }
    }

    /** The RTP streams that carried packets since the start or the last {@link #reset()}, into Parley or out of it. */
    public List<Stream> streams(boolean toInside) {
        return streams.values().stream().map(p -> toInside ? p.in() : p.out()).filter(s -> s.arrived() > 0)
                .sorted(java.util.Comparator.comparingInt(s -> s.port)).toList();
    }

    /**
     * Starts every stream's record afresh (between calls), with fates drawn from the seed and the
     * number of resets: the n-th call of a run meets the same network in every run.
     */
    public void reset() {
        epoch.incrementAndGet();
        streams.replaceAll((port, old) -> fresh(port));
    }

    @Override
    public String toString() {
        return "inward " + toInside + "; outward " + toOutside;
    }

    @Override
    public void close() {
        closed = true;
        sockets.forEach(DatagramSocket::close);
        sender.interrupt();
    }
}
