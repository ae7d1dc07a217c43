package dev.parley.ai.sphinx;

/**
 * The latest samples up to a capacity: a caller who talks for longer than the capacity keeps the
 * end of what they said, which is where the answer usually is. Not thread-safe.
 */
final class RecentAudio {
    private final short[] ring;
    private long written;

    RecentAudio(int capacity) {
        this.ring = new short[capacity];
    }

    void add(short[] samples) {
        // Only the tail of an over-long chunk can survive.
        int from = Math.max(0, samples.length - ring.length);
        int n = samples.length - from;
        int at = (int) ((written + from) % ring.length);
        int first = Math.min(n, ring.length - at);
        System.arraycopy(samples, from, ring, at, first);
        System.arraycopy(samples, from + first, ring, 0, n - first);
        written += samples.length;
    }

    /** What was added since the last drain, oldest first (at most the capacity), and starts afresh. */
    short[] drain() {
        int n = (int) Math.min(written, ring.length);
        short[] out = new short[n];
        int start = (int) ((written - n) % ring.length);
        int first = Math.min(n, ring.length - start);
        System.arraycopy(ring, start, out, 0, first);
        System.arraycopy(ring, 0, out, first, n - first);
        written = 0;
        return out;
    }
}
