package dev.parley.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.flow.Flow;
import java.util.List;
import java.util.Optional;

/**
 * An assistant's settings: the seed vendor's Create Assistant shape ({@code system_prompt},
 * {@code end_message}, {@code tool_config}, {@code model}, {@code transcriber}, {@code voice},
 * {@code structured_data}) plus Parley's own. Every field has a working offline default, applied by
 * {@link AssistantConfigJson#parse}, so what is stored and returned is always complete. Without a
 * {@code flow} the offline responder runs a built-in yes/no conversation around {@code first_message}.
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
        ObjectNode metadata,
        Optional<Flow> flow,
        TurnTaking turnTaking) {

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

    /**
     * When the caller has finished speaking and when they interrupt: Parley's own voice-activity
     * settings, kept per assistant because a noisy call centre and a quiet home line need different ones.
     *
     * @param endpointingMs silence after speech that ends the caller's turn
     * @param bargeIn whether the caller may interrupt the assistant
     * @param bargeInMinMs how long the caller must speak over the assistant to interrupt it
     * @param minUtteranceMs shorter bursts of sound are noise, not speech
     * @param vadThresholdDb how far above the adaptive noise floor counts as speech
     * @param noInputTimeoutSeconds how long to wait for the caller when a flow step does not say
     */
    public record TurnTaking(int endpointingMs, boolean bargeIn, int bargeInMinMs, int minUtteranceMs,
                             int vadThresholdDb, int noInputTimeoutSeconds) {
        public static final TurnTaking DEFAULT = new TurnTaking(500, true, 150, 120, 10, 6);
    }
}
