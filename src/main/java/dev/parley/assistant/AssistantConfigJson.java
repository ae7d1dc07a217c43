package dev.parley.assistant;

import dev.parley.safeguards.CallingWindow;
import dev.parley.safeguards.OptOutRules;
import dev.parley.safeguards.RetryRule;
import static dev.parley.error.JsonFields.join;
import static dev.parley.error.JsonFields.optionalArray;
import static dev.parley.error.JsonFields.optionalInt;
import static dev.parley.error.JsonFields.optionalObject;
import static dev.parley.error.JsonFields.optionalString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.flow.FlowJson;
import dev.parley.ai.flow.Template;
import dev.parley.ai.tools.ToolConfig;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Reads an assistant {@code config} object (validating every field) and writes it back complete. */
public final class AssistantConfigJson {
    static final Set<String> FIELDS = Set.of("system_prompt", "end_message", "tool_config", "model", "transcriber",
            "voice", "structured_data", "first_message", "first_speaker", "language", "max_duration_seconds",
            "end_call_phrases", "webhook_url", "metadata", "flow", "turn_taking", "voicemail", "disclosure", "opt_out", "retry",
            "calling_window");
    private static final Set<String> VOICEMAIL_FIELDS = Set.of("detect", "action", "message", "beep_wait_seconds");
    private static final Set<String> TURN_TAKING_FIELDS = Set.of("endpointing_ms", "barge_in", "barge_in_min_ms",
            "min_utterance_ms", "vad_threshold_db", "no_input_timeout_seconds");
    private static final Set<String> MODEL_FIELDS = Set.of("provider", "model", "base_url", "temperature", "max_tokens",
            "fallbacks");
    private static final Set<String> PART_FIELDS = Set.of("provider", "model", "base_url", "fallbacks");
    private static final Set<String> VOICE_FIELDS = Set.of("provider", "voiceId", "model", "base_url", "fallbacks");
    private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{2,8})*");
    private static final int MAX_TEXT = 20_000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public static final String DEFAULT_SYSTEM_PROMPT =
            "You are a friendly, concise phone assistant. Keep answers short and speak plainly.";
    public static final String DEFAULT_FIRST_MESSAGE = "Hello! This is an automated call from Parley. Do you have a moment?";
    public static final String DEFAULT_END_MESSAGE = "Thank you for your time. Goodbye!";

    private AssistantConfigJson() {}

    public static AssistantConfig parse(JsonNode raw) {
        String path = "config";
        ObjectNode node = raw == null || raw.isNull() ? NODES.objectNode() : JsonFields.object(raw, path);
        JsonFields.rejectUnknown(node, path, FIELDS);
        return new AssistantConfig(
                optionalString(node, "system_prompt", path, MAX_TEXT).orElse(DEFAULT_SYSTEM_PROMPT),
                optionalString(node, "end_message", path, 2_000).orElse(DEFAULT_END_MESSAGE),
                toolConfig(node, path),
                model(node, path),
                transcriber(node, path),
                voice(node, path),
                StructuredFields.parse(node.get("structured_data"), join(path, "structured_data")).stream()
                        .<JsonNode>map(StructuredFields::write).toList(),
                optionalString(node, "first_message", path, 2_000).orElse(DEFAULT_FIRST_MESSAGE),
                enumValue(node, "first_speaker", path, AssistantConfig.FirstSpeaker.class)
                        .orElse(AssistantConfig.FirstSpeaker.assistant),
                language(node, path),
                optionalInt(node, "max_duration_seconds", path, 1, 4 * 3600).orElse(600),
                phrases(node, path),
                webhookUrl(node, path),
                optionalObject(node, "metadata", path).map(ObjectNode::deepCopy).orElseGet(NODES::objectNode),
                Optional.ofNullable(node.get("flow")).filter(f -> !f.isNull()).map(f -> FlowJson.parse(f, join(path, "flow"))),
                turnTaking(node, path),
                voicemail(node, path),
                optionalString(node, "disclosure", path, 500).map(String::strip).filter(d -> !d.isEmpty()),
                Optional.ofNullable(node.get("opt_out")).filter(o -> !o.isNull())
                        .map(o -> OptOutRules.parse(o, join(path, "opt_out"))),
                Optional.ofNullable(node.get("retry")).filter(r -> !r.isNull())
                        .map(r -> RetryRule.parse(r, join(path, "retry"))),
                CallingWindow.choice(node, "calling_window", path));
    }

    public static ObjectNode write(AssistantConfig c) {
        ObjectNode o = NODES.objectNode();
        o.put("system_prompt", c.systemPrompt());
        o.put("end_message", c.endMessage());
        o.set("tool_config", array(c.toolConfig()));
        o.set("model", writeModel(c.model()));
        o.set("transcriber", writeTranscriber(c.transcriber()));
        o.set("voice", writeVoice(c.voice()));
        o.set("structured_data", array(c.structuredData()));
        o.put("first_message", c.firstMessage());
        o.put("first_speaker", c.firstSpeaker().name());
        o.put("language", c.language());
        o.put("max_duration_seconds", c.maxDurationSeconds());
        ArrayNode phrases = o.putArray("end_call_phrases");
        c.endCallPhrases().forEach(phrases::add);
        if (c.webhookUrl().isPresent()) {
            o.put("webhook_url", c.webhookUrl().get());
        } else {
            o.putNull("webhook_url");
        }
        o.set("metadata", c.metadata());
        if (c.flow().isPresent()) {
            o.set("flow", FlowJson.write(c.flow().get()));
        } else {
            o.putNull("flow");
        }
        ObjectNode turns = o.putObject("turn_taking");
        AssistantConfig.TurnTaking t = c.turnTaking();
        turns.put("endpointing_ms", t.endpointingMs());
        turns.put("barge_in", t.bargeIn());
        turns.put("barge_in_min_ms", t.bargeInMinMs());
        turns.put("min_utterance_ms", t.minUtteranceMs());
        turns.put("vad_threshold_db", t.vadThresholdDb());
        turns.put("no_input_timeout_seconds", t.noInputTimeoutSeconds());
        ObjectNode vm = o.putObject("voicemail");
        AssistantConfig.Voicemail v = c.voicemail();
        vm.put("detect", v.detect());
        vm.put("action", v.action().name());
        if (v.message().isPresent()) {
            vm.put("message", v.message().get().source());
        } else {
            vm.putNull("message");
        }
        vm.put("beep_wait_seconds", v.beepWaitSeconds());
        o.put("disclosure", c.disclosure().orElse(null));
        o.set("opt_out", c.optOut().<JsonNode>map(OptOutRules::write).orElse(NODES.nullNode()));
        o.set("retry", c.retry().<JsonNode>map(RetryRule::write).orElse(NODES.nullNode()));
        switch (c.callingWindow()) {
            case CallingWindow.Choice.Inherit inherit -> { } // absent: the workspace's applies
            case CallingWindow.Choice.Off off -> o.putNull("calling_window");
            case CallingWindow.Choice.Use use -> o.set("calling_window", use.window().write());
        }
        return o;
    }

    private static ObjectNode writeModel(AssistantConfig.Model m) {
        ObjectNode o = NODES.objectNode();
        o.put("provider", m.provider().name());
        o.put("model", m.model());
        m.baseUrl().ifPresent(u -> o.put("base_url", u));
        m.temperature().ifPresent(t -> o.put("temperature", t));
        m.maxTokens().ifPresent(t -> o.put("max_tokens", t));
        if (!m.fallbacks().isEmpty()) {
            ArrayNode fallbacks = o.putArray("fallbacks");
            m.fallbacks().forEach(f -> fallbacks.add(writeModel(f)));
        }
        return o;
    }

    private static ObjectNode writeTranscriber(AssistantConfig.Transcriber t) {
        ObjectNode o = NODES.objectNode();
        o.put("provider", t.provider().name());
        o.put("model", t.model());
        t.baseUrl().ifPresent(u -> o.put("base_url", u));
        if (!t.fallbacks().isEmpty()) {
            ArrayNode fallbacks = o.putArray("fallbacks");
            t.fallbacks().forEach(f -> fallbacks.add(writeTranscriber(f)));
        }
        return o;
    }

    private static ObjectNode writeVoice(AssistantConfig.Voice v) {
        ObjectNode o = NODES.objectNode();
        o.put("provider", v.provider().name());
        o.put("voiceId", v.voiceId());
        o.put("model", v.model());
        v.baseUrl().ifPresent(u -> o.put("base_url", u));
        if (!v.fallbacks().isEmpty()) {
            ArrayNode fallbacks = o.putArray("fallbacks");
            v.fallbacks().forEach(f -> fallbacks.add(writeVoice(f)));
        }
        return o;
    }

    private static AssistantConfig.TurnTaking turnTaking(ObjectNode node, String path) {
        String where = join(path, "turn_taking");
        ObjectNode t = optionalObject(node, "turn_taking", path).orElseGet(NODES::objectNode);
        JsonFields.rejectUnknown(t, where, TURN_TAKING_FIELDS);
        var d = AssistantConfig.TurnTaking.DEFAULT;
        return new AssistantConfig.TurnTaking(
                optionalInt(t, "endpointing_ms", where, 100, 5_000).orElse(d.endpointingMs()),
                JsonFields.optionalBoolean(t, "barge_in", where).orElse(d.bargeIn()),
                optionalInt(t, "barge_in_min_ms", where, 40, 2_000).orElse(d.bargeInMinMs()),
                optionalInt(t, "min_utterance_ms", where, 40, 2_000).orElse(d.minUtteranceMs()),
                optionalInt(t, "vad_threshold_db", where, 3, 40).orElse(d.vadThresholdDb()),
                optionalInt(t, "no_input_timeout_seconds", where, 1, 60).orElse(d.noInputTimeoutSeconds()));
    }

    /**
     * {@code message} is a template checked now, so a typo in a placeholder is refused when the
     * assistant is saved rather than spoken into someone's mailbox.
     */
    private static AssistantConfig.Voicemail voicemail(ObjectNode node, String path) {
        String where = join(path, "voicemail");
        ObjectNode v = optionalObject(node, "voicemail", path).orElseGet(NODES::objectNode);
        JsonFields.rejectUnknown(v, where, VOICEMAIL_FIELDS);
        var d = AssistantConfig.Voicemail.OFF;
        boolean detect = JsonFields.optionalBoolean(v, "detect", where).orElse(d.detect());
        var action = enumValue(v, "action", where, AssistantConfig.Voicemail.Action.class).orElse(d.action());
        String field = join(where, "message");
        Optional<Template> message = optionalString(v, "message", where, 2_000).filter(m -> !m.isBlank()).map(m -> {
            try {
                return Template.parse(m.strip());
            } catch (Template.Malformed e) {
                throw Problem.invalid(field, "'" + field + "' " + e.getMessage());
            }
        });
        if (action == AssistantConfig.Voicemail.Action.leave_message && message.isEmpty()) {
            throw Problem.invalid(field, "'" + field + "' is required when '" + join(where, "action")
                    + "' is 'leave_message': write what the mailbox should record (up to 2,000 characters; {{variables}} allowed)");
        }
        int beepWait = optionalInt(v, "beep_wait_seconds", where, 1, 120).orElse(d.beepWaitSeconds());
        return new AssistantConfig.Voicemail(detect, action, message, beepWait);
    }

    private static AssistantConfig.Model model(ObjectNode node, String path) {
        ObjectNode m = optionalObject(node, "model", path).orElseGet(NODES::objectNode);
        return model(m, join(path, "model"), true);
    }

    private static AssistantConfig.Model model(ObjectNode m, String where, boolean primary) {
        JsonFields.rejectUnknown(m, where, primary ? MODEL_FIELDS : without(MODEL_FIELDS, "fallbacks"));
        var provider = enumValue(m, "provider", where, AssistantConfig.Model.Provider.class)
                .orElse(AssistantConfig.Model.Provider.flow);
        String name = optionalString(m, "model", where, 200).filter(s -> !s.isBlank()).orElse(switch (provider) {
            case flow -> "default";
            case openai -> "gpt-4o-mini";
        });
        Optional<String> baseUrl = baseUrl(m, where);
        Optional<Double> temperature = optionalNumber(m, "temperature", where, 0, 2);
        Optional<Integer> maxTokens = optionalInt(m, "max_tokens", where, 1, 32_768);
        if (provider == AssistantConfig.Model.Provider.flow) {
            onlyOffered(where, "model", name, "default", "the flow responder runs config.flow and has no models to choose");
            networkOnly(where, "base_url", baseUrl, "the flow responder runs here, with no server to reach");
            if (!primary) {
                throw Problem.invalid(join(where, "provider"), "'" + join(where, "provider")
                        + "' is 'flow': a fallback is a network provider (openai) tried when the one before it fails");
            }
        }
        List<AssistantConfig.Model> fallbacks = new ArrayList<>();
        if (primary) {
            List<ObjectNode> items = fallbackObjects(m, where);
            for (int i = 0; i < items.size(); i++) {
                fallbacks.add(model(items.get(i), where + ".fallbacks[" + i + "]", false));
            }
            if (!fallbacks.isEmpty() && provider == AssistantConfig.Model.Provider.flow) {
                throw Problem.invalid(join(where, "fallbacks"), "'" + join(where, "fallbacks")
                        + "' needs a network model: the flow responder runs here and does not fail over");
            }
        }
        return new AssistantConfig.Model(provider, name, baseUrl, temperature, maxTokens, List.copyOf(fallbacks));
    }

    private static AssistantConfig.Transcriber transcriber(ObjectNode node, String path) {
        ObjectNode t = optionalObject(node, "transcriber", path).orElseGet(NODES::objectNode);
        return transcriber(t, join(path, "transcriber"), true);
    }

    private static AssistantConfig.Transcriber transcriber(ObjectNode t, String where, boolean primary) {
        JsonFields.rejectUnknown(t, where, primary ? PART_FIELDS : without(PART_FIELDS, "fallbacks"));
        var provider = enumValue(t, "provider", where, AssistantConfig.Transcriber.Provider.class)
                .orElse(AssistantConfig.Transcriber.Provider.sphinx);
        String name = optionalString(t, "model", where, 200).filter(s -> !s.isBlank()).orElse(switch (provider) {
            case sphinx -> "en-us";
            case deepgram -> "nova-3";
            case openai -> "whisper-1";
        });
        Optional<String> baseUrl = baseUrl(t, where);
        if (provider == AssistantConfig.Transcriber.Provider.sphinx) {
            onlyOffered(where, "model", name, "en-us", "Sphinx4 ships one model, US English");
            networkOnly(where, "base_url", baseUrl, "Sphinx4 runs here, with no server to reach");
        }
        List<AssistantConfig.Transcriber> fallbacks = new ArrayList<>();
        if (primary) {
            List<ObjectNode> items = fallbackObjects(t, where);
            for (int i = 0; i < items.size(); i++) {
                fallbacks.add(transcriber(items.get(i), where + ".fallbacks[" + i + "]", false));
            }
        }
        return new AssistantConfig.Transcriber(provider, name, baseUrl, List.copyOf(fallbacks));
    }

    private static AssistantConfig.Voice voice(ObjectNode node, String path) {
        ObjectNode v = optionalObject(node, "voice", path).orElseGet(NODES::objectNode);
        return voice(v, join(path, "voice"), true);
    }

    private static AssistantConfig.Voice voice(ObjectNode v, String where, boolean primary) {
        JsonFields.rejectUnknown(v, where, primary ? VOICE_FIELDS : without(VOICE_FIELDS, "fallbacks"));
        var provider = enumValue(v, "provider", where, AssistantConfig.Voice.Provider.class)
                .orElse(AssistantConfig.Voice.Provider.freetts);
        String voiceId = optionalString(v, "voiceId", where, 200).filter(s -> !s.isBlank()).orElse(switch (provider) {
            case freetts -> "kevin";
            case elevenlabs -> "21m00Tcm4TlvDq8ikWAM";
            case openai -> "alloy";
        });
        String model = optionalString(v, "model", where, 200).filter(s -> !s.isBlank()).orElse(switch (provider) {
            case freetts -> "kevin-8khz";
            case elevenlabs -> "eleven_flash_v2_5";
            case openai -> "gpt-4o-mini-tts";
        });
        Optional<String> baseUrl = baseUrl(v, where);
        if (provider == AssistantConfig.Voice.Provider.freetts) {
            onlyOffered(where, "voiceId", voiceId, "kevin", "FreeTTS has one telephone-rate voice");
            onlyOffered(where, "model", model, "kevin-8khz", "FreeTTS has one telephone-rate voice");
            networkOnly(where, "base_url", baseUrl, "FreeTTS runs here, with no server to reach");
        }
        List<AssistantConfig.Voice> fallbacks = new ArrayList<>();
        if (primary) {
            List<ObjectNode> items = fallbackObjects(v, where);
            for (int i = 0; i < items.size(); i++) {
                fallbacks.add(voice(items.get(i), where + ".fallbacks[" + i + "]", false));
            }
        }
        return new AssistantConfig.Voice(provider, voiceId, model, baseUrl, List.copyOf(fallbacks));
    }

    private static Optional<String> baseUrl(ObjectNode node, String where) {
        return optionalString(node, "base_url", where, 2_000).map(u -> checkWebhookUrl(join(where, "base_url"), u));
    }

    private static void networkOnly(String where, String field, Optional<String> value, String why) {
        if (value.isPresent()) {
            String f = join(where, field);
            throw Problem.invalid(f, "'" + f + "' is set, but " + why + ". Leave it out, or choose a network provider");
        }
    }

    private static List<ObjectNode> fallbackObjects(ObjectNode node, String where) {
        String f = join(where, "fallbacks");
        List<JsonNode> items = optionalArray(node, "fallbacks", where, 3).orElse(List.of());
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode item : items) {
            if (!item.isObject()) {
                throw Problem.invalid(f, "'" + f + "' must be an array of provider objects, such as"
                        + " [{\"provider\": \"openai\", \"model\": \"gpt-4o-mini\"}]");
            }
            out.add((ObjectNode) item);
        }
        return out;
    }

    private static Optional<Double> optionalNumber(ObjectNode node, String field, String where, double min, double max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        String f = join(where, field);
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw Problem.invalid(f, "'" + f + "' must be a number from " + min + " to " + max);
        }
        return Optional.of(v.asDouble());
    }

    private static Set<String> without(Set<String> fields, String field) {
        Set<String> s = new java.util.HashSet<>(fields);
        s.remove(field);
        return Set.copyOf(s);
    }

    /**
     * The offline engines have exactly one model or voice each: a value they cannot honour is refused
     * rather than silently replaced, so nobody believes they chose a voice they will never hear.
     */
    private static void onlyOffered(String where, String field, String value, String offered, String why) {
        if (!value.equals(offered)) {
            String f = join(where, field);
            throw Problem.invalid(f, "'" + f + "' is '" + value + "', but " + why + ": '" + offered
                    + "'. Leave it out, or choose a provider that offers '" + value + "'");
        }
    }

    /** Provider names and the like: case-insensitive, and a wrong one lists every allowed value. */
    private static <E extends Enum<E>> Optional<E> enumValue(ObjectNode node, String field, String path, Class<E> type) {
        Optional<String> raw = optionalString(node, field, path, 100);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        String value = raw.get().strip().toLowerCase(Locale.ROOT);
        E[] constants = type.getEnumConstants();
        for (E e : constants) {
            if (e.name().equals(value)) {
                return Optional.of(e);
            }
        }
        String allowed = String.join(", ", Arrays.stream(constants).map(Enum::name).toList());
        throw Problem.invalid(join(path, field), "'" + join(path, field) + "' must be one of: " + allowed);
    }

    private static String language(ObjectNode node, String path) {
        String value = optionalString(node, "language", path, 35).orElse("en-US").strip();
        if (!LANGUAGE.matcher(value.toLowerCase(Locale.ROOT)).matches()) {
            throw Problem.invalid("config.language", "'config.language' must be a BCP 47 language tag such as en-US");
        }
        return value;
    }

    private static List<String> phrases(ObjectNode node, String path) {
        Optional<List<JsonNode>> items = optionalArray(node, "end_call_phrases", path, 50);
        if (items.isEmpty()) {
            return List.of("goodbye", "bye bye");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : items.get()) {
            if (!item.isTextual() || item.textValue().isBlank() || item.textValue().length() > 200) {
                throw Problem.invalid("config.end_call_phrases",
                        "'config.end_call_phrases' must be an array of non-empty strings of at most 200 characters");
            }
            out.add(item.textValue().strip());
        }
        return List.copyOf(out);
    }

    /** Kept as written (the vendor's shape), but checked now so a call never meets a tool it cannot use. */
    private static List<JsonNode> toolConfig(ObjectNode node, String path) {
        List<JsonNode> entries = objects(node, "tool_config", path);
        ToolConfig.parse(entries, join(path, "tool_config"));
        return entries;
    }

    private static List<JsonNode> objects(ObjectNode node, String field, String path) {
        List<JsonNode> items = optionalArray(node, field, path, 100).orElse(List.of());
        for (JsonNode item : items) {
            if (!item.isObject()) {
                throw Problem.invalid(join(path, field), "'" + join(path, field) + "' must be an array of objects");
            }
        }
        return items.stream().<JsonNode>map(JsonNode::deepCopy).toList();
    }

    private static Optional<String> webhookUrl(ObjectNode node, String path) {
        return optionalString(node, "webhook_url", path, 2_000).map(u -> checkWebhookUrl("config.webhook_url", u));
    }

    /** An absolute http(s) URL; where it may point is decided when events are delivered. */
    public static String checkWebhookUrl(String field, String url) {
        Function<String, Problem> bad = why -> Problem.invalid(field, "'" + field + "' " + why);
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (Exception e) {
            throw bad.apply("is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw bad.apply("must be an https:// URL (or http:// to a local receiver in development)");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw bad.apply("has no host name");
        }
        return uri.toString();
    }

    private static ArrayNode array(List<JsonNode> items) {
        ArrayNode a = NODES.arrayNode();
        items.forEach(a::add);
        return a;
    }
}
