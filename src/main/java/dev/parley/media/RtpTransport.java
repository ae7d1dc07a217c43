package dev.parley.media;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A call's media over RTP (RFC 3550), on the socket opened for its SDP offer: the bottom stage
 * under the {@link Pacer}.
 *
 * <p>Receiving runs on its own virtual thread: packets of the negotiated codec are decoded into an
 * adaptive {@link JitterBuffer}, which {@link #receive} drains one frame per tick; RFC 4733
 * telephone events become digits (once per event, at its end). Audio goes back to wherever the
 * peer's packets come from once one has arrived (symmetric RTP, for peers behind NAT), else to the
 * address in its SDP.
 *
 * <p>Sending is the pacer's: one G.711 packet per tick with sequence numbers and timestamps that
 * only ever grow by one packet and 160 samples, the marker on the first. A key to send takes the
 * place of audio for its RFC 4733 event's packets. What is sent is played at once, so there is
 * nothing to {@link #clear()}.
 */
public final class RtpTransport implements MediaTransport {
    private static final int FRAME = Pacer.FRAME;

    /**
     * Counters shared by every call of a node: what the metrics show. {@code in} counts every RTP
     * packet received; of those, {@code duplicate} ones were dropped as copies and {@code late} ones
     * came after their playout slot ({@link JitterBuffer}); {@code lost} counts sequence numbers
     * that never came ({@link Arrivals}). A packet the network only reordered is neither.
     */
    public record Stats(LongAdder in, LongAdder out, LongAdder lost, LongAdder late, LongAdder duplicate) {
        public static Stats create() {
            return new Stats(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    private final DatagramSocket socket;
    private final SdpAnswer answer;
    private final Stats stats;
    private final Consumer<Character> digits;
    private final long ssrc = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
    private final JitterBuffer jitter = new JitterBuffer();
    private final Arrivals arrivals; // the receiver's
    private final Thread receiver;
    private final ConcurrentLinkedQueue<Character> digitsOut = new ConcurrentLinkedQueue<>();
    private volatile InetSocketAddress remote;
    private volatile boolean latched;
    private volatile boolean closed;
    // Owned by the pacer's thread.
    private final byte[] out = new byte[RtpPacket.HEADER + FRAME];
    private int sequence = ThreadLocalRandom.current().nextInt(65536);
    private long timestamp = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
    private boolean first = true;
    private DtmfEvent dtmf;

    public RtpTransport(DatagramSocket socket, SdpAnswer answer, Consumer<Character> digits, Stats stats) {
        this.stats = stats;
        this.socket = socket;
        this.answer = answer;
        this.digits = digits;
        this.remote = answer.remote();
        this.arrivals = new Arrivals(stats.lost());
        this.receiver = Thread.ofVirtual().name("rtp-in").start(this::receiveLoop);
    }

    private void receiveLoop() {
        byte[] buf = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        long lastEventTimestamp = -1;
        while (!closed) {
            try {
                socket.receive(packet);
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                continue;
            }
            RtpPacket rtp = RtpPacket.parse(buf, packet.getLength());
            if (rtp == null) {
                continue;
            }
            if (!latched) {
                remote = (InetSocketAddress) packet.getSocketAddress();
                latched = true;
            }
            stats.in().increment();
            Arrivals.Kind kind = arrivals.arrive(rtp.sequence());
            if (kind == Arrivals.Kind.DUPLICATE) {
                stats.duplicate().increment();
                continue;
            }
            if (kind == Arrivals.Kind.TOO_OLD) {
                continue; // already counted lost
            }
            if (rtp.payloadType() == answer.payloadType()) {
                int n = rtp.payloadLength();
                short[] pcm = new short[n];
                for (int i = 0; i < n; i++) {
                    byte b = buf[rtp.payloadOffset() + i];
                    pcm[i] = answer.payloadType() == SdpAnswer.PCMU ? G711.decodeUlaw(b) : G711.decodeAlaw(b);
                }
                boolean inTime;
                synchronized (jitter) {
                    inTime = jitter.offer(rtp.sequence(), rtp.timestamp(), pcm, System.nanoTime());
                }
                if (!inTime) {
                    stats.late().increment();
                }
            } else if (rtp.payloadType() == answer.telephoneEvent() && rtp.payloadLength() >= 4) {
                int event = buf[rtp.payloadOffset()] & 0xff;
                boolean end = (buf[rtp.payloadOffset() + 1] & 0x80) != 0;
                if (end && rtp.timestamp() != lastEventTimestamp) {
                    lastEventTimestamp = rtp.timestamp(); // the end packet is sent three times
                    digits.accept("0123456789*#ABCD".charAt(Math.min(event, 15)));
                }
            }
        }
    }

    @Override
    public short[] receive() {
        synchronized (jitter) {
            return jitter.poll();
        }
    }

    @Override
    public void send(short[] frame) {
        if (dtmf == null && !digitsOut.isEmpty() && answer.telephoneEvent() >= 0) {
            dtmf = new DtmfEvent(digitsOut.poll(), timestamp);
        }
        int length = 0;
        if (dtmf != null) {
            length = dtmf.write(out, answer.telephoneEvent(), sequence, ssrc);
            if (dtmf.done()) {
                dtmf = null;
            }
        }
        if (length == 0) {
            length = audio(frame); // no event packet this tick (none, or the quiet after a key): audio
        }
        transmit(length);
        // The RTP clock runs on every tick (RFC 3550 5.1: the sampling instant).
        timestamp = (timestamp + FRAME) & 0xffffffffL;
    }

    private int audio(short[] frame) {
        RtpPacket.writeHeader(out, answer.payloadType(), first, sequence, timestamp, ssrc);
        first = false;
        boolean ulaw = answer.payloadType() == SdpAnswer.PCMU;
        for (int i = 0; i < FRAME; i++) {
            short sample = i < frame.length ? frame[i] : 0;
            out[RtpPacket.HEADER + i] = ulaw ? G711.encodeUlaw(sample) : G711.encodeAlaw(sample);
        }
        return out.length;
    }

    private void transmit(int length) {
        try {
            socket.send(new DatagramPacket(out, length, remote));
            stats.out().increment();
        } catch (IOException e) {
            // a lost packet is a lost packet: keep time
        }
        sequence = (sequence + 1) & 0xffff;
    }

    @Override
    public boolean sendDigits(String keys) {
        if (answer.telephoneEvent() < 0) {
            return false;
        }
        for (char c : keys.toCharArray()) {
            if (DtmfEvent.code(c) >= 0) {
                digitsOut.add(c);
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            if (receiver.join(java.time.Duration.ofSeconds(1))) {
                arrivals.finish(); // the receiver is done with it: what never came is lost
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
