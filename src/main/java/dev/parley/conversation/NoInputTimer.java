package dev.parley.conversation;

import java.time.Duration;

/**
 * The no-input timer of one conversation, on the media timeline (8 kHz samples): how long the
 * caller has been left to speak since the assistant last fell silent. It runs only while someone
 * waits for the caller: a step that listens ({@code Listen}, its own timeout or the assistant's
 * {@code no_input_timeout_seconds}), or a call whose callee speaks first. The conversation checks
 * it on every frame, while nothing else is going on. Owned by the conversation's thread.
 */
final class NoInputTimer {
    /** What a long enough silence calls for. */
    enum Expired { NOT_YET, CALLEE_SILENT, NO_INPUT }

    private final Duration defaultTimeout;
    private Duration timeout;
    private long idleSince = -1;   // when the assistant last fell silent; -1 while it speaks
    private boolean listening;     // a step asked for the caller
    private boolean calleeFirst;   // first_speaker callee, until they speak

    NoInputTimer(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
        this.timeout = defaultTimeout;
    }

    void assistantSpeaking() {
        idleSince = -1;
    }

    void assistantIdle(long now) {
        idleSince = now;
    }

    /** A step listens for the caller, for this long (null: the assistant's default). */
    void listen(Duration stepTimeout) {
        listening = true;
        timeout = stepTimeout != null ? stepTimeout : defaultTimeout;
    }

    void stopListening() {
        listening = false;
    }

    void awaitCallee() {
        calleeFirst = true;
    }

    /** @return whether the callee was the one expected to speak first (and now has) */
    boolean calleeSpoke() {
        boolean was = calleeFirst;
        calleeFirst = false;
        return was;
    }

    /** Whether the silence since the assistant fell quiet has lasted the timeout; what it calls for is then cleared. */
    Expired check(long now) {
        if (idleSince < 0 || (now - idleSince) / 8 < timeout.toMillis()) {
            return Expired.NOT_YET;
        }
        if (calleeFirst) {
            calleeFirst = false;
            return Expired.CALLEE_SILENT;
        }
        if (listening) {
            listening = false;
            return Expired.NO_INPUT;
        }
        return Expired.NOT_YET;
    }
}
