package dev.parley.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.assistant.StructuredField;
import java.util.List;

/**
 * The JSON schema the model answers in: {@code {"summary": string, "structured_data": {field: value
 * or null}}}. Written for strict structured outputs: every property required, no others allowed, a
 * field the call did not tell is {@code null} rather than missing. The fields sit under their own
 * key so that one named {@code summary} cannot collide with the summary.
 */
final class AnswerSchema {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AnswerSchema() {}

    static ObjectNode of(List<StructuredField> fields) {
        ObjectNode values = NODES.objectNode();
        ArrayNode names = NODES.arrayNode();
        for (StructuredField f : fields) {
            values.set(f.name(), value(f));
            names.add(f.name());
        }
        ObjectNode properties = NODES.objectNode();
        properties.putObject("summary").put("type", "string")
                .put("description", "Two or three sentences: what the call was about and how it ended");
        properties.set("structured_data", object(values, names));
        return object(properties, NODES.arrayNode().add("summary").add("structured_data"));
    }

    private static ObjectNode value(StructuredField f) {
        ObjectNode v = NODES.objectNode();
        ArrayNode type = v.putArray("type");
        switch (f) {
            case StructuredField.Text t -> type.add("string");
            case StructuredField.Number n -> type.add("number");
            case StructuredField.Flag b -> type.add("boolean");
            case StructuredField.Choice c -> {
                type.add("string");
                ArrayNode allowed = v.putArray("enum");
                c.values().forEach(allowed::add);
                allowed.addNull();
            }
        }
        type.add("null");
        f.description().ifPresent(d -> v.put("description", d));
        return v;
    }

    private static ObjectNode object(ObjectNode properties, ArrayNode required) {
        ObjectNode o = NODES.objectNode();
        o.put("type", "object");
        o.set("properties", properties);
        o.set("required", required);
        o.put("additionalProperties", false);
        return o;
    }
}
