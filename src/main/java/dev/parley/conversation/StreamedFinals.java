package dev.parley.conversation;

import dev.parley.ai.SpeechToText.SttEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming recognizer's finals not yet part of a turn, placed on the recording's timeline. It
 * hears the whole call, so its finals also cover speech our VAD took for no turn (a backchannel
 * over the assistant); a turn takes only those that ended after it began. Owned by the
 * conversation's thread.
 */
final class StreamedFinals {
    /** A final this close before the turn's start still belongs to it (our VAD confirms speech late). */
    private static final long SLACK_SAMPLES = 1_600;

    private record Heard(String text, long endSample) {}

    private final List<Heard> finals = new ArrayList<>();
    private long origin = -1;   // the recording sample the recognizer's audio began at

    /** A frame at {@code sample} went to the recognizer; the first one fixes where its audio began. */
    void sent(long sample) {
        if (origin < 0) {
            origin = sample;
        }
    }

    void add(SttEvent.Final f) {
        if (f.text() != null && !f.text().isBlank()) {
            finals.add(new Heard(f.text().strip(), f.endMs() < 0 || origin < 0 ? -1 : origin + f.endMs() * 8));
        }
    }

    boolean isEmpty() {
        return finals.isEmpty();
    }

    void clear() {
        finals.clear();
    }

    /** The text of the turn that began at {@code turnStart}; what came before it is dropped. */
    String take(long turnStart) {
        StringBuilder text = new StringBuilder();
        for (Heard h : finals) {
            if (h.endSample() < 0 || h.endSample() >= turnStart - SLACK_SAMPLES) {
                text.append(text.isEmpty() ? "" : " ").append(h.text());
            }
        }
        finals.clear();
        return text.toString();
    }
}
