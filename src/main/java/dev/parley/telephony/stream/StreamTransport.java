package dev.parley.telephony.stream;

import dev.parley.media.G711;
import dev.parley.media.JitterBuffer;
import dev.parley.media.MediaTransport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A call's media over a carrier's (or a browser's) WebSocket stream: the bottom stage under the
 * {@code Pacer}, beside {@code RtpTransport}. A browser's audio is binary PCM instead of base64
 * μ-law in JSON ({@link Wire#binaryAudio}); everything else is the same.
 *
 * <p>In: the socket's thread puts each {@code media} chunk (μ-law, 20 ms) back in the carrier's
 * order ({@link Reorder}: Telnyx's frames may arrive out of order) and into an adaptive
 * {@link JitterBuffer}, which absorbs the bunching of a TCP stream; {@link #receive} drains it one
 * frame per tick.
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
    private final Wire wire;
    private final String prefix;
    private final CarrierStreams.Stats stats;
    private final LongSupplier nanos;
    private final Reorder reorder = new Reorder();
    private final JitterBuffer jitter = new JitterBuffer();
    private final PlayedMarks marks = new PlayedMarks();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Runnable written = inFlight::decrementAndGet;
    private final byte[] ulaw = new byte[FRAME];
    private volatile boolean closed;

    StreamTransport(StreamSocket socket, Wire wire, String prefix, CarrierStreams.Stats stats, LongSupplier nanos) {
        this.socket = socket;
        this.wire = wire;
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
        reorder.offer(order, pcm, this::inOrder);
    }

    /** A browser's audio, on the socket's thread: one frame of 16-bit little-endian PCM, in order (one TCP stream). */
    void pcm(long order, ByteBuffer payload) {
        short[] pcm = new short[FRAME];
        ByteBuffer le = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < FRAME && le.remaining() >= 2; i++) {
            pcm[i] = le.getShort();
        }
        stats.in().increment();
        inOrder(order, pcm);
    }

    private void inOrder(long order, short[] pcm) {
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
        if (wire.binaryAudio) {
            ByteBuffer pcm = ByteBuffer.allocate(FRAME * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < FRAME; i++) {
                pcm.putShort(i < frame.length ? frame[i] : 0);
            }
            inFlight.incrementAndGet();
            socket.send(pcm.flip(), written);
        } else {
            for (int i = 0; i < FRAME; i++) {
                ulaw[i] = G711.encodeUlaw(i < frame.length ? frame[i] : 0);
            }
            write(Wire.media(prefix, Base64.getEncoder().encodeToString(ulaw)));
        }
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

    /** Only a browser shows what was said; a carrier would take the message for an unknown event. */
    @Override
    public synchronized void said(String speaker, String text) {
        if (!closed && wire == Wire.WEB) {
            write(Wire.transcript(speaker, text));
        }
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
