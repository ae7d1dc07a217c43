package dev.parley.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * An assistant's settings: the seed vendor's Create Assistant shape ({@code system_prompt},
 * {@code end_message}, {@code tool_config}, {@code model}, {@code transcriber}, {@code voice},
 * {@code structured_data}) plus Parley's own. Every field has a working offline default, applied by
 * {@link AssistantConfigJson#parse}, so what is stored and returned is always complete.
 */
public record AssistantConfig(
        String systemPrompt,
        String endMessage,
        List<JsonNode> toolConfig,
        Model model,
        Transcriber transcriber,
        Voice voice,
        List<JsonNode> structuredData,
        String firstMessage,
        FirstSpeaker firstSpeaker,
        String language,
        int maxDurationSeconds,
        List<String> endCallPhrases,
        Optional<String> webhookUrl,
        ObjectNode metadata) {

    public enum FirstSpeaker { assistant, callee }

    /** The LLM or flow that decides what to say. */
    public record Model(Provider provider, String model) {
        public enum Provider { flow, openai }
    }

    /** Speech to text. */
    public record Transcriber(Provider provider, String model) {
        public enum Provider { sphinx, deepgram }
    }

    /** Text to speech; {@code voiceId} keeps the vendor's camelCase spelling on the wire. */
    public record Voice(Provider provider, String voiceId, String model) {
        public enum Provider { freetts, elevenlabs, openai }
    }
}
