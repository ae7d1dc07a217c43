package dev.parley.telephony.stream;

import java.util.Map;
import java.util.TreeMap;

/**
 * Puts a stream's audio back in the carrier's order before the jitter buffer. Telnyx does not
 * promise the order of its media frames, and they come in bursts over TCP: a burst that arrived
 * shuffled while the jitter buffer was nearly empty would lose its first frame to "late" (the
 * media clock can poll between two messages of the burst). Frames wait here until the one before
 * them came, or until more than {@link #WINDOW} later frames are waiting: then the missing one is
 * taken as lost. No timer: a stream that pauses just waits. Media counters start at 1 (both
 * carriers' {@code chunk}); a stream that starts elsewhere fills the window once and starts there.
 *
 * <p>Not thread-safe: the socket's thread alone offers.
 */
final class Reorder {
    static final int WINDOW = 4;

    /** Where frames go once in order. */
    interface InOrder {
        void frame(long order, short[] pcm);
    }

    private final TreeMap<Long, short[]> held = new TreeMap<>();
    private long next = 1;
    private long late;

    void offer(long order, short[] pcm, InOrder out) {
        if (order < next) {
            late++; // already given up on, or a duplicate
            return;
        }
        held.put(order, pcm);
        while (!held.isEmpty()) {
            if (held.firstKey() == next) {
                Map.Entry<Long, short[]> e = held.pollFirstEntry();
                out.frame(e.getKey(), e.getValue());
                next++;
            } else if (held.size() > WINDOW) {
                next = held.firstKey(); // the gap was lost
            } else {
                return;
            }
        }
    }

    long late() {
        return late;
    }
}
