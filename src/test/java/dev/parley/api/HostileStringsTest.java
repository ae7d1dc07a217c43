package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Property: whatever string arrives in any field of any documented body, in any query parameter
 * or in any path parameter of any route, the answer is a 2xx or a 4xx envelope, never a 5xx; and
 * a NUL character (which PostgreSQL cannot store, the cause of the fuzzer's 48 500s in issue 10)
 * is a 400 naming the field. The routes, their parameters and the shape of each body (every string
 * and number leaf, and the free-form objects' keys) come from the served OpenAPI document, so a new
 * route or field is covered without editing this test; a body route must have a base body here.
 */
@Tag("db")
class HostileStringsTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Bodies go out with non-ASCII escaped, so an unpaired surrogate arrives as one (raw, UTF-8 would turn it into '?'). */
    private static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    static final String NUL_REFUSED = "NUL characters are not allowed";
    static final String SURROGATE_REFUSED = "unpaired UTF-16 surrogate";

    /** In JSON bodies, each a 400 naming the field and saying why: text PostgreSQL cannot store as sent. */
    static final Map<String, String> UNSTORABLE = Map.of("\u0000", NUL_REFUSED, "x\u0000", NUL_REFUSED,
            "+14155550123\u0000", NUL_REFUSED, "\ud800", SURROGATE_REFUSED, "x\udfff", SURROGATE_REFUSED,
            "\udc00\ud800", SURROGATE_REFUSED);
    static final List<String> HOSTILE = List.of("%00", "\\u0000", "", " ",
            "'; DROP TABLE calls; --", "99999999999999999999999", "-1", "1e400", "NaN", "\u202e\ufeff\u200b",
            "\uD83D\uDCDE+14155550123", "<script>alert(1)</script>", "{{name}}", "https://169.254.169.254/latest",
            "c_" + "0".repeat(24), "x".repeat(5_000));
    /** Numbers where a body has a number. */
    static final List<String> NUMBERS = List.of("1e1000000000", "-1e-1000000000", "99999999999999999999999999", "-0", "1.5", "1e400");
    /** Raw (already encoded) values for query and path parameters. */
    static final List<String> RAW = List.of("%00", "a%00b", "%ED%A0%80", "%C0%80", "%FF", "99999999999999999999999",
            "-9223372036854775809", "1e309", "0x10", "%27%20OR%201%3D1--", "%2F..%2F..", "%0D%0ASet-Cookie:x", "x".repeat(3_000), "");

    static String assistantId;
    static String callId;
    static String secondWorkspace;
    static final List<String> failures = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        assistantId = server.createAssistant("{\"name\":\"target\",\"config\":{}}").json().at("/data/assistant_id").asText();
        callId = server.createCall("+14155550123").json().at("/data/call_id").asText();
        secondWorkspace = server.http.request("POST", "/v1/admin/workspaces").headers(server.auth()).json("{\"name\":\"second\"}").send()
                .json().at("/data/workspace_id").asText();
    }

    /** A body each route accepts, to mutate one leaf at a time. */
    private static ObjectNode baseBody(String operationId) {
        String body = switch (operationId) {
            case "makeCall" -> "{\"assistant_id\":\"" + assistantId + "\",\"to_number\":\"+14155550123\"}";
            case "makeWebCall" -> "{\"assistant_id\":\"" + assistantId + "\"}";
            case "createAssistant" -> "{\"name\":\"x\",\"config\":{}}";
            case "patchAssistant", "createWorkspace", "renameWorkspace", "createApiKey" -> "{\"name\":\"x\"}";
            case "patchWorkspace" -> "{}";
            case "setProviderKey" -> "{\"api_key\":\"sk-test\"}";
            case "createPhoneNumber" -> "{\"number\":\"+14155550199\",\"trunk\":{\"host\":\"127.0.0.1\"}}";
            case "signIn" -> "{\"api_key\":\"prl_0123456789abcdef_notavalidsecret\"}";
            case "addDoNotCall" -> "{\"numbers\":[\"+14155550198\"]}";
            // Unsigned, so refused before it is read: the point is that no body makes that a 5xx.
            case "telnyxCallEvent" -> "{\"data\":{\"event_type\":\"call.answered\",\"id\":\"e1\","
                    + "\"payload\":{\"call_control_id\":\"v3:x\",\"client_state\":\"eA==\"}}}";
            default -> throw new AssertionError("give operation " + operationId + " a base body in HostileStringsTest");
        };
        try {
            return (ObjectNode) JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Path parameter values that let the handler go past its lookup; deletes get ids that do not exist. */
    private static String pathValue(String method, String path, String param) {
        if (param.equals("provider")) {
            return "openai";
        }
        if (param.equals("carrier")) {
            return "twilio";
        }
        if (param.equals("number")) {
            return "%2B14155550197";
        }
        if (method.equals("DELETE")) {
            return path.contains("api-keys") ? "0".repeat(16) : "0".repeat(24);
        }
        return switch (param) {
            case "call_id" -> callId;
            case "id" -> path.startsWith("/v1/admin/workspaces") ? secondWorkspace
                    : path.startsWith("/v1/admin/assistant") ? assistantId : "whd_" + "0".repeat(24);
            default -> throw new AssertionError("no value for path parameter " + param + " of " + path);
        };
    }

    @Test
    void noStringAnywhereGetsA5xx() {
        JsonNode doc = server.http.request("GET", "/v1/openapi.json").send().json();
        int requests = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").properties().iterator(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().properties().iterator(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> o = ops.next();
                requests += exercise(doc, o.getKey().toUpperCase(java.util.Locale.ROOT), p.getKey(), o.getValue());
            }
        }
        assertThat(requests).as("requests sent").isGreaterThan(1_000);
        assertThat(failures).isEmpty();
    }

    private int exercise(JsonNode doc, String method, String template, JsonNode op) {
        Map<String, String> pathParams = new LinkedHashMap<>();
        List<String> queryParams = new ArrayList<>(List.of("unexpected"));
        for (JsonNode param : op.path("parameters")) {
            if (param.has("name") && param.get("in").asText().equals("path")) {
                pathParams.put(param.get("name").asText(), pathValue(method, template, param.get("name").asText()));
            } else if (param.has("name") && param.get("in").asText().equals("query")) {
                queryParams.add(param.get("name").asText());
            }
        }
        int sent = 0;
        JsonNode bodySchema = op.at("/requestBody/content/application~1json/schema");
        ObjectNode base = bodySchema.isMissingNode() ? null : baseBody(op.get("operationId").asText());
        String basePath = fill(template, pathParams, Map.of());
        for (String q : queryParams) {
            for (String raw : RAW) {
                check(method, basePath + "?" + q + "=" + raw, base, raw.contains("%00") ? q : null, NUL_REFUSED);
                sent++;
            }
        }
        check(method, basePath + "?%00=1", base, "a query parameter name", NUL_REFUSED);
        for (String name : pathParams.keySet()) {
            for (String raw : RAW) {
                if (!raw.isEmpty()) {
                    check(method, fill(template, pathParams, Map.of(name, raw)), base, raw.contains("%00") ? "" : null, NUL_REFUSED);
                    sent++;
                }
            }
        }
        if (base != null) {
            List<Leaf> leaves = new ArrayList<>();
            leaves(doc, bodySchema, new ArrayList<>(), leaves, 0);
            assertThat(leaves).as(method + " " + template + " has body fields").isNotEmpty();
            for (Leaf leaf : leaves) {
                if (leaf.kind == Kind.MAP) {
                    // Names with NUL: JSON allows them. Unpaired surrogates in names are refused by the JSON parser itself.
                    for (Map.Entry<String, String> s : UNSTORABLE.entrySet()) {
                        boolean nul = s.getValue().equals(NUL_REFUSED);
                        check(method, basePath, with(base, leaf.path, objectWithKey(s.getKey())),
                                nul ? "a field name in " + dotted(leaf.path) : "", nul ? NUL_REFUSED : "");
                        sent++;
                    }
                    continue;
                }
                List<String> values = leaf.kind == Kind.NUMBER ? NUMBERS : HOSTILE;
                for (String s : values) {
                    check(method, basePath, with(base, leaf.path, leaf.kind == Kind.NUMBER ? number(s) : NODES.textNode(s)), null, null);
                    sent++;
                }
                if (leaf.kind == Kind.STRING) {
                    for (Map.Entry<String, String> s : UNSTORABLE.entrySet()) {
                        check(method, basePath, with(base, leaf.path, NODES.textNode(s.getKey())), dotted(leaf.path), s.getValue());
                        sent++;
                    }
                }
            }
        }
        return sent;
    }

    /**
     * Sends one request; {@code field} set means a 400 is required that names that field (empty:
     * any) and whose message says {@code why}.
     */
    private void check(String method, String path, JsonNode body, String field, String why) {
        Http.Request request = server.http.request(method, path).headers(server.auth());
        String text = null;
        if (body != null) {
            try {
                text = ESCAPING.writeValueAsString(body);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            request.json(text);
        }
        Http.Response r = request.send();
        String what = method + " " + (path.length() > 150 ? path.substring(0, 150) + "..." : path)
                + (text == null ? "" : " " + shorten(text)) + " -> " + r.status() + " " + shorten(r.body().replace("\u0000", "\\u0000"));
        if (r.status() >= 500) {
            failures.add(what);
            return;
        }
        boolean json = r.header("Content-Type") != null && r.header("Content-Type").startsWith("application/json");
        if (r.status() >= 400 && (!json || r.json().path("success").asBoolean(true) || !r.json().path("error").has("code"))) {
            failures.add("not an error envelope: " + what);
        }
        if (field != null && path.startsWith("/v1/carriers/") && r.status() == 403) {
            // A carrier's route proves the sender before it reads anything: unsigned, it is refused as such.
            return;
        }
        if (field != null) {
            if (r.status() != 400) {
                failures.add("not refused with 400: " + what);
            } else if (!field.isEmpty() && !field.equals(r.json().at("/error/field").asText())) {
                failures.add("400 does not name " + field + ": " + what);
            } else if (!r.message().contains(why.equals(NUL_REFUSED) && field.isEmpty() ? "NUL" : why)) {
                failures.add("400 does not say '" + why + "': " + what);
            }
        }
    }

    enum Kind { STRING, NUMBER, MAP }

    record Leaf(List<Object> path, Kind kind) {}

    /** Every string and number leaf of a schema, with free-form objects as maps with a key "k". */
    private static void leaves(JsonNode doc, JsonNode schema, List<Object> path, List<Leaf> out, int depth) {
        if (depth > 12 || schema == null || schema.isMissingNode() || schema.isBoolean()) {
            return;
        }
        if (schema.has("$ref")) {
            leaves(doc, doc.at(schema.get("$ref").asText().substring(1)), path, out, depth + 1);
            return;
        }
        for (String combinator : List.of("allOf", "oneOf", "anyOf")) {
            schema.path(combinator).forEach(s -> leaves(doc, s, path, out, depth + 1));
        }
        List<String> types = new ArrayList<>();
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        } else if (type != null) {
            types.add(type.asText());
        } else if (schema.has("properties")) {
            types.add("object");
        }
        if (types.contains("string")) {
            out.add(new Leaf(List.copyOf(path), Kind.STRING));
        }
        if (types.contains("integer") || types.contains("number")) {
            out.add(new Leaf(List.copyOf(path), Kind.NUMBER));
        }
        if (types.contains("array")) {
            leaves(doc, schema.get("items"), append(path, 0), out, depth + 1);
        }
        if (types.contains("object")) {
            schema.path("properties").properties().forEach(f -> leaves(doc, f.getValue(), append(path, f.getKey()), out, depth + 1));
            JsonNode extra = schema.get("additionalProperties");
            boolean freeForm = !schema.has("properties") || (extra != null && !extra.isBoolean());
            if (freeForm && (extra == null || !extra.isBoolean() || extra.asBoolean())) {
                out.add(new Leaf(List.copyOf(path), Kind.MAP));
                if (extra == null || extra.isBoolean()) {
                    out.add(new Leaf(append(path, "k"), Kind.STRING));
                    out.add(new Leaf(append(path, "k"), Kind.NUMBER));
                } else {
                    leaves(doc, extra, append(path, "k"), out, depth + 1);
                }
            }
        }
    }

    private static List<Object> append(List<Object> path, Object segment) {
        List<Object> p = new ArrayList<>(path);
        p.add(segment);
        return p;
    }

    /** A copy of {@code base} with {@code value} at {@code path}, creating what is missing on the way. */
    private static JsonNode with(ObjectNode base, List<Object> path, JsonNode value) {
        if (path.isEmpty()) {
            return value;
        }
        ObjectNode root = base.deepCopy();
        JsonNode node = root;
        for (int i = 0; i < path.size(); i++) {
            Object segment = path.get(i);
            boolean last = i == path.size() - 1;
            JsonNode next = last ? value : path.get(i + 1) instanceof Integer ? NODES.arrayNode() : NODES.objectNode();
            if (node instanceof ObjectNode o) {
                JsonNode existing = o.get((String) segment);
                if (last || existing == null || existing.getNodeType() != next.getNodeType()) {
                    o.set((String) segment, next);
                } else {
                    next = existing;
                }
            } else {
                ArrayNode a = (ArrayNode) node;
                JsonNode existing = a.isEmpty() ? null : a.get(0);
                if (last || existing == null || existing.getNodeType() != next.getNodeType()) {
                    a.removeAll();
                    a.add(next);
                } else {
                    next = existing;
                }
            }
            node = next;
        }
        return root;
    }

    private static ObjectNode objectWithKey(String key) {
        ObjectNode o = NODES.objectNode();
        o.put(key, "v");
        return o;
    }

    private static JsonNode number(String literal) {
        try {
            return JSON.readTree(literal);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The path as Parley names fields: {@code config.flow.steps[0].say}. */
    private static String dotted(List<Object> path) {
        StringBuilder b = new StringBuilder();
        for (Object s : path) {
            if (s instanceof Integer i) {
                b.append('[').append(i).append(']');
            } else {
                b.append(b.isEmpty() ? "" : ".").append(s);
            }
        }
        return b.isEmpty() ? "body" : b.toString();
    }

    private static String fill(String template, Map<String, String> values, Map<String, String> raw) {
        String out = template;
        for (Map.Entry<String, String> v : values.entrySet()) {
            String value = raw.containsKey(v.getKey()) ? raw.get(v.getKey()) : URLEncoder.encode(v.getValue(), StandardCharsets.UTF_8);
            out = out.replace("{" + v.getKey() + "}", value);
        }
        return out;
    }

    private static String shorten(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
