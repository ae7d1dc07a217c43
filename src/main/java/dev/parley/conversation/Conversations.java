package dev.parley.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.Responder;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.TextToSpeech;
import dev.parley.ai.flow.FlowResponder;
import dev.parley.assistant.Assistant;
import dev.parley.assistant.AssistantConfig;
import dev.parley.assistant.AssistantStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * Where an assistant's {@code config} becomes a running conversation: the one place providers are
 * chosen and wired (no service loading, no reflection). The offline engines are node-wide and
 * shared: Sphinx4 recognizers are pooled and borrowed per utterance, FreeTTS voices cache by text.
 */
public final class Conversations implements AutoCloseable {
    private final AssistantStore assistants;
    private final ObjectMapper json;
    private final SpeechToText sphinx;
    private final TextToSpeech freetts;
    private final Conversation.Observer observer;
    private final AutoCloseable engines;

    /** @param engines what the offline providers run on (the recognizer pool), closed with this */
    public Conversations(AssistantStore assistants, ObjectMapper json, SpeechToText sphinx, TextToSpeech freetts,
                         Conversation.Observer observer, AutoCloseable engines) {
        this.engines = engines;
        this.assistants = assistants;
        this.json = json;
        this.sphinx = sphinx;
        this.freetts = freetts;
        this.observer = observer;
    }

    /** @throws IllegalStateException when the assistant is gone or names a provider this build lacks */
    public Conversation open(String callId, String workspaceId, String assistantId, String variables, Conversation.Line line) {
        Assistant assistant = assistants.find(workspaceId, assistantId)
                .orElseThrow(() -> new IllegalStateException("assistant " + assistantId + " no longer exists"));
        AssistantConfig c = assistant.config();
        Responder responder = switch (c.model().provider()) {
            case flow -> new FlowResponder(c);
            case openai -> throw unavailable("model.provider", "openai");
        };
        SpeechToText stt = switch (c.transcriber().provider()) {
            case sphinx -> sphinx;
            case deepgram -> throw unavailable("transcriber.provider", "deepgram");
            case openai -> throw unavailable("transcriber.provider", "openai");
        };
        TextToSpeech tts = switch (c.voice().provider()) {
            case freetts -> freetts;
            case elevenlabs -> throw unavailable("voice.provider", "elevenlabs");
            case openai -> throw unavailable("voice.provider", "openai");
        };
        JsonNode vars;
        try {
            vars = json.readTree(variables == null ? "{}" : variables);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Conversation(callId, turnTaking(c.turnTaking()), c.firstSpeaker() == AssistantConfig.FirstSpeaker.assistant,
                responder.start(callId, vars), stt.start(), tts, line, observer);
    }

    @Override
    public void close() {
        sphinx.close();
        freetts.close();
        try {
            engines.close();
        } catch (Exception e) {
            throw new IllegalStateException("the speech engines did not close", e);
        }
    }

    static TurnTaking turnTaking(AssistantConfig.TurnTaking t) {
        return new TurnTaking(t.endpointingMs(), t.bargeIn(), t.bargeInMinMs(), t.minUtteranceMs(), t.vadThresholdDb(),
                Duration.ofSeconds(t.noInputTimeoutSeconds()));
    }

    private static IllegalStateException unavailable(String field, String provider) {
        return new IllegalStateException("config." + field + " '" + provider + "' is not available in this version of Parley");
    }
}
