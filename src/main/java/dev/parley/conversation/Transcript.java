package dev.parley.conversation;

import dev.parley.ai.Responder;
import dev.parley.call.TranscriptTurn;
import dev.parley.call.TurnLatency;
import java.util.ArrayList;
import java.util.List;

/**
 * What was said on one call, as it was heard: each finished turn goes to the {@link Conversation.Line}
 * (which stores it) and into the history the responder reads. An assistant turn cut short keeps
 * only the words that were played, marked interrupted. Owned by the conversation's thread.
 */
final class Transcript {
    private final Conversation.Line line;
    private final List<Responder.Turn> said = new ArrayList<>();
    private int seq;

    Transcript(Conversation.Line line) {
        this.line = line;
    }

    void caller(String text, long startSample, long endSample, String error) {
        store("caller", text, startSample, endSample, false, error, null);
        said.add(new Responder.Turn(Responder.Turn.Speaker.caller, text, false));
    }

    void assistant(String text, long startSample, long endSample, boolean interrupted, String error, TurnLatency latency) {
        store("assistant", text, startSample, endSample, interrupted, error, latency);
        said.add(new Responder.Turn(Responder.Turn.Speaker.assistant, text, interrupted));
    }

    /** A turn the voice failed before a frame of it was played: stored with the reason, never heard. */
    void assistantFailed(long atSample, String error) {
        store("assistant", "", atSample, atSample, false, error, null);
    }

    /** The history so far, for the responder. */
    List<Responder.Turn> history() {
        return List.copyOf(said);
    }

    private void store(String speaker, String text, long startSample, long endSample, boolean interrupted, String error,
                       TurnLatency latency) {
        line.record(new TranscriptTurn(seq++, speaker, text, Math.max(0, startSample / 8), Math.max(0, endSample / 8),
                interrupted, error, latency));
    }
}
