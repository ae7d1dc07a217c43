package dev.parley.media;

import java.util.TreeMap;

/**
 * An adaptive jitter buffer for one stream of 20 ms frames.
 *
 * <p>Frames go in as they arrive, keyed by RTP sequence number (unwrapped to 64 bits so the 16-bit
 * wrap is invisible); they come out one per 20 ms tick, in sequence order. Playout starts once the
 * buffer holds {@link #targetFrames()} frames, and that target follows the network: the interarrival
 * jitter J of RFC 3550 section 6.4.1 (J += (|D| - J) / 16, D the change in transit time), target =
 * ceil((2J + 10 ms) / 20 ms), between 1 and 10 frames. A frame missing at its tick is reported as
 * lost ({@code null}: the caller plays silence) and its slot passes; a frame that arrives after its
 * slot has passed is dropped as late. When the buffer runs more than three frames above its target
 * (a burst after a stall) the oldest frames are dropped to catch up, so delay does not pile up.
 *
 * <p>Not thread-safe: one receiver offers and one playout clock polls, under the caller's lock.
 */
public final class JitterBuffer {
    private static final long FRAME_NANOS = 20_000_000L;
    private static final int MIN_FRAMES = 1;
    private static final int MAX_FRAMES = 10;

    private final TreeMap<Long, short[]> frames = new TreeMap<>();
    private long highestSeq = -1;   // unwrapped
    private long nextSeq = -1;      // next to play, once playing
    private boolean playing;
    private double jitterNanos;
    private long lastTransit;
    private boolean haveTransit;
    private long late;
    private long lost;

    /**
     * @param seq16 the packet's RTP sequence number
     * @param rtpTimestamp its RTP timestamp (8 kHz units)
     * @param arrivalNanos when it arrived, on any monotonic clock
     * @return false if it came after its slot had played: late, dropped
     */
    public boolean offer(int seq16, long rtpTimestamp, short[] pcm, long arrivalNanos) {
        long seq = unwrap(seq16);
        long transit = arrivalNanos - rtpTimestamp * 125_000L;
        if (haveTransit) {
            long d = Math.abs(transit - lastTransit);
            jitterNanos += (d - jitterNanos) / 16.0;
        }
        lastTransit = transit;
        haveTransit = true;
        if (playing && seq < nextSeq) {
            late++;
            return false;
        }
        frames.put(seq, pcm);
        while (frames.size() > targetFrames() + 3 + (playing ? 0 : MAX_FRAMES)) {
            frames.pollFirstEntry(); // catch up after a burst
            if (playing) {
                nextSeq = frames.firstKey();
            }
        }
        return true;
    }

    /** Called every 20 ms: the next frame, {@code null} for a lost one or while filling. */
    public short[] poll() {
        if (!playing) {
            if (frames.size() < targetFrames()) {
                return null;
            }
            playing = true;
            nextSeq = frames.firstKey();
        }
        if (frames.isEmpty()) {
            return null; // nothing to play: the stream paused; keep the slot
        }
        short[] frame = frames.remove(nextSeq);
        if (frame == null) {
            if (frames.firstKey() > nextSeq) {
                lost++;
            }
        }
        nextSeq++;
        return frame;
    }

    public int targetFrames() {
        int frames = (int) Math.ceil((2 * jitterNanos + 10_000_000L) / FRAME_NANOS);
        return Math.max(MIN_FRAMES, Math.min(MAX_FRAMES, frames));
    }

    public double jitterMillis() {
        return jitterNanos / 1e6;
    }

    public long late() {
        return late;
    }

    public long lost() {
        return lost;
    }

    private long unwrap(int seq16) {
        if (highestSeq < 0) {
            highestSeq = seq16;
            return seq16;
        }
        long base = highestSeq & ~0xffffL;
        long candidate = base | seq16;
        if (candidate < highestSeq - 0x8000) {
            candidate += 0x10000;
        } else if (candidate > highestSeq + 0x8000) {
            candidate -= 0x10000;
        }
        highestSeq = Math.max(highestSeq, candidate);
        return candidate;
    }
}
