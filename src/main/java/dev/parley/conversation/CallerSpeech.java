package dev.parley.conversation;

import dev.parley.ai.SpeechToText;
import java.util.ArrayDeque;

/**
 * The caller's side of the turn-taking: which frames reach the recognizer, where the current
 * utterance began and ended on the recording's timeline, and the wait for its final text. Frames
 * go to the recognizer only while a turn is open; before that the last 500 ms are kept (pre-roll),
 * since a turn opens only once speech has lasted {@code min_utterance_ms} and its first syllable
 * came before. Owned by the conversation's thread.
 */
final class CallerSpeech {
    private static final int PRE_ROLL_FRAMES = 25;
    private static final long FINAL_TIMEOUT_SAMPLES = 5 * 8000; // a recognizer that never answers

    /** What the caller said in one turn, where, and how long its stages took. */
    record Said(String text, String error, long startSample, long endSample, int endpointingMs, int sttMs,
                long lastVoicedNanos) {}

    private final SpeechToText.Session stt;
    private final boolean streaming;       // the recognizer hears every frame, turn or not
    private final ArrayDeque<short[]> preRoll = new ArrayDeque<>();
    private boolean open;
    private long start;
    private long end;
    private boolean awaitingFinal;
    private long finalDeadline;
    private long lastVoicedNanos;
    private int endpointingMs;
    private long finishNanos;
    private String carry = "";

    CallerSpeech(SpeechToText.Session stt, boolean streaming) {
        this.stt = stt;
        this.streaming = streaming;
    }

    void frame(short[] pcm) {
        if (open || streaming) {
            stt.send(pcm);
            return;
        }
        preRoll.addLast(pcm);
        if (preRoll.size() > PRE_ROLL_FRAMES) {
            preRoll.removeFirst();
        }
    }

    /** Speech began at {@code sample} (not yet a turn: it may be a backchannel over the assistant). */
    void began(long sample) {
        start = sample;
    }

    /** The utterance is a turn: the recognizer gets it from its beginning. */
    void open() {
        open = true;
        if (streaming) {
            return; // it has heard everything already
        }
        for (short[] f : preRoll) {
            stt.send(f);
        }
        preRoll.clear();
    }

    /** Where the current (or last) utterance began, in samples on the recording's timeline. */
    long startSample() {
        return start;
    }

    boolean isOpen() {
        return open;
    }

    /** The turn ended {@code framesSinceVoiced} frames ago (the endpointing delay): ask for its text. */
    void close(long now, int framesSinceVoiced) {
        ended(now, framesSinceVoiced);
        stt.finish();
    }

    /** A streaming recognizer's endpointing ended the turn: its text is already on the way. */
    void closeByRecognizer(long now, int framesSinceVoiced) {
        ended(now, framesSinceVoiced);
    }

    private void ended(long now, int framesSinceVoiced) {
        open = false;
        endpointingMs = framesSinceVoiced * TurnDetector.FRAME_MS;
        lastVoicedNanos = System.nanoTime() - endpointingMs * 1_000_000L;
        end = now - (long) framesSinceVoiced * 160;
        finishNanos = System.nanoTime();
        awaitingFinal = true;
        finalDeadline = now + FINAL_TIMEOUT_SAMPLES;
    }

    boolean awaitingFinal() {
        return awaitingFinal;
    }

    /** The recognizer has not answered in time. */
    boolean overdue(long now) {
        return awaitingFinal && now >= finalDeadline;
    }

    /**
     * The recognizer's text for the last closed turn. Null when the caller is already speaking again:
     * the text is carried over and answered together with what follows.
     */
    Said heard(String text, String error) {
        awaitingFinal = false;
        int sttMs = (int) ((System.nanoTime() - finishNanos) / 1_000_000L);
        String all = (carry + " " + text).strip();
        carry = "";
        if (open) {
            carry = all;
            return null;
        }
        return new Said(all, error, start, end, endpointingMs, sttMs, lastVoicedNanos);
    }
}
