package dev.parley.assistant;

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
            "end_call_phrases", "webhook_url", "metadata", "flow", "turn_taking");
    private static final Set<String> TURN_TAKING_FIELDS = Set.of("endpointing_ms", "barge_in", "barge_in_min_ms",
            "min_utterance_ms", "vad_threshold_db", "no_input_timeout_seconds");
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
                objects(node, "tool_config", path),
                model(node, path),
                transcriber(node, path),
                voice(node, path),
                objects(node, "structured_data", path),
                optionalString(node, "first_message", path, 2_000).orElse(DEFAULT_FIRST_MESSAGE),
                enumValue(node, "first_speaker", path, AssistantConfig.FirstSpeaker.class)
                        .orElse(AssistantConfig.FirstSpeaker.assistant),
                language(node, path),
                optionalInt(node, "max_duration_seconds", path, 1, 4 * 3600).orElse(600),
                phrases(node, path),
                webhookUrl(node, path),
                optionalObject(node, "metadata", path).map(ObjectNode::deepCopy).orElseGet(NODES::objectNode),
                Optional.ofNullable(node.get("flow")).filter(f -> !f.isNull()).map(f -> FlowJson.parse(f, join(path, "flow"))),
                turnTaking(node, path));
    }

    public static ObjectNode write(AssistantConfig c) {
        ObjectNode o = NODES.objectNode();
        o.put("system_prompt", c.systemPrompt());
        o.put("end_message", c.endMessage());
        o.set("tool_config", array(c.toolConfig()));
        ObjectNode model = o.putObject("model");
        model.put("provider", c.model().provider().name());
        model.put("model", c.model().model());
        ObjectNode transcriber = o.putObject("transcriber");
        transcriber.put("provider", c.transcriber().provider().name());
        transcriber.put("model", c.transcriber().model());
        ObjectNode voice = o.putObject("voice");
        voice.put("provider", c.voice().provider().name());
        voice.put("voiceId", c.voice().voiceId());
        voice.put("model", c.voice().model());
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

    private static AssistantConfig.Model model(ObjectNode node, String path) {
        String where = join(path, "model");
        ObjectNode m = optionalObject(node, "model", path).orElseGet(NODES::objectNode);
        JsonFields.rejectUnknown(m, where, Set.of("provider", "model"));
        var provider = enumValue(m, "provider", where, AssistantConfig.Model.Provider.class)
                .orElse(AssistantConfig.Model.Provider.flow);
        String name = optionalString(m, "model", where, 200).filter(s -> !s.isBlank()).orElse(switch (provider) {
            case flow -> "default";
            case openai -> "gpt-4o-mini";
        });
        if (provider == AssistantConfig.Model.Provider.flow) {
            onlyOffered(where, "model", name, "default", "the flow responder runs config.flow and has no models to choose");
        }
        return new AssistantConfig.Model(provider, name);
    }

    private static AssistantConfig.Transcriber transcriber(ObjectNode node, String path) {
        String where = join(path, "transcriber");
        ObjectNode t = optionalObject(node, "transcriber", path).orElseGet(NODES::objectNode);
        JsonFields.rejectUnknown(t, where, Set.of("provider", "model"));
        var provider = enumValue(t, "provider", where, AssistantConfig.Transcriber.Provider.class)
                .orElse(AssistantConfig.Transcriber.Provider.sphinx);
        String name = optionalString(t, "model", where, 200).filter(s -> !s.isBlank()).orElse(switch (provider) {
            case sphinx -> "en-us";
            case deepgram -> "nova-3";
        });
        if (provider == AssistantConfig.Transcriber.Provider.sphinx) {
            onlyOffered(where, "model", name, "en-us", "Sphinx4 ships one model, US English");
        }
        return new AssistantConfig.Transcriber(provider, name);
    }

    private static AssistantConfig.Voice voice(ObjectNode node, String path) {
        String where = join(path, "voice");
        ObjectNode v = optionalObject(node, "voice", path).orElseGet(NODES::objectNode);
        JsonFields.rejectUnknown(v, where, Set.of("provider", "voiceId", "model"));
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
        if (provider == AssistantConfig.Voice.Provider.freetts) {
            onlyOffered(where, "voiceId", voiceId, "kevin", "FreeTTS has one telephone-rate voice");
            onlyOffered(where, "model", model, "kevin-8khz", "FreeTTS has one telephone-rate voice");
        }
        return new AssistantConfig.Voice(provider, voiceId, model);
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
