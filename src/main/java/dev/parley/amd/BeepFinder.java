package dev.parley.amd;

import java.util.Optional;

/**
 * A mailbox's beep: one steady tone between 400 and 2,100 Hz (where they all are: 440, 850, 1,000,
 * 1,400, 2,000 Hz...) dominating the frame for long enough, reported when it ends, since that end is
 * when the recording starts and the assistant may speak.
 *
 * <p>80 ms rather than the 120 ms often quoted: some beeps last 100 ms, and a frame half filled by
 * the tone is not counted as tonal, so a 100 ms beep shows as four or five frames. A voice does not
 * hold one pure, steady frequency over four frames.
 */
final class BeepFinder {
    static final int MIN_MS = 80;
    static final int MAX_MS = 4_000;

    private final ToneRun run = new ToneRun(400, 2_130);

    /** Feeds one frame; returns the beep this frame ended, if it ended one. */
    Optional<ToneRun.Span> frame(Tone tone, int atMs, int frameMs) {
        return run.frame(tone, atMs, frameMs).filter(s -> s.ms() >= MIN_MS && s.ms() <= MAX_MS);
    }

    /** Whether a tone is sounding now (long enough that it is not a vowel's moment). */
    boolean hearing() {
        return run.ongoing().filter(s -> s.ms() >= 40).isPresent();
    }
}
