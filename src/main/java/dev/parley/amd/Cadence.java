package dev.parley.amd;

import java.util.Optional;

/**
 * When the callee talks and when they wait, from frame energy alone: stretches of talk (speech whose
 * pauses are shorter than {@link #GAP_MS}) and the quiet after them.
 *
 * <p>The speech threshold is 10 dB over a noise floor taken as the quietest frame of the last two
 * seconds: a line's hiss or a room's hum raises the floor with it, while speech, which always dips
 * between words within two seconds, cannot drag the floor up to itself. Tones are not talk (a beep
 * must not lengthen the greeting it follows), and a stretch with less than {@link #MIN_VOICED_MS}
 * of speech in it (a click, a breath) is forgotten.
 */
final class Cadence {
    /** A pause this long ends a stretch: longer than a greeting's pauses between sentences. */
    static final int GAP_MS = 700;
    static final int MIN_VOICED_MS = 160;
    private static final double ABOVE_FLOOR_DB = 10;
    private static final double QUIETEST_SPEECH_DB = -50;
    private static final int FLOOR_FRAMES = 100;

    /** A stretch of talk: from its first to the end of its last voiced frame. */
    record Stretch(int startMs, int endMs, int voicedMs) {
        int ms() {
            return endMs - startMs;
        }
    }

    /** One-pole high-pass at about 200 Hz: a telephone channel carries nothing lower but hum and drift. */
    private static final double HIGH_PASS = 1 / (1 + 2 * Math.PI * 200 / 8_000.0);

    private double lastIn;
    private double lastOut;
    private final double[] levels = new double[FLOOR_FRAMES];
    private int seen;
    private int openStart = -1;
    private int openEnd;
    private int openVoiced;
    private int lastVoicedEnd = 0;
    private int ended;
    private Stretch last;

    void frame(short[] pcm, int atMs, int frameMs, boolean tone) {
        double db = level(pcm);
        boolean voiced = seen > 0 && !tone && db > QUIETEST_SPEECH_DB && db > floor() + ABOVE_FLOOR_DB;
        levels[seen++ % FLOOR_FRAMES] = db;
        int now = atMs + frameMs;
        if (voiced) {
            if (openStart < 0) {
                openStart = atMs;
                openVoiced = 0;
            }
            openEnd = now;
            openVoiced += frameMs;
            lastVoicedEnd = now;
        } else if (openStart >= 0 && now - openEnd >= GAP_MS) {
            if (openVoiced >= MIN_VOICED_MS) {
                ended++;
                last = new Stretch(openStart, openEnd, openVoiced);
            }
            openStart = -1;
        }
    }

    /** The stretch going on now, once it holds enough speech to be talk. */
    Optional<Stretch> open() {
        return openStart >= 0 && openVoiced >= MIN_VOICED_MS
                ? Optional.of(new Stretch(openStart, openEnd, openVoiced))
                : Optional.empty();
    }

    /** How many stretches have ended (by a pause of {@link #GAP_MS}). */
    int ended() {
        return ended;
    }

    Optional<Stretch> lastEnded() {
        return Optional.ofNullable(last);
    }

    /** Milliseconds since the last voiced frame (since the answer if none yet). */
    int quietMs(int nowMs) {
        return nowMs - lastVoicedEnd;
    }

    private double floor() {
        double min = Double.MAX_VALUE;
        for (int i = 0, n = Math.min(seen, FLOOR_FRAMES); i < n; i++) {
            min = Math.min(min, levels[i]);
        }
        return min;
    }

    private double level(short[] pcm) {
        double energy = 0;
        for (short x : pcm) {
            lastOut = HIGH_PASS * (lastOut + x - lastIn);
            lastIn = x;
            energy += lastOut * lastOut;
        }
        return energy < 1e-3 ? -100 : 10 * Math.log10(energy / pcm.length / (32768.0 * 32768.0));
    }
}
