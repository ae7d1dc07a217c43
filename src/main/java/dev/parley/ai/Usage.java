package dev.parley.ai;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one call used of the paid providers, for cost accounting: language-model tokens,
 * seconds of audio sent to a recognizer, characters given to a voice. Providers add to it from
 * their own threads; the call reads it once at its end.
 */
public final class Usage {
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    private final LongAdder sttMillis = new LongAdder();
    private final LongAdder ttsCharacters = new LongAdder();

    public void llmTokens(long prompt, long completion) {
        promptTokens.add(prompt);
        completionTokens.add(completion);
    }

    public void sttAudio(long millis) {
        sttMillis.add(millis);
    }

    public void ttsText(long characters) {
        ttsCharacters.add(characters);
    }

    public Snapshot snapshot() {
        return new Snapshot(promptTokens.sum(), completionTokens.sum(), sttMillis.sum() / 1000.0, ttsCharacters.sum());
    }

    public record Snapshot(long llmPromptTokens, long llmCompletionTokens, double sttSeconds, long ttsCharacters) {}
}
