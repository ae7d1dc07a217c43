package dev.parley.support;

/** Where 8 kHz audio is loud, by the RMS of 20 ms windows stepped by 10 ms: what a listener would call heard. */
public final class Loudness {
    private static final int WINDOW = 160;
    private static final int STEP = 80;

    private Loudness() {}

    /** The first window from {@code fromMs} louder than {@code level}, in ms, or -1. */
    public static long firstLoudMs(short[] pcm, long fromMs, double level) {
        for (int i = (int) fromMs * 8; i + WINDOW <= pcm.length; i += STEP) {
            if (rms(pcm, i, i + WINDOW) > level) {
                return i / 8;
            }
        }
        return -1;
    }

    /** Where the last window louder than {@code level} before {@code untilMs} ends, in ms, or -1. */
    public static long loudUntilMs(short[] pcm, long untilMs, double level) {
        for (int i = (int) Math.min(untilMs * 8, pcm.length) - WINDOW; i >= 0; i -= STEP) {
            if (rms(pcm, i, i + WINDOW) > level) {
                return (i + WINDOW) / 8;
            }
        }
        return -1;
    }

    public static double rms(short[] pcm, int from, int to) {
        double sum = 0;
        int n = 0;
        for (int i = Math.max(0, from); i < Math.min(pcm.length, to); i++, n++) {
            sum += (double) pcm[i] * pcm[i];
        }
        return n == 0 ? 0 : Math.sqrt(sum / n);
    }
}
