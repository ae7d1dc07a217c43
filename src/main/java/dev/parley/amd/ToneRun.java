package dev.parley.amd;

import java.util.Optional;

/**
 * Consecutive frames holding one steady tone within a band: when it started, how long it has
 * lasted, and the moment it ends (the first frame that is not the same tone).
 */
final class ToneRun {
    /**
     * A frame is tonal when its strongest frequency holds at least this share of its energy: a beep's
     * frames hold over 0.99 (still over 0.95 with noise 30 dB below it), a voice's rarely 0.85.
     */
    static final double MIN_SHARE = 0.9;

    record Span(int startMs, int endMs, double hz) {
        int ms() {
            return endMs - startMs;
        }
    }

    private final double lowHz;
    private final double highHz;
    private int startMs = -1;
    private int endMs;
    private double hzSum;
    private int frames;

    ToneRun(double lowHz, double highHz) {
        this.lowHz = lowHz;
        this.highHz = highHz;
    }

    /** Feeds one frame; returns the run this frame ended, if it ended one. */
    Optional<Span> frame(Tone tone, int atMs, int frameMs) {
        boolean tonal = tone.share() >= MIN_SHARE;
        if (startMs >= 0 && tonal && steady(tone.hz())) {
            endMs = atMs + frameMs;
            hzSum += tone.hz();
            frames++;
            return Optional.empty();
        }
        Optional<Span> ended = ongoing();
        startMs = -1;
        if (tonal && tone.hz() >= lowHz && tone.hz() <= highHz) {
            startMs = atMs;
            endMs = atMs + frameMs;
            hzSum = tone.hz();
            frames = 1;
        }
        return ended;
    }

    Optional<Span> ongoing() {
        return startMs < 0 ? Optional.empty() : Optional.of(new Span(startMs, endMs, hzSum / frames));
    }

    /** A real tone holds its pitch to a few Hz; a voice's harmonic glides with the intonation. */
    private boolean steady(double hz) {
        double mean = hzSum / frames;
        return Math.abs(hz - mean) <= Math.max(8, 0.01 * mean);
    }
}
