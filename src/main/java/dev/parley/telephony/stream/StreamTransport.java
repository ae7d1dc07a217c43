package dev.parley.telephony.stream;

import dev.parley.media.G711;
import dev.parley.media.JitterBuffer;
import dev.parley.media.MediaTransport;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A call's media over a carrier's WebSocket stream: the bottom stage under the {@code Pacer}, beside
 * {@code RtpTransport}.
 *
 * <p>In: the socket's thread hands each {@code media} chunk (μ-law, 20 ms) to an adaptive
 * {@link JitterBuffer} keyed by the carrier's media counter, which puts Telnyx's out-of-order frames
 * back in order and absorbs the bunching of a TCP stream; {@link #receive} drains it one frame per
 * tick.
 *
 * <p>Out: each tick's frame becomes one {@code media} message, with a mark every few frames
 * ({@link PlayedMarks}), which is how {@link #unplayedSamples} knows what the callee has heard.
 * Silence is not sent once everything audible has played: the far end plays silence when it has
 * nothing, and an empty buffer there is the least delay for the next reply. Sending never blocks the
 * media clock: messages go to the socket's own queue, and when more than {@link #MAX_IN_FLIGHT} are
 * unwritten (a slow or stalled carrier connection) audio frames are dropped and counted instead.
 * Marks and clears are never dropped: the accounting depends on them.
 *
 * <p>Neither carrier takes keys on the stream (Twilio and Telnyx send digits through their REST
 * APIs), so {@link #sendDigits} says no.
 */
final class StreamTransport implements MediaTransport {
    /** One second of audio waiting to be written: beyond it the carrier is not keeping up. */
    static final int MAX_IN_FLIGHT = 50;
    private static final int FRAME = 160;

    private final StreamSocket socket;
    private final String prefix;
    private final CarrierStreams.Stats stats;
    private final LongSupplier nanos;
    private final JitterBuffer jitter = new JitterBuffer();
    private final PlayedMarks marks = new PlayedMarks();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Runnable written = inFlight::decrementAndGet;
    private final byte[] ulaw = new byte[FRAME];
    private volatile boolean closed;

    StreamTransport(StreamSocket socket, String prefix, CarrierStreams.Stats stats, LongSupplier nanos) {
        this.socket = socket;
        this.prefix = prefix;
        this.stats = stats;
        this.nanos = nanos;
    }

    /** The carrier's audio, on the socket's thread. */
    void media(long order, byte[] payload) {
        short[] pcm = new short[FRAME];
        int n = Math.min(FRAME, payload.length);
        for (int i = 0; i < n; i++) {
            pcm[i] = G711.decodeUlaw(payload[i]);
        }
        stats.in().increment();
        synchronized (jitter) {
            jitter.offer((int) (order & 0xffff), order * FRAME, pcm, nanos.getAsLong());
        }
    }

    /** A mark came back, on the socket's thread. */
    synchronized void echoed(String name) {
        marks.echoed(name, nanos.getAsLong());
    }

    @Override
    public short[] receive() {
        synchronized (jitter) {
            return jitter.poll();
        }
    }

    /** Whole under the lock, so a clear from the conversation's thread never lands between a frame and its mark. */
    @Override
    public synchronized void send(short[] frame) {
        if (closed) {
            return;
        }
        boolean audible = !silent(frame);
        if (!audible && marks.idle()) {
            stats.silenceSkipped().increment();
            return;
        }
        if (inFlight.get() >= MAX_IN_FLIGHT) {
            stats.dropped().increment();
            return;
        }
        String mark = marks.sent(audible, nanos.getAsLong());
        for (int i = 0; i < FRAME; i++) {
            ulaw[i] = G711.encodeUlaw(i < frame.length ? frame[i] : 0);
        }
        write(Wire.media(prefix, Base64.getEncoder().encodeToString(ulaw)));
        stats.out().increment();
        if (mark != null) {
            write(Wire.mark(prefix, mark));
        }
    }

    private void write(String text) {
        inFlight.incrementAndGet();
        socket.send(text, written);
    }

    private static boolean silent(short[] frame) {
        for (short s : frame) {
            if (s != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean sendDigits(String digits) {
        return false;
    }

    /** Barge-in: the carrier drops what it holds; the marks it echoes for that audio are stale from now on. */
    /** Barge-in: the carrier drops what it holds; the marks it echoes for that audio are stale from now on. */
    @Override
    public synchronized void clear() {
        if (closed) {
            return;
        }
        marks.cleared(nanos.getAsLong());
        write(Wire.clear(prefix));
    }

    @Override
    public synchronized long unplayedSamples() {
        return marks.unplayedSamples(nanos.getAsLong());
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            socket.close(StreamSocket.NORMAL, "call ended");
        }
    }
}
