package dev.parley.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and writes an assistant's {@code structured_data}: an array of at most {@value #MAX_FIELDS}
 * fields, each {@code {"name", "type": string|number|boolean|enum, "description"?, "enum"?}}.
 * Names are identifiers (they become keys of the call's {@code structured_data} and of the JSON
 * schema the model answers in) and unique; {@code enum} is required, non-empty and unique exactly
 * when the type is {@code enum}. Lengths count characters (code points), as PostgreSQL does:
 * V12 moved stored lists that break these rules aside with the same rules in SQL, so every stored
 * assistant stays readable.
 */
public final class StructuredFields {
    public static final int MAX_FIELDS = 50;
    static final int MAX_VALUES = 100;
    static final int MAX_VALUE = 200;
    static final int MAX_DESCRIPTION = 1_000;
    private static final Set<String> FIELDS = Set.of("name", "type", "description", "enum");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StructuredFields() {}

    /** @param raw the array, or null/absent for none; {@code path} names it in messages ({@code config.structured_data}) */
    public static List<StructuredField> parse(JsonNode raw, String path) {
        if (raw == null || raw.isNull()) {
            return List.of();
        }
        if (!raw.isArray()) {
            throw Problem.invalid(path, "'" + path + "' must be an array of fields such as"
                    + " [{\"name\": \"confirmed\", \"type\": \"boolean\"}], not " + JsonFields.typeName(raw));
        }
        if (raw.size() > MAX_FIELDS) {
            throw Problem.invalid(path, "'" + path + "' has " + raw.size() + " fields; the limit is " + MAX_FIELDS);
        }
        List<StructuredField> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < raw.size(); i++) {
            String at = path + "[" + i + "]";
            StructuredField f = field(raw.get(i), at);
            String first = seen.putIfAbsent(f.name(), at);
            if (first != null) {
                throw Problem.invalid(at + ".name", "'" + at + ".name' repeats '" + f.name() + "' of " + first
                        + "; each field needs a name of its own");
            }
            out.add(f);
        }
        return List.copyOf(out);
    }

    /** The same fields as stored in an assistant's config (already checked when it was saved). */
    public static List<StructuredField> of(List<JsonNode> stored) {
        ArrayNode a = NODES.arrayNode();
        stored.forEach(a::add);
        return parse(a, "config.structured_data");
    }

    /** The normalized shape: name, type, then description and enum only when they have a value. */
    public static ObjectNode write(StructuredField f) {
        ObjectNode o = NODES.objectNode();
        o.put("name", f.name());
        o.put("type", f.type());
        f.description().ifPresent(d -> o.put("description", d));
        if (f instanceof StructuredField.Choice c) {
            ArrayNode values = o.putArray("enum");
            c.values().forEach(values::add);
        }
        return o;
    }

    private static StructuredField field(JsonNode item, String at) {
        if (!item.isObject()) {
            throw Problem.invalid(at, "'" + at + "' must be an object such as {\"name\": \"confirmed\", \"type\": \"boolean\"}");
        }
        ObjectNode o = (ObjectNode) item;
        JsonFields.rejectUnknown(o, at, FIELDS);
        String name = text(o, "name", at).orElseThrow(() -> Problem.invalid(at + ".name", "'" + at + ".name' is required"));
        if (!NAME.matcher(name).matches()) {
            throw Problem.invalid(at + ".name", "'" + at + ".name' must start with a letter or _ and hold only"
                    + " letters, digits and _ (at most 64), such as 'callback_time'");
        }
        String type = text(o, "type", at).orElseThrow(() -> Problem.invalid(at + ".type",
                "'" + at + ".type' is required: one of string, number, boolean, enum"));
        Optional<String> description = text(o, "description", at);
        if (description.isPresent() && length(description.get()) > MAX_DESCRIPTION) {
            throw Problem.invalid(at + ".description", "'" + at + ".description' is longer than " + MAX_DESCRIPTION + " characters");
        }
        JsonNode values = o.get("enum");
        boolean hasValues = values != null && !values.isNull();
        if (!type.equals("enum") && hasValues) {
            throw Problem.invalid(at + ".enum", "'" + at + ".enum' is only for fields of type enum; this one is " + type);
        }
        return switch (type) {
            case "string" -> new StructuredField.Text(name, description);
            case "number" -> new StructuredField.Number(name, description);
            case "boolean" -> new StructuredField.Flag(name, description);
            case "enum" -> new StructuredField.Choice(name, description, values(values, at + ".enum"));
            default -> throw Problem.invalid(at + ".type", "'" + at + ".type' is '" + type
                    + "'; it must be one of string, number, boolean, enum");
        };
    }

    private static List<String> values(JsonNode values, String at) {
        if (values == null || values.isNull() || !values.isArray() || values.isEmpty()) {
            throw Problem.invalid(at, "'" + at + "' is required for type enum: a non-empty array of the allowed"
                    + " strings, such as [\"yes\", \"no\", \"maybe\"]");
        }
        if (values.size() > MAX_VALUES) {
            throw Problem.invalid(at, "'" + at + "' has " + values.size() + " values; the limit is " + MAX_VALUES);
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode v : values) {
            if (!v.isTextual() || v.textValue().isEmpty() || length(v.textValue()) > MAX_VALUE) {
                throw Problem.invalid(at, "'" + at + "' must hold non-empty strings of at most " + MAX_VALUE + " characters");
            }
            if (!out.add(v.textValue())) {
                throw Problem.invalid(at, "'" + at + "' lists '" + v.textValue() + "' twice");
            }
        }
        return List.copyOf(out);
    }

    private static Optional<String> text(ObjectNode o, String field, String at) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw Problem.invalid(at + "." + field, "'" + at + "." + field + "' must be a string, not " + JsonFields.typeName(v));
        }
        return Optional.of(v.textValue());
    }

    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
