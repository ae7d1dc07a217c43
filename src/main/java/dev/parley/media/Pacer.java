package dev.parley.media;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A call's media on the 20 ms clock, and what the conversation sees of it.
 *
 * <p>The node's {@link MediaClock} ticks every call's pacer, in two halves. Once the call is
 * answered, the outgoing half asks the {@link AudioSource} for Parley's frame and sends it, <b>or
 * silence when the source has nothing</b>: a telephony endpoint sends a packet every 20 ms for the
 * whole call (carriers and SBCs hang up calls whose media stops, NAT bindings close, and the far
 * end's jitter buffer sees a gap as a jump). The incoming half takes the caller's frame from the
 * {@link MediaTransport} (silence when none is due) onto the {@link Recorder} and to the
 * {@link AudioSink}.
 *
 * <p>One clock for both directions is what lets the conversation stop speaking "at the next
 * frame", and measure barge-in on the same timeline as the recording. Before the answer (early
 * media) the pacer only listens: nothing is sent until {@link #answered()}.
 */
public final class Pacer implements CallAudio, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pacer.class);
    static final int FRAME = 160;
    private static final short[] SILENCE = new short[FRAME];

    private final MediaTransport transport;
    private final Recorder recorder;
    private final long startNanos = System.nanoTime();
    private final MediaClock clock;
    private volatile AudioSink sink;
    private volatile AudioSource source;
    private volatile boolean sending;
    private volatile boolean closed;

    /** Ticks on {@code clock} from now on, listening only until {@link #answered()}. */
    public Pacer(MediaTransport transport, Recorder recorder, MediaClock clock) {
        this.transport = transport;
        this.recorder = recorder;
        this.clock = clock;
        if (clock != null) {
            clock.add(this);
        }
    }

    /** For tests that call {@link #tick(long)} themselves. */
    Pacer(MediaTransport transport, Recorder recorder) {
        this(transport, recorder, null);
    }

    /** The call was answered: from the next tick on, a frame goes out on every tick. */
    public void answered() {
        sending = true;
    }

    /** One tick at {@code at} on the media timeline: once answered a frame out, and a frame in. */
    void tick(long at) {
        speakTick(at);
        listenTick(at);
    }

    /**
     * The tick's outgoing half: once answered, Parley's frame (or silence) goes out. The clock runs
     * this half for every call first, so the packets leave at a steady point of each tick whatever
     * the incoming halves cost.
     */
    void speakTick(long at) {
        if (closed || !sending) {
            return;
        }
        short[] said = next();
        if (said != null) {
            recorder.parley(at, said, Math.min(said.length, FRAME));
        }
        transport.send(said != null ? said : SILENCE);
    }

    /** The tick's incoming half: the caller's frame (silence when none is due) to the recording and the conversation. */
    void listenTick(long at) {
        if (closed) {
            return;
        }
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

    /**
     * Leaves the clock (the transport is closed by its owner). A tick already under way on the clock's
     * thread may still finish; the recording is read after the transport is closed.
     */
    @Override
    public void close() {
        closed = true;
        if (clock != null) {
            clock.remove(this);
        }
    }
}
