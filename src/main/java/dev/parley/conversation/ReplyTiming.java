package dev.parley.conversation;

import dev.parley.call.TurnLatency;

/**
 * The latency marks of one reply, from what it answers (the caller's last loud frame, a key, the
 * answer of the call) to its first frame on the wire. Stages that did not happen stay null; what
 * the stages do not account for is Parley's own share ({@code platform_ms}): queueing, thread
 * hand-offs and the wait for the next tick of the media clock. Owned by the conversation's thread.
 */
final class ReplyTiming {
    final long fromNanos;
    long replyNanos;
    Integer endpointingMs;
    Integer sttMs;
    Integer responderMs;
    /** The reply's first utterance: its first played frame ends the measurement. */
    Utterance first;

    private ReplyTiming(long fromNanos) {
        this.fromNanos = fromNanos;
    }

    static ReplyTiming from(long nanos) {
        return new ReplyTiming(nanos);
    }

    TurnLatency latency(Utterance u) {
        int total = (int) ((u.firstPlayedNanos - fromNanos) / 1_000_000L);
        int tts = u.firstAudioNanos == 0 ? 0 : (int) ((u.firstAudioNanos - u.createdNanos) / 1_000_000L);
        int accounted = orZero(endpointingMs) + orZero(sttMs) + orZero(responderMs) + tts;
        return new TurnLatency(endpointingMs, sttMs, responderMs, tts, Math.max(0, total - accounted), total);
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v;
    }
}
