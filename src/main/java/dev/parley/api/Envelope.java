package dev.parley.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.Problem;
import io.javalin.http.Context;
import java.util.Map;

/**
 * The one response envelope. Success: {@code {"success": true, "message": ..., "data": ...}}, as the
 * seed documents; errors: {@code {"success": false, "message": ..., "error": {"code": ..., ...}}}.
 */
final class Envelope {
    private final ObjectMapper json;

    public Envelope(ObjectMapper json) {
        this.json = json;
    }

    public void ok(Context ctx, String message, JsonNode data) {
        ObjectNode body = json.createObjectNode();
        body.put("success", true);
        body.put("message", message);
        body.set("data", data);
        write(ctx, 200, body);
    }

    public void problem(Context ctx, Problem p) {
        error(ctx, p.kind().status, p.code(), p.getMessage(), p.details());
        p.retryAfterSeconds().ifPresent(s -> ctx.header("Retry-After", Integer.toString(s)));
    }

    public void error(Context ctx, int status, String code, String message, Map<String, Object> details) {
        ObjectNode body = json.createObjectNode();
        body.put("success", false);
        body.put("message", wellFormed(message));
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        details.forEach((k, v) -> error.set(k, v instanceof String text ? json.getNodeFactory().textNode(wellFormed(text))
                : json.valueToTree(v)));
        write(ctx, status, body);
    }

    /**
     * Messages may quote what the client sent; an unpaired surrogate in one would make the JSON
     * writer fail and turn a 400 into a 500, so it is replaced (requests are checked for them, this
     * is the last guard).
     */
    private static String wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                StringBuilder b = new StringBuilder(s);
                for (int j = i; j < b.length(); j++) {
                    char d = b.charAt(j);
                    if (Character.isHighSurrogate(d) && j + 1 < b.length() && Character.isLowSurrogate(b.charAt(j + 1))) {
                        j++;
                    } else if (Character.isSurrogate(d)) {
                        b.setCharAt(j, '\uFFFD');
                    }
                }
                return b.toString();
            }
        }
        return s;
    }

    private void write(Context ctx, int status, ObjectNode body) {
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serializes", e);
        }
    }
}
