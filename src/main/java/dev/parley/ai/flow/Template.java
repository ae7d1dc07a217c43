package dev.parley.ai.flow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text to speak with {@code {{name}}} placeholders filled from the call's {@code variables}. Parsed
 * once when the assistant is saved, so a typo in a placeholder is refused then, not spoken on a call.
 */
public record Template(String source, List<Piece> pieces) {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}}");

    public sealed interface Piece {
        record Text(String text) implements Piece {}

        record Variable(String name) implements Piece {}
    }

    public Template {
        pieces = List.copyOf(pieces);
    }

    /** Thrown by {@link #parse} with what is wrong, for the caller to place in its own message. */
    public static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    public static Template parse(String source) {
        List<Piece> pieces = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(source);
        int at = 0;
        while (m.find()) {
            text(source.substring(at, m.start()), pieces);
            pieces.add(new Piece.Variable(m.group(1)));
            at = m.end();
        }
        text(source.substring(at), pieces);
        return new Template(source, pieces);
    }

    /** For text that was never validated as a template (the built-in flow's first message): odd braces are spoken as is. */
    public static Template lenient(String source) {
        try {
            return parse(source);
        } catch (Malformed e) {
            return new Template(source, List.of(new Piece.Text(source)));
        }
    }

    private static void text(String text, List<Piece> pieces) {
        int open = text.indexOf("{{");
        int close = text.indexOf("}}");
        if (open >= 0) {
            int end = text.indexOf("}}", open);
            String shown = end < 0 ? text.substring(open, Math.min(text.length(), open + 30))
                    : text.substring(open, Math.min(end + 2, open + 70));
            throw new Malformed("has '" + shown + "', which is not a placeholder; write {{name}} with a variable"
                    + " name of letters, digits and _ that does not start with a digit");
        }
        if (close >= 0) {
            throw new Malformed("has '}}' without a matching '{{'; placeholders are written {{name}}");
        }
        if (!text.isEmpty()) {
            pieces.add(new Piece.Text(text));
        }
    }

    public Set<String> variables() {
        Set<String> names = new LinkedHashSet<>();
        for (Piece p : pieces) {
            if (p instanceof Piece.Variable v) {
                names.add(v.name());
            }
        }
        return names;
    }

    /** Strings and numbers are spoken as written; a missing variable is spoken as nothing. */
    public String render(JsonNode variables) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        for (Piece p : pieces) {
            switch (p) {
                case Piece.Text t -> out.append(t.text());
                case Piece.Variable v -> out.append(value(variables, v.name()).orElse(""));
            }
        }
        return out.toString();
    }

    private static Optional<String> value(JsonNode variables, String name) {
        JsonNode v = variables == null ? null : variables.get(name);
        if (v == null || v.isNull() || v.isContainerNode()) {
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }
}
