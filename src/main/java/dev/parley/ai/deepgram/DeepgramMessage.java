package dev.parley.ai.deepgram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What Deepgram's live transcription sends, as far as Parley uses it: a plain translation of its
 * JSON text messages. Unknown types are kept as {@link Other} (a newer server may add some).
 */
sealed interface DeepgramMessage {
    ObjectMapper JSON = new ObjectMapper();

    /**
     * A transcript of the stretch {@code [start, start + duration)} seconds of the audio received on
     * this connection: an interim guess, or final for its stretch ({@code isFinal}); {@code speechFinal}
     * when the provider's endpointing decided the utterance ended there; {@code fromFinalize} when it
     * answers a {@code Finalize}.
     */
    record Results(String transcript, boolean isFinal, boolean speechFinal, boolean fromFinalize,
                   double start, double duration) implements DeepgramMessage {
        /** Where its audio ends, in ms of the audio received on this connection. */
        long endMs() {
            return Math.round((start + duration) * 1000);
        }
    }

    /** No word for {@code utterance_end_ms} after the last finalized one. */
    record UtteranceEnd(double lastWordEnd) implements DeepgramMessage {}

    /** The provider's voice activity detection heard speech begin ({@code vad_events=true}). */
    record SpeechStarted(double timestamp) implements DeepgramMessage {}

    /** Sent once a stream is closed: what the provider billed, which request it was. */
    record Metadata(String requestId, double duration) implements DeepgramMessage {}

    record Other(String type) implements DeepgramMessage {}

    /** @throws IllegalArgumentException when the text is not a JSON object */
    static DeepgramMessage parse(String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON", e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String type = n.path("type").asText("");
        return switch (type) {
            case "Results" -> new Results(n.path("channel").path("alternatives").path(0).path("transcript").asText(""),
                    n.path("is_final").asBoolean(false), n.path("speech_final").asBoolean(false),
                    n.path("from_finalize").asBoolean(false), n.path("start").asDouble(0),
                    n.path("duration").asDouble(0));
            case "UtteranceEnd" -> new UtteranceEnd(n.path("last_word_end").asDouble(0));
            case "SpeechStarted" -> new SpeechStarted(n.path("timestamp").asDouble(0));
            case "Metadata" -> new Metadata(n.path("request_id").asText(""), n.path("duration").asDouble(0));
            default -> new Other(type);
        };
    }
}
