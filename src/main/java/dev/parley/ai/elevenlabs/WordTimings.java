package dev.parley.ai.elevenlabs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.ai.TextToSpeech.Word;
import java.util.ArrayList;
import java.util.List;

/**
 * ElevenLabs' character alignment grouped into words. Each audio message carries the characters it
 * speaks, with start times relative to that message's own audio, so the audio received before it
 * is added; a word may begin in one message and end in the next, so the word being spelled is
 * carried over until a space (or the end) closes it.
 */
final class WordTimings {
    private final List<Word> words = new ArrayList<>();
    private final StringBuilder current = new StringBuilder();
    private int start;
    private int end;

    /** One message's {@code alignment}; {@code offsetMs} is where its audio begins in the utterance. */
    void add(JsonNode alignment, int offsetMs) {
        JsonNode chars = alignment.path("chars");
        JsonNode starts = alignment.path("charStartTimesMs");
        JsonNode durations = alignment.path("charDurationsMs");
        if (!chars.isArray() || chars.size() != starts.size()) {
            return; // unreadable: no timings rather than wrong ones
        }
        for (int i = 0; i < chars.size(); i++) {
            String c = chars.get(i).asText();
            int from = offsetMs + starts.get(i).asInt();
            int to = from + durations.path(i).asInt(0);
            if (c.isBlank()) {
                closeWord();
            } else {
                if (current.isEmpty()) {
                    start = from;
                }
                current.append(c);
                end = Math.max(end, to);
            }
        }
    }

    /** The words complete so far. */
    List<Word> complete() {
        return List.copyOf(words);
    }

    /** All words, the last one closed: the utterance is over. */
    List<Word> finish() {
        closeWord();
        return List.copyOf(words);
    }

    private void closeWord() {
        if (!current.isEmpty()) {
            words.add(new Word(current.toString(), start, end));
            current.setLength(0);
            end = 0;
        }
    }
}
