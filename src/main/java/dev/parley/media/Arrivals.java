package dev.parley.media;

import java.util.concurrent.atomic.LongAdder;

/**
 * Which packets of one RTP stream arrived, by sequence number: new ones, duplicates, and the ones
 * that never came.
 *
 * <p>Lost means what RFC 3550 (6.4.1, A.3) means, without letting duplicates cancel losses: the
 * sequence numbers between the lowest and the highest that arrived, less those that arrived. A
 * number is counted lost once the stream has moved {@link #WINDOW} packets past it without it, or
 * when the stream is {@linkplain #finish() finished}; a packet reordered inside the window is not
 * lost (whether it still made its playout slot is the {@link JitterBuffer}'s to say: late). A
 * packet older than the window was counted lost and is refused. A jump of more than
 * {@link #MAX_DROPOUT} either way is the peer restarting its sequence (RFC 3550 A.1): the old
 * stream is finished and a new one begins.
 *
 * <p>Owned by one receiving thread.
 */
final class Arrivals {
    /** 5.12 s of 20 ms packets: far beyond what a jitter buffer (10 frames at most) waits for. */
    static final int WINDOW = 256;
    static final int MAX_DROPOUT = 3000;

    enum Kind { NEW, DUPLICATE, TOO_OLD }

    private final LongAdder lost;
    private final boolean[] seen = new boolean[WINDOW];
    private boolean started;
    private long lowest;  // unwrapped: may go below zero, never wraps
    private long highest;

    /** @param lost where numbers that never arrived are counted */
    Arrivals(LongAdder lost) {
        this.lost = lost;
    }

    Kind arrive(int seq16) {
        if (!started) {
            begin(seq16);
            return Kind.NEW;
        }
        long seq = unwrap(seq16);
        if (Math.abs(seq - highest) > MAX_DROPOUT) {
            finish();
            begin(seq16);
            return Kind.NEW;
        }
        if (seq > highest) {
            for (long s = highest + 1; s <= seq; s++) {
                int slot = slot(s);
                if (s - WINDOW >= lowest && !seen[slot]) {
                    lost.increment(); // s - WINDOW leaves the window without having come
                }
                seen[slot] = false;
            }
            highest = seq;
        } else if (seq <= highest - WINDOW) {
            return Kind.TOO_OLD;
        } else if (seen[slot(seq)]) {
            return Kind.DUPLICATE;
        }
        lowest = Math.min(lowest, seq);
        seen[slot(seq)] = true;
        return Kind.NEW;
    }

    /** Counts what is still missing in the window: the stream is over (or restarts). */
    void finish() {
        if (!started) {
            return;
        }
        for (long s = Math.max(lowest, highest - WINDOW + 1); s <= highest; s++) {
            if (!seen[slot(s)]) {
                lost.increment();
            }
        }
        started = false;
    }

    private void begin(int seq16) {
        java.util.Arrays.fill(seen, false);
        started = true;
        highest = seq16;
        lowest = seq16;
        seen[slot(seq16)] = true;
    }

    private static int slot(long seq) {
        return (int) Math.floorMod(seq, (long) WINDOW);
    }

    /** The unwrapped number nearest to the highest (the 16-bit wrap is invisible). */
    private long unwrap(int seq16) {
        long candidate = (highest & ~0xffffL) | seq16;
        if (candidate < highest - 0x8000) {
            candidate += 0x10000;
        } else if (candidate > highest + 0x8000) {
            candidate -= 0x10000;
        }
        return candidate;
    }
}
