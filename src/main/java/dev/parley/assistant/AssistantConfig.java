package dev.parley.assistant;

import dev.parley.safeguards.CallingWindow;
import dev.parley.safeguards.OptOutRules;
import dev.parley.safeguards.RetryRule;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.flow.Flow;
import dev.parley.ai.flow.Template;
import dev.parley.ai.tools.Tool;
import dev.parley.ai.tools.ToolConfig;
import java.util.List;
import java.util.Optional;

/**
 * An assistant's settings: the seed vendor's Create Assistant shape ({@code system_prompt},
 * {@code end_message}, {@code tool_config}, {@code model}, {@code transcriber}, {@code voice},
 * {@code structured_data}) plus Parley's own. Every field has a working offline default, applied by
 * {@link AssistantConfigJson#parse}, so what is stored and returned is always complete. Without a
 * {@code flow} the offline responder runs a built-in yes/no conversation around {@code first_message}.
 */
/*
 * disclosure: spoken before anything else on every call, uninterruptible ("This call is from an
 * automated assistant."); optOut: overrides the workspace's opt_out for this assistant's calls;
 * retry: when its calls are tried again (a request's own retry wins), none if empty.
 * callingWindow: this assistant's calling hours (absent: the workspace's; null: none).
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
        TurnTaking turnTaking,
        Voicemail voicemail,
        Optional<String> disclosure,
        Optional<OptOutRules> optOut,
        Optional<RetryRule> retry,
        CallingWindow.Choice callingWindow) {

    public enum FirstSpeaker { assistant, callee }

    /** {@code tool_config} read into tools (it was checked when the assistant was saved). */
    public List<Tool> tools() {
        return ToolConfig.parse(toolConfig, "config.tool_config");
    }

    /**
     * The LLM or flow that decides what to say.
     *
     * @param baseUrl where an OpenAI-compatible server is (with its version path, as OpenAI's SDKs
     *                take it); empty means the provider's own
     * @param fallbacks tried in order when this one fails (each without fallbacks of its own)
     */
    public record Model(Provider provider, String model, Optional<String> baseUrl, Optional<Double> temperature,
                        Optional<Integer> maxTokens, List<Model> fallbacks) {
        public enum Provider { flow, openai }

        public Model(Provider provider, String model) {
            this(provider, model, Optional.empty(), Optional.empty(), Optional.empty(), List.of());
        }
    }

    /** Speech to text; {@code baseUrl} and {@code fallbacks} as for {@link Model}. */
    public record Transcriber(Provider provider, String model, Optional<String> baseUrl, List<Transcriber> fallbacks) {
        public enum Provider { sphinx, deepgram, openai }

        public Transcriber(Provider provider, String model) {
            this(provider, model, Optional.empty(), List.of());
        }
    }

    /**
     * Text to speech; {@code voiceId} keeps the vendor's camelCase spelling on the wire;
     * {@code baseUrl} and {@code fallbacks} as for {@link Model}.
     */
    public record Voice(Provider provider, String voiceId, String model, Optional<String> baseUrl, List<Voice> fallbacks) {
        public enum Provider { freetts, elevenlabs, openai }

        public Voice(Provider provider, String voiceId, String model) {
            this(provider, voiceId, model, Optional.empty(), List.of());
        }
    }

    /**
     * One network provider this assistant uses: {@code field} is where the config names it
     * ({@code config.model}, {@code config.voice.fallbacks[0]}, ...).
     */
    public record ProviderUse(String field, String provider, Optional<String> baseUrl) {}

    /** Every network provider the assistant's calls may reach, fallbacks included (offline engines are not). */
    public List<ProviderUse> networkProviders() {
        List<ProviderUse> out = new java.util.ArrayList<>();
        add(out, "config.model", model);
        for (int i = 0; i < model.fallbacks().size(); i++) {
            add(out, "config.model.fallbacks[" + i + "]", model.fallbacks().get(i));
        }
        add(out, "config.transcriber", transcriber);
        for (int i = 0; i < transcriber.fallbacks().size(); i++) {
            add(out, "config.transcriber.fallbacks[" + i + "]", transcriber.fallbacks().get(i));
        }
        add(out, "config.voice", voice);
        for (int i = 0; i < voice.fallbacks().size(); i++) {
            add(out, "config.voice.fallbacks[" + i + "]", voice.fallbacks().get(i));
        }
        return List.copyOf(out);
    }

    private static void add(List<ProviderUse> out, String field, Object part) {
        switch (part) {
            case Model m when m.provider() != Model.Provider.flow ->
                    out.add(new ProviderUse(field, m.provider().name(), m.baseUrl()));
            case Transcriber t when t.provider() != Transcriber.Provider.sphinx ->
                    out.add(new ProviderUse(field, t.provider().name(), t.baseUrl()));
            case Voice v when v.provider() != Voice.Provider.freetts ->
                    out.add(new ProviderUse(field, v.provider().name(), v.baseUrl()));
            default -> { }
        }
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

    /**
     * What to do when a machine answers (issue 13). Off by default: an assistant that does not ask
     * runs no detector and its calls behave as before.
     *
     * @param detect whether a detector listens from the answer (the greeting still starts at once)
     * @param action what a machine gets: a hang-up, or {@code message} after its beep
     * @param message what to leave, with the call's {@code {{variables}}}; present for {@code leave_message}
     * @param beepWaitSeconds the longest wait, from the machine verdict, for the beep (or the end of
     *                        the greeting) before the message is spoken anyway
     */
    public record Voicemail(boolean detect, Action action, Optional<Template> message, int beepWaitSeconds) {
        public static final Voicemail OFF = new Voicemail(false, Action.hangup, Optional.empty(), 30);

        public enum Action { hangup, leave_message }

        public Voicemail {
            if (action == Action.leave_message && message.isEmpty()) {
                throw new IllegalArgumentException("leave_message needs a message");
            }
        }
    }
}
