package dev.parley.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.assistant.StructuredField;
import dev.parley.error.Problem;
import dev.parley.error.StorableText;
import java.util.List;
import java.util.Optional;

/**
 * Reads the model's answer and keeps only what the assistant declared, of the declared type: a
 * value of another type, or not among an enum's values, becomes null, as does a field the model left
 * out; keys nobody declared are dropped. The schema asks for all this, but servers without strict
 * structured outputs (and models in plain JSON mode) do not always comply, and what they send ends
 * up in a customer's webhook.
 */
final class AnswerReader {
    static final int MAX_SUMMARY = 2_000;
    static final int MAX_TEXT = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** What the model made of the call, checked. */
    record Answer(Optional<String> summary, ObjectNode values) {}

    /** Not a JSON object, even inside a code fence: the model did not answer in JSON. */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    private AnswerReader() {}

    static Answer read(String content, List<StructuredField> fields) throws Unreadable {
        JsonNode root = object(content);
        JsonNode given = root.path("structured_data");
        ObjectNode values = NODES.objectNode();
        for (StructuredField f : fields) {
            values.set(f.name(), value(f, given.get(f.name())));
        }
        JsonNode summary = root.get("summary");
        Optional<String> s = summary != null && summary.isTextual() && !summary.textValue().isBlank()
                && storable(summary.textValue()) ? Optional.of(cut(summary.textValue().strip(), MAX_SUMMARY)) : Optional.empty();
        return new Answer(s, values);
    }

    private static JsonNode value(StructuredField f, JsonNode v) {
        if (v == null || v.isNull()) {
            return NODES.nullNode();
        }
        return switch (f) {
            case StructuredField.Text t -> v.isTextual() && storable(v.textValue())
                    ? NODES.textNode(cut(v.textValue(), MAX_TEXT)) : NODES.nullNode();
            case StructuredField.Number n -> v.isNumber() && Double.isFinite(v.asDouble()) ? v : NODES.nullNode();
            case StructuredField.Flag b -> v.isBoolean() ? v : NODES.nullNode();
            case StructuredField.Choice c -> v.isTextual() ? c.values().stream()
                    .filter(allowed -> allowed.equalsIgnoreCase(v.textValue().strip()))
                    .findFirst().<JsonNode>map(NODES::textNode).orElse(NODES.nullNode()) : NODES.nullNode();
        };
    }

    /** Models in plain JSON mode sometimes wrap the object in a Markdown code fence or a sentence. */
    private static JsonNode object(String content) throws Unreadable {
        if (content == null || content.isBlank()) {
            throw new Unreadable("the answer was empty");
        }
        int start = content.indexOf('{');
        int end = content.lastIndexOf('}');
        if (start < 0 || end < start) {
            throw new Unreadable("the answer held no JSON object");
        }
        try {
            JsonNode root = JSON.readTree(content.substring(start, end + 1));
            if (!root.isObject()) {
                throw new Unreadable("the answer was not a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new Unreadable("the answer was not valid JSON");
        }
    }

    private static String cut(String s, int max) {
        return s.codePointCount(0, s.length()) <= max ? s : s.substring(0, s.offsetByCodePoints(0, max));
    }

    /**
     * Text PostgreSQL refuses (a NUL, a lone surrogate) would make the call's final write fail again
     * and again; such a value counts as not given.
     */
    private static boolean storable(String s) {
        try {
            StorableText.check("answer", s);
            return true;
        } catch (Problem e) {
            return false;
        }
    }
}
