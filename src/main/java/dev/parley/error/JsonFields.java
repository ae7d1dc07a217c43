package dev.parley.error;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reading fields of a JSON request body with messages that name the field and the expected type.
 * A JSON {@code null} counts as absent for optional fields, as most clients send it that way.
 */
public final class JsonFields {
    private JsonFields() {}

    public static ObjectNode object(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw Problem.invalid(path.isEmpty() ? "body" : path,
                    (path.isEmpty() ? "The request body" : "'" + path + "'") + " must be a JSON object");
        }
        return (ObjectNode) node;
    }

    public static void rejectUnknown(ObjectNode node, String path, Set<String> known) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                String where = path.isEmpty() ? name : path + "." + name;
                throw Problem.invalid(where, "Unknown field '" + shorten(where) + "'; allowed here: "
                        + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    public static String requiredString(ObjectNode node, String field, String path, int maxLength) {
        return optionalString(node, field, path, maxLength).orElseThrow(() -> Problem.invalid(join(path, field),
                "'" + join(path, field) + "' is required"));
    }

    public static Optional<String> optionalString(ObjectNode node, String field, String path, int maxLength) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        String where = join(path, field);
        if (!v.isTextual()) {
            throw Problem.invalid(where, "'" + where + "' must be a string, not " + typeName(v));
        }
        String s = v.textValue();
        if (s.length() > maxLength) {
            throw Problem.invalid(where, "'" + where + "' is " + s.length() + " characters long; the limit is " + maxLength);
        }
        return Optional.of(s);
    }

    public static Optional<Boolean> optionalBoolean(ObjectNode node, String field, String path) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isBoolean()) {
            throw Problem.invalid(join(path, field), "'" + join(path, field) + "' must be true or false, not " + typeName(v));
        }
        return Optional.of(v.booleanValue());
    }

    public static Optional<Integer> optionalInt(ObjectNode node, String field, String path, int min, int max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        String where = join(path, field);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw Problem.invalid(where, "'" + where + "' must be a whole number from " + min + " to " + max);
        }
        return Optional.of(v.intValue());
    }

    public static Optional<ObjectNode> optionalObject(ObjectNode node, String field, String path) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            throw Problem.invalid(join(path, field), "'" + join(path, field) + "' must be a JSON object, not " + typeName(v));
        }
        return Optional.of((ObjectNode) v);
    }

    public static Optional<List<JsonNode>> optionalArray(ObjectNode node, String field, String path, int maxItems) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        String where = join(path, field);
        if (!v.isArray()) {
            throw Problem.invalid(where, "'" + where + "' must be an array, not " + typeName(v));
        }
        if (v.size() > maxItems) {
            throw Problem.invalid(where, "'" + where + "' has " + v.size() + " items; the limit is " + maxItems);
        }
        List<JsonNode> items = new ArrayList<>();
        v.forEach(items::add);
        return Optional.of(items);
    }

    public static String typeName(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "a " + v.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    public static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static String shorten(String s) {
        String printable = s.codePoints().allMatch(c -> c >= 0x20 && c != 0x7f)
                ? s : s.codePoints().map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        if (printable.length() <= 60) {
            return printable;
        }
        return printable.substring(0, Character.isLowSurrogate(printable.charAt(60)) ? 59 : 60) + "..."; // never split a pair
    }
}
