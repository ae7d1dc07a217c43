package dev.parley.media;

import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A call's 20 ms clock, and what the conversation sees of its media.
 *
 * <p>One virtual thread ticks on a schedule fixed at its start (a late wake-up is caught up rather
 * than drifting). Each tick takes the caller's frame from the {@link MediaTransport} (silence when
 * none is due) onto the {@link Recorder} and to the {@link AudioSink}; once the call is answered,
 * it then asks the {@link AudioSource} for Parley's frame and sends it, <b>or silence when the
 * source has nothing</b>: a telephony endpoint sends a packet every 20 ms for the whole call.
 * Carriers and SBCs hang up calls whose media stops, NAT bindings close, and the far end's jitter
 * buffer sees the gap as a jump.
 *
 * <p>One clock for both directions is what lets the conversation stop speaking "at the next
 * frame", and measure barge-in on the same timeline as the recording. Before the answer (early
 * media) the pacer only listens: nothing is sent until {@link #answered()}.
 */
public final class Pacer implements CallAudio, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pacer.class);
    static final int FRAME = 160;
    private static final long FRAME_NANOS = 20_000_000L;
    private static final short[] SILENCE = new short[FRAME];

    private final MediaTransport transport;
    private final Recorder recorder;
    private final long startNanos = System.nanoTime();
    private final Thread clock;
    private volatile AudioSink sink;
    private volatile AudioSource source;
    private volatile boolean sending;
    private volatile boolean closed;

    /** Starts the clock at once, listening only. */
    public Pacer(MediaTransport transport, Recorder recorder) {
        this(transport, recorder, true);
    }

    /** @param clocked false for tests that call {@link #tick(long)} themselves */
    Pacer(MediaTransport transport, Recorder recorder, boolean clocked) {
        this.transport = transport;
        this.recorder = recorder;
        this.clock = clocked ? Thread.ofVirtual().name("media-clock").start(this::run) : null;
    }

    /** The call was answered: from the next tick on, a frame goes out on every tick. */
    public void answered() {
        sending = true;
    }

    private void run() {
        long next = System.nanoTime();
        while (!closed) {
            next += FRAME_NANOS;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!closed) {
                tick(sampleNow());
            }
        }
    }

    /** One tick at {@code at} on the media timeline: a frame in, and once answered, a frame out. */
    void tick(long at) {
        short[] heard = transport.receive();
        if (heard != null) {
            recorder.caller(at, heard);
        }
        AudioSink s = sink;
        if (s != null) {
            try {
                s.frame(heard != null ? heard : SILENCE, at);
            } catch (RuntimeException e) {
                log.warn("The caller's audio could not be taken", e);
            }
        }
        if (sending) {
            short[] said = next();
            if (said != null) {
                recorder.parley(at, said, Math.min(said.length, FRAME));
            }
            transport.send(said != null ? said : SILENCE);
        }
    }

    private short[] next() {
        AudioSource src = source;
        if (src == null) {
            return null;
        }
        try {
            return src.poll();
        } catch (RuntimeException e) {
            log.warn("Parley's audio could not be produced", e);
            return null;
        }
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
    public boolean sendDigits(String digits) {
        return transport.sendDigits(digits);
    }

    @Override
    public void clear() {
        transport.clear();
    }

    @Override
    public long unplayedSamples() {
        return transport.unplayedSamples();
    }

    @Override
    public long sampleNow() {
        return (System.nanoTime() - startNanos) / 125_000L; // 8 kHz: one sample per 125 us
    }

    /** Stops the clock (the transport is closed by its owner). */
    @Override
    public void close() {
        closed = true;
        if (clock == null) {
            return;
        }
        LockSupport.unpark(clock);
        try {
            clock.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
