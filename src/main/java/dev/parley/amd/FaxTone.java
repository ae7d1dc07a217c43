package dev.parley.amd;

import java.util.Optional;

/**
 * A fax machine's tones (ITU-T T.30): the answering fax's CED, 2,100 Hz held for 2.6 to 4 s, and the
 * calling fax's CNG, 1,100 Hz bursts of 0.5 s every 3.5 s (a fax set to send may answer our call
 * with CNG).
 */
final class FaxTone {
    /** What was heard; {@code sure} once it cannot be a beep (a CED this long, or a second CNG burst). */
    record Heard(boolean sure) {}

    private static final int CED_MS = 1_000;

    private final ToneRun ced = new ToneRun(2_065, 2_135);
    private final ToneRun cng = new ToneRun(1_065, 1_135);
    private boolean cedHeard;
    private int bursts;

    Optional<Heard> frame(Tone tone, int atMs, int frameMs) {
        ced.frame(tone, atMs, frameMs);
        if (!cedHeard && ced.ongoing().filter(s -> s.ms() >= CED_MS).isPresent()) {
            cedHeard = true;
            return Optional.of(new Heard(true));
        }
        Optional<ToneRun.Span> burst = cng.frame(tone, atMs, frameMs).filter(s -> s.ms() >= 350 && s.ms() <= 800);
        if (burst.isPresent()) {
            bursts++;
            return Optional.of(new Heard(bursts >= 2));
        }
        return Optional.empty();
    }
}
