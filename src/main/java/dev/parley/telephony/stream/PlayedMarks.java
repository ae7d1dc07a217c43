package dev.parley.telephony.stream;

/**
 * How much of what Parley sent the far end has played, from the marks it echoes.
 *
 * <p>A media stream's far end buffers what it is sent and plays it at its own pace, so "sent" is not
 * "heard". After every {@link #EVERY}th frame a mark goes out; the carrier echoes a mark once the
 * audio before it has played. Between echoes the far end is assumed to keep playing in real time,
 * never past the next mark not yet echoed, so the estimate is off by at most one mark's interval.
 *
 * <p>A {@code clear} makes the carrier drop what it holds <em>and echo the marks of the dropped
 * audio</em> (Twilio does; Telnyx "returns queued marks"). Those echoes say nothing about what was
 * heard, so each mark carries the generation it was sent in, a clear starts a new generation, and
 * echoes of an older one are ignored.
 *
 * <p>Not thread-safe: the transport calls it under its own lock. Times are nanoseconds from the
 * transport's injected clock.
 */
final class PlayedMarks {
    static final int EVERY = 5;
    private static final long FRAME_NANOS = 20_000_000L;

    private int generation;
    private long sent;          // frames sent, over the stream's life
    private long played;        // frames known played: the last echoed mark of this generation
    private long playedAt;      // when that was known
    private long lastAudible;   // the last frame sent that was not silence
    private long lastMarked;

    /**
     * A frame is going out at {@code now}.
     * @return the name of the mark to send after it, or null for none
     */
    String sent(boolean audible, long now) {
        if (idle()) {
            playedAt = now; // the far end had nothing left: this frame plays from now on, not earlier
        }
        sent++;
        if (audible) {
            lastAudible = sent;
        }
        if (sent - lastMarked >= EVERY) {
            lastMarked = sent;
            return generation + ":" + sent;
        }
        return null;
    }

    /** The far end echoed a mark. An echo of an older generation (dropped by a clear) counts for nothing. */
    void echoed(String name, long now) {
        int colon = name.indexOf(':');
        if (colon <= 0) {
            return;
        }
        try {
            int gen = Integer.parseInt(name, 0, colon, 10);
            long frame = Long.parseLong(name, colon + 1, name.length(), 10);
            if (gen == generation && frame > played && frame <= sent) {
                played = frame;
                playedAt = now;
            }
        } catch (NumberFormatException e) {
            // not one of ours
        }
    }

    /** Parley sent a clear: everything sent so far is dropped at the far end, never to be heard. */
    void cleared(long now) {
        generation++;
        played = sent;
        lastAudible = sent;
        lastMarked = sent;
        playedAt = now;
    }

    /** Whether everything audible that was sent has been played: silence need not be sent then. */
    boolean idle() {
        return played >= lastAudible;
    }

    /** Samples sent but not played yet, at {@code now}. */
    long unplayedSamples(long now) {
        long running = Math.max(0, now - playedAt) / FRAME_NANOS;
        long estimate = Math.min(sent, Math.min(played + EVERY, played + running));
        return (sent - estimate) * 160;
    }

    long sent() {
        return sent;
    }

    long played() {
        return played;
    }
}
