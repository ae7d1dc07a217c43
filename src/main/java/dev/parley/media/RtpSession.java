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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call's audio over RTP, on the socket opened for its SDP offer.
 *
 * <p>Receiving runs on its own virtual thread: packets of the negotiated codec are decoded into an
 * adaptive {@link JitterBuffer}; RFC 4733 telephone events become digits (once per event, at its
 * end). Audio goes back to wherever the peer's packets come from once one has arrived (symmetric
 * RTP, for peers behind NAT), else to the address in its SDP.
 *
 * <p>Everything else runs on one media clock, a virtual thread ticking every 20 ms on a schedule
 * fixed at its start (a late wake-up is caught up rather than drifting). Each tick takes the
 * caller's next frame out of the jitter buffer (silence when none is due) onto the recording and to
 * the {@link AudioSink}, then asks the {@link AudioSource} for Parley's next frame and sends it,
 * or a queued DTMF event packet. One clock for both directions is what lets the conversation stop
 * speaking "at the next frame" and measure barge-in on the same timeline as the recording: the
 * caller left, Parley right, from the answer.
 */
public final class RtpSession implements AutoCloseable, CallAudio {
    private static final Logger log = LoggerFactory.getLogger(RtpSession.class);
    private static final int FRAME = 160;
    private static final long FRAME_NANOS = 20_000_000L;
    private static final short[] SILENCE = new short[FRAME];

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
    private final Track parley = new Track();
    private final Thread receiver;
    private final Thread clock;
    private final java.util.concurrent.ConcurrentLinkedQueue<Character> digitsOut = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile AudioSink sink;
    private volatile AudioSource source;
    private volatile InetSocketAddress remote;
    private volatile boolean latched;
    private volatile boolean closed;
    // Owned by the clock thread.
    private final byte[] out = new byte[RtpPacket.HEADER + FRAME];
    private int sequence = ThreadLocalRandom.current().nextInt(65536);
    private long timestamp = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
    private boolean talking;
    private DtmfEvent dtmf;

    public RtpSession(DatagramSocket socket, SdpAnswer answer, Consumer<Character> digits, Stats stats) {
        this.stats = stats;
        this.socket = socket;
        this.answer = answer;
        this.digits = digits;
        this.remote = answer.remote();
        this.receiver = Thread.ofVirtual().name("rtp-in").start(this::receive);
        this.clock = Thread.ofVirtual().name("rtp-clock").start(this::tick);
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

    private void tick() {
        long next = System.nanoTime();
        while (!closed) {
            next += FRAME_NANOS;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long at = sampleNow();
            short[] heard;
            synchronized (jitter) {
                heard = jitter.poll();
            }
            if (heard != null) {
                caller.write((int) at, heard, heard.length);
            }
            AudioSink s = sink;
            if (s != null) {
                try {
                    s.frame(heard != null ? heard : SILENCE, at);
                } catch (RuntimeException e) {
                    log.warn("The caller's audio could not be taken", e);
                }
            }
            send(at);
            // The RTP clock runs whether or not we talk (RFC 3550 5.1: the sampling instant).
            timestamp = (timestamp + FRAME) & 0xffffffffL;
        }
    }

    private void send(long at) {
        if (dtmf == null && !digitsOut.isEmpty() && answer.telephoneEvent() >= 0) {
            dtmf = new DtmfEvent(digitsOut.poll(), timestamp);
        }
        if (dtmf != null) {
            int length = dtmf.write(out, answer.telephoneEvent(), sequence, ssrc);
            if (length > 0) {
                transmit(length);
            }
            if (dtmf.done()) {
                dtmf = null;
            }
            return;
        }
        AudioSource src = source;
        short[] frame = null;
        if (src != null) {
            try {
                frame = src.poll();
            } catch (RuntimeException e) {
                log.warn("Parley's audio could not be produced", e);
            }
        }
        if (frame == null) {
            talking = false;
            return;
        }
        RtpPacket.writeHeader(out, answer.payloadType(), !talking, sequence, timestamp, ssrc);
        talking = true;
        boolean ulaw = answer.payloadType() == SdpAnswer.PCMU;
        for (int i = 0; i < FRAME; i++) {
            short sample = i < frame.length ? frame[i] : 0;
            out[RtpPacket.HEADER + i] = ulaw ? G711.encodeUlaw(sample) : G711.encodeAlaw(sample);
        }
        parley.write((int) at, frame, Math.min(frame.length, FRAME));
        transmit(out.length);
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
    public void listen(AudioSink sink) {
        this.sink = sink;
    }

    @Override
    public void speak(AudioSource source) {
        this.source = source;
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
    public long sampleNow() {
        return (System.nanoTime() - startNanos) / 125_000L; // 8 kHz: one sample per 125 us
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
            clock.join(1000);
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
