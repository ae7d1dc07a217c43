package dev.parley.conversation;

/**
 * Turns the voice activity of the caller's frames into turn events: when an utterance starts (once
 * it has lasted {@code min_utterance_ms}, so noise bursts never count), when it has lasted long
 * enough to interrupt the assistant ({@code barge_in_min_ms}), and when it ends (silence for
 * {@code endpointing_ms}). Time is counted in frames of the media clock, so tests feed frames and
 * need no sleeping.
 */
final class TurnDetector {
    static final int FRAME_MS = 20;

    enum Signal {
        /** Nothing new. */
        NONE,
        /** Speech has lasted min_utterance_ms: a real utterance began {@link #speechFrames()} frames ago. */
        STARTED,
        /** Speech has lasted barge_in_min_ms. */
        BARGE_IN,
        /** The utterance ended: silence for endpointing_ms after it. */
        ENDED
    }

    private final VoiceActivity vad;
    private final int startFrames;
    private final int bargeInFrames;
    private final int endFrames;
    private int voicedRun;      // voiced frames since the candidate utterance began (gaps included)
    private int silentRun;
    private boolean inUtterance;
    private boolean bargeInSignalled;
    private int lastVoicedAgo;

    TurnDetector(TurnTaking settings) {
        this.vad = new VoiceActivity(settings.vadThresholdDb());
        this.startFrames = Math.max(1, settings.minUtteranceMs() / FRAME_MS);
        this.bargeInFrames = Math.max(startFrames, settings.bargeInMinMs() / FRAME_MS);
        this.endFrames = Math.max(1, settings.endpointingMs() / FRAME_MS);
    }

    Signal feed(short[] frame) {
        VoiceActivity.Level level = vad.classify(frame);
        // Durations count loud frames only; the hangover bridges gaps but must not make a click long.
        if (level == VoiceActivity.Level.LOUD) {
            voicedRun++;
        }
        if (level != VoiceActivity.Level.SILENT) {
            silentRun = 0;
            if (level == VoiceActivity.Level.LOUD) {
                lastVoicedAgo = 0;
            } else {
                lastVoicedAgo++;
            }
        } else {
            silentRun++;
            lastVoicedAgo++;
            if (!inUtterance && silentRun > 2) {
                voicedRun = 0; // a burst too short to be speech
            }
        }
        if (!inUtterance) {
            if (voicedRun >= startFrames) {
                inUtterance = true;
                bargeInSignalled = false;
                return voicedRun >= bargeInFrames ? signalBargeIn() : Signal.STARTED;
            }
            return Signal.NONE;
        }
        if (!bargeInSignalled && voicedRun >= bargeInFrames) {
            return signalBargeIn();
        }
        if (lastVoicedAgo >= endFrames) {
            inUtterance = false;
            voicedRun = 0;
            return Signal.ENDED;
        }
        return Signal.NONE;
    }

    private Signal signalBargeIn() {
        bargeInSignalled = true;
        return Signal.BARGE_IN;
    }

    boolean inUtterance() {
        return inUtterance;
    }

    /** Frames since the last voiced one (the endpointing delay, at an ENDED signal). */
    int framesSinceVoiced() {
        return lastVoicedAgo;
    }

    /** Voiced frames counted in the current utterance. */
    int speechFrames() {
        return voicedRun;
    }
}
