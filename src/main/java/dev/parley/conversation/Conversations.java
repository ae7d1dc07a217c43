package dev.parley.conversation;

import dev.parley.safeguards.OptOutRules;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.Endpoint;
import dev.parley.ai.Endpoints;
import dev.parley.ai.FallbackSpeechToText;
import dev.parley.ai.FallbackVoice;
import dev.parley.ai.KeyedProvider;
import dev.parley.ai.Responder;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.TextToSpeech;
import dev.parley.ai.Usage;
import dev.parley.ai.deepgram.DeepgramSpeechToText;
import dev.parley.ai.elevenlabs.ElevenLabsVoice;
import dev.parley.ai.flow.FlowResponder;
import dev.parley.ai.openai.OpenAiResponder;
import dev.parley.ai.openai.OpenAiTranscriber;
import dev.parley.ai.openai.OpenAiVoice;
import dev.parley.ai.openai.Options;
import dev.parley.ai.openai.Route;
import dev.parley.ai.openai.SdkWarmUp;
import dev.parley.ai.tools.ToolCaller;
import dev.parley.amd.AnsweringMachineDetector;
import dev.parley.call.Channel;
import dev.parley.assistant.Assistant;
import dev.parley.assistant.AssistantConfig;
import dev.parley.assistant.AssistantStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where an assistant's {@code config} becomes a running conversation: the one place providers are
 * chosen and wired (no service loading, no reflection). The offline engines are node-wide and
 * shared: Sphinx4 recognizers are pooled and borrowed per utterance, FreeTTS voices cache by text.
 * Network providers (OpenAI-compatible models, recognizers and voices, Deepgram, ElevenLabs) are
 * made per call, since each counts that call's usage and holds its connections, with each part's
 * fallbacks behind it; FreeTTS says the apology when they all fail.
 */
public final class Conversations implements AutoCloseable {
    private final AssistantStore assistants;
    private final ObjectMapper json;
    private final SpeechToText sphinx;
    private final TextToSpeech freetts;
    private final Conversation.Observer observer;
    private final AutoCloseable engines;
    private final Network network;

    /**
     * What calls need to reach network providers.
     *
     * @param endpoints base URLs checked by the SSRF guard, and the workspace's (else the node's) keys
     * @param tools runs the assistants' HTTP tools, signed like webhooks
     */
    public record Network(Endpoints endpoints, ToolCaller tools, Options modelTimings) {}

    /** @param engines what the offline providers run on (the recognizer pool), closed with this */
    public Conversations(AssistantStore assistants, ObjectMapper json, SpeechToText sphinx, TextToSpeech freetts,
                         Conversation.Observer observer, AutoCloseable engines, Network network) {
        this.engines = engines;
        this.assistants = assistants;
        this.json = json;
        this.sphinx = sphinx;
        this.freetts = freetts;
        this.observer = observer;
        this.network = network;
    }

    /**
     * @throws IllegalStateException when the assistant is gone, or a provider it needs cannot be
     *         reached (its base URL now resolves inside the network, its key was deleted): the call
     *         ends {@code provider-error} before it is dialed
     */
    /**
     * @param workspaceOptOut the workspace's {@code opt_out} setting as stored (JSON), null for the defaults
     * @param channel a web call has no number: no machine can answer it and there is no number to opt out
     */
    public Conversation open(String callId, String workspaceId, String assistantId, String variables, String workspaceOptOut,
                             Channel channel, Conversation.Line line) {
        Assistant assistant = assistants.find(workspaceId, assistantId)
                .orElseThrow(() -> new IllegalStateException("assistant " + assistantId + " no longer exists"));
        AssistantConfig c = assistant.config();
        Usage usage = new Usage();
        List<AutoCloseable> perCall = new ArrayList<>();
        Responder responder = switch (c.model().provider()) {
            case flow -> new FlowResponder(c);
            case openai -> {
                SdkWarmUp.once();
                List<Route> routes = new ArrayList<>();
                routes.add(route(workspaceId, "config.model", c.model()));
                for (int i = 0; i < c.model().fallbacks().size(); i++) {
                    routes.add(route(workspaceId, "config.model.fallbacks[" + i + "]", c.model().fallbacks().get(i)));
                }
                yield OpenAiResponder.of(c, routes, network.tools(), workspaceId, usage, network.modelTimings());
            }
        };
        SpeechToText stt = transcriber(workspaceId, c, usage);
        TextToSpeech voice = voice(workspaceId, c, usage, perCall);
        voice.warm(); // a network voice connects while the phone rings
        JsonNode vars;
        try {
            vars = json.readTree(variables == null ? "{}" : variables);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AutoCloseable resources = () -> {
            for (AutoCloseable r : perCall) {
                r.close();
            }
        };
        var providers = new Conversation.Providers(responder.start(callId, vars), stt.start(), voice, freetts, usage, resources);
        return new Conversation(callId, turnTaking(c.turnTaking()), c.firstSpeaker() == AssistantConfig.FirstSpeaker.assistant,
                providers, line, observer, channel == Channel.PHONE ? voicemail(c, vars, line) : null,
                channel == Channel.PHONE ? courtesy(c, workspaceOptOut) : new Conversation.Courtesy(c.disclosure().orElse(null),
                        Conversation.Courtesy.NONE.optOut()));
    }

    /** The assistant's disclosure, and its opt-out rules, else the workspace's, else Parley's defaults. */
    private Conversation.Courtesy courtesy(AssistantConfig c, String workspaceOptOut) {
        OptOutRules rules = c.optOut().orElseGet(() -> {
            if (workspaceOptOut == null) {
                return OptOutRules.DEFAULT;
            }
            try {
                return OptOutRules.parse(json.readTree(workspaceOptOut), "opt_out");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return new Conversation.Courtesy(c.disclosure().orElse(null), rules);
    }

    /** A detector of the call's own (it keeps state per call), only for assistants that ask for one. */
    private static Voicemail voicemail(AssistantConfig c, JsonNode variables, Conversation.Line line) {
        AssistantConfig.Voicemail v = c.voicemail();
        if (!v.detect()) {
            return null;
        }
        Voicemail.Plan plan = switch (v.action()) {
            case hangup -> new Voicemail.Plan.HangUp();
            case leave_message -> new Voicemail.Plan.Leave(v.message().orElseThrow().render(variables).strip(),
                    v.beepWaitSeconds() * 1_000);
        };
        return new Voicemail(new AnsweringMachineDetector(c.language()), plan, c.turnTaking().vadThresholdDb(), line::record);
    }

    private SpeechToText transcriber(String workspaceId, AssistantConfig c, Usage usage) {
        AssistantConfig.Transcriber t = c.transcriber();
        if (t.provider() == AssistantConfig.Transcriber.Provider.sphinx) {
            return sphinx;
        }
        List<SpeechToText> chain = new ArrayList<>();
        chain.add(transcriber(workspaceId, "config.transcriber", t, c, usage));
        for (int i = 0; i < t.fallbacks().size(); i++) {
            chain.add(transcriber(workspaceId, "config.transcriber.fallbacks[" + i + "]", t.fallbacks().get(i), c, usage));
        }
        return chain.size() == 1 ? chain.getFirst() : new FallbackSpeechToText(chain);
    }

    private SpeechToText transcriber(String workspaceId, String field, AssistantConfig.Transcriber t, AssistantConfig c,
                                     Usage usage) {
        return switch (t.provider()) {
            case sphinx -> sphinx;
            case deepgram -> new DeepgramSpeechToText(endpoint(workspaceId, field, "deepgram", t.baseUrl()), t.model(),
                    c.language(), c.turnTaking().endpointingMs(), usage);
            // Two attempts of 3 s fit in the conversation's 8 s wait for a final.
            case openai -> new OpenAiTranscriber(endpoint(workspaceId, field, "openai", t.baseUrl()), t.model(),
                    c.language(), usage, Duration.ofSeconds(3));
        };
    }

    private TextToSpeech voice(String workspaceId, AssistantConfig c, Usage usage, List<AutoCloseable> perCall) {
        AssistantConfig.Voice v = c.voice();
        if (v.provider() == AssistantConfig.Voice.Provider.freetts) {
            return freetts;
        }
        List<TextToSpeech> chain = new ArrayList<>();
        chain.add(voice(workspaceId, "config.voice", v, usage));
        for (int i = 0; i < v.fallbacks().size(); i++) {
            chain.add(voice(workspaceId, "config.voice.fallbacks[" + i + "]", v.fallbacks().get(i), usage));
        }
        TextToSpeech voice = chain.size() == 1 ? chain.getFirst() : new FallbackVoice(chain);
        perCall.add(voice::close);
        return voice;
    }

    private TextToSpeech voice(String workspaceId, String field, AssistantConfig.Voice v, Usage usage) {
        return switch (v.provider()) {
            case freetts -> new NodeVoice(freetts);
            case elevenlabs -> new ElevenLabsVoice(endpoint(workspaceId, field, "elevenlabs", v.baseUrl()), v.voiceId(),
                    v.model(), usage);
            case openai -> new OpenAiVoice(endpoint(workspaceId, field, "openai", v.baseUrl()), v.voiceId(), v.model(), usage);
        };
    }

    private Route route(String workspaceId, String field, AssistantConfig.Model m) {
        return new Route(endpoint(workspaceId, field, m.provider().name(), m.baseUrl()), m.model(), m.temperature(),
                m.maxTokens());
    }

    /**
     * The provider's endpoint for this call. Create-call refused calls without a key; one deleted
     * since is refused here, before the phone rings, rather than failing in front of the callee.
     */
    private Endpoint endpoint(String workspaceId, String field, String provider, Optional<String> baseUrl) {
        Endpoint e;
        try {
            e = network.endpoints().of(workspaceId, provider, baseUrl);
        } catch (RuntimeException refused) {
            throw new IllegalStateException(field + ": " + refused.getMessage());
        }
        boolean needsKey = KeyedProvider.of(provider).map(p -> p.needsKey(baseUrl)).orElse(false);
        if (needsKey && e.apiKey().isEmpty()) {
            throw new IllegalStateException(field + " uses provider '" + provider + "', and this workspace has no API key"
                    + " for it: add one with PUT /v1/admin/credentials/" + provider);
        }
        return e;
    }

    /** The node's offline voice as a call's fallback: the chain closes with the call, the voice stays with the node. */
    private record NodeVoice(TextToSpeech voice) implements TextToSpeech {
        @Override
        public Speech synthesize(String text) {
            return voice.synthesize(text);
        }

        @Override
        public void close() {
        }
    }

    @Override
    public void close() {
        network.tools().close();
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
}
