package dev.parley.media;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One call's audio over RTP, on the socket opened for its SDP offer.
 *
 * <p>Receiving runs on its own virtual thread: packets of the negotiated codec are decoded into an
 * adaptive {@link JitterBuffer}, which a playout thread drains every 20 ms onto the caller's track;
 * RFC 4733 telephone events become digits (once per event, at its end). Audio goes
 * back to wherever the peer's packets come from once one has arrived (symmetric RTP, for peers behind
 * NAT), else to the address in its SDP.
 *
 * <p>Sending is paced: {@link #play} sends one 20 ms frame (160 samples) per tick of a schedule
 * fixed at its start, so a late wake-up is caught up rather than drifting. The recording holds
 * both sides on one timeline from the answer: the caller left, Parley right.
 */
public final class RtpSession implements AutoCloseable {
    private static final int FRAME = 160;
    private static final long FRAME_NANOS = 20_000_000L;

    /** Counters shared by every session of a node: what the metrics show. */
    public record Stats(java.util.concurrent.atomic.LongAdder in, java.util.concurrent.atomic.LongAdder out,
                        java.util.concurrent.atomic.LongAdder lost, java.util.concurrent.atomic.LongAdder late) {
        public static Stats create() {
            return new Stats(new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder(),
                    new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder());
        }
    }

    private final DatagramSocket socket;
    private final SdpAnswer answer;
    private final Stats stats;
    private final Consumer<Character> digits;
    private final long startNanos = System.nanoTime();
    private final long ssrc = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
    private final Track caller = new Track();
    private final JitterBuffer jitter = new JitterBuffer();
    private final Thread playout;
    private final Track parley = new Track();
    private final Thread receiver;
    private volatile InetSocketAddress remote;
    private volatile boolean latched;
    private volatile boolean closed;
    private int sequence = ThreadLocalRandom.current().nextInt(65536);
    private long timestamp = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
    private long packetsIn;
    private long packetsOut;

    public RtpSession(DatagramSocket socket, SdpAnswer answer, Consumer<Character> digits, Stats stats) {
        this.stats = stats;
        this.socket = socket;
        this.answer = answer;
        this.digits = digits;
        this.remote = answer.remote();
        this.receiver = Thread.ofVirtual().name("rtp-in").start(this::receive);
        this.playout = Thread.ofVirtual().name("rtp-playout").start(this::playout);
    }

    private void receive() {
        byte[] buf = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        long lastEventTimestamp = -1;
        int highest = -1;
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
            packetsIn++;
            stats.in().increment();
            int seq = rtp.sequence();
            if (highest >= 0) {
                int ahead = (seq - highest) & 0xffff;
                if (ahead == 0 || ahead > 0x8000) {
                    stats.late().increment(); // behind the newest: reordered or duplicated
                } else {
                    if (ahead > 1) {
                        stats.lost().add(ahead - 1);
                    }
                    highest = seq;
                }
            } else {
                highest = seq;
            }
            if (rtp.payloadType() == answer.payloadType()) {
                int n = rtp.payloadLength();
                short[] pcm = new short[n];
                for (int i = 0; i < n; i++) {
                    byte b = buf[rtp.payloadOffset() + i];
                    pcm[i] = answer.payloadType() == SdpAnswer.PCMU ? G711.decodeUlaw(b) : G711.decodeAlaw(b);
                }
                synchronized (jitter) {
                    jitter.offer(rtp.sequence(), rtp.timestamp(), pcm, System.nanoTime());
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

    /** Every 20 ms, the caller's next frame out of the jitter buffer onto the recording's timeline. */
    private void playout() {
        long next = System.nanoTime();
        while (!closed) {
            next += FRAME_NANOS;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            short[] frame;
            synchronized (jitter) {
                frame = jitter.poll();
            }
            if (frame != null) {
                caller.write(sampleNow(), frame, frame.length);
            }
        }
    }

    /** Plays audio to the far end in real time; returns when it has all been sent (or the session closed). */
    public void play(short[] pcm) {
        byte[] out = new byte[RtpPacket.HEADER + FRAME];
        long next = System.nanoTime();
        for (int offset = 0; offset < pcm.length && !closed; offset += FRAME) {
            int n = Math.min(FRAME, pcm.length - offset);
            short[] frame = Arrays.copyOfRange(pcm, offset, offset + FRAME); // the last one padded with silence
            RtpPacket.writeHeader(out, answer.payloadType(), offset == 0, sequence, timestamp, ssrc);
            for (int i = 0; i < FRAME; i++) {
                out[RtpPacket.HEADER + i] = answer.payloadType() == SdpAnswer.PCMU ? G711.encodeUlaw(frame[i]) : G711.encodeAlaw(frame[i]);
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            parley.write(sampleNow(), frame, n);
            try {
                socket.send(new DatagramPacket(out, out.length, remote));
                packetsOut++;
                stats.out().increment();
            } catch (IOException e) {
                // a lost packet is a lost packet: keep time
            }
            sequence = (sequence + 1) & 0xffff;
            timestamp = (timestamp + FRAME) & 0xffffffffL;
            next += FRAME_NANOS;
        }
    }

    private int sampleNow() {
        return (int) ((System.nanoTime() - startNanos) / 125_000L); // 8 kHz: one sample per 125 us
    }

    public long packetsIn() {
        return packetsIn;
    }

    public long packetsOut() {
        return packetsOut;
    }

    /** The stereo recording so far: caller left, Parley right. */
    public void writeRecording(OutputStream out) throws IOException {
        synchronized (caller) {
            synchronized (parley) {
                Wav.writeStereo8k(out, caller.samples, caller.length, parley.samples, parley.length);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            receiver.join(1000);
            playout.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One side of the recording, on the shared timeline; gaps stay silent. */
    private static final class Track {
        private short[] samples = new short[8000 * 10];
        private int length;

        synchronized void write(int at, short[] pcm, int n) {
            int end = at + n;
            if (end > samples.length) {
                samples = Arrays.copyOf(samples, Math.max(end, samples.length * 2));
            }
            System.arraycopy(pcm, 0, samples, at, n);
            length = Math.max(length, end);
        }
    }
}
