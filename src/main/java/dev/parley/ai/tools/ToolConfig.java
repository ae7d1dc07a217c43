package dev.parley.ai.tools;

import static dev.parley.error.JsonFields.join;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.telephony.TransferDestination;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an assistant's {@code tool_config} entries into {@link Tool}s, refusing anything a call could
 * not use with a 400 naming the field ({@code config.tool_config[0].url}). The shapes:
 *
 * <pre>
 * {"type": "function", "name": "lookup_order", "description": "...", "parameters": {JSON schema},
 *  "url": "https://...", "timeout_seconds": 10}
 * {"type": "end_call"}
 * {"type": "transfer_call", "destinations": ["+14155550100", "sip:desk@example.com"]}
 * {"type": "send_dtmf"}
 * </pre>
 *
 * Also read, as the seed vendor and OpenAI write them: name, description and parameters nested in a
 * {@code function} object; the URL and timeout in a {@code server} object ({@code timeoutSeconds});
 * destinations as objects ({@code {"type": "number", "number": "+1..."}}, {@code {"sipUri": "sip:..."}}).
 */
public final class ToolConfig {
    /** OpenAI's rule for function names. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> FUNCTION_FIELDS = Set.of("type", "name", "description", "parameters", "url",
            "timeout_seconds", "function", "server");
    private static final Set<String> NESTED_FUNCTION_FIELDS = Set.of("name", "description", "parameters", "strict");
    private static final Set<String> SERVER_FIELDS = Set.of("url", "timeout_seconds", "timeoutSeconds");
    private static final int DEFAULT_TIMEOUT_SECONDS = 10;
    private static final int MAX_TIMEOUT_SECONDS = 60;

    private ToolConfig() {}

    /** @param path where the list is ({@code config.tool_config}) */
    public static List<Tool> parse(List<JsonNode> entries, String path) {
        List<Tool> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            String where = path + "[" + i + "]";
            Tool t = entry(JsonFields.object(entries.get(i), where), where);
            String name = switch (t) {
                case Tool.Function f -> f.name();
                case Tool.EndCall e -> "end_call";
                case Tool.TransferCall c -> "transfer_call";
                case Tool.SendDtmf d -> "send_dtmf";
            };
            if (!names.add(name)) {
                throw Problem.invalid(where, "'" + where + "' repeats the tool '" + name
                        + "'; each tool appears once (list every transfer destination in one transfer_call entry)");
            }
            out.add(t);
        }
        return List.copyOf(out);
    }

    private static Tool entry(ObjectNode o, String where) {
        String type = JsonFields.optionalString(o, "type", where, 50)
                .orElse(o.has("function") ? "function" : "")
                .strip().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "function" -> function(o, where);
            case "end_call", "endcall" -> {
                JsonFields.rejectUnknown(o, where, Set.of("type"));
                yield new Tool.EndCall();
            }
            case "transfer_call", "transfercall" -> transfer(o, where);
            case "send_dtmf", "dtmf" -> {
                JsonFields.rejectUnknown(o, where, Set.of("type"));
                yield new Tool.SendDtmf();
            }
            default -> throw Problem.invalid(join(where, "type"), "'" + join(where, "type")
                    + "' must be one of: function, end_call, transfer_call, send_dtmf");
        };
    }

    private static Tool.Function function(ObjectNode o, String where) {
        JsonFields.rejectUnknown(o, where, FUNCTION_FIELDS);
        // OpenAI nests the definition in "function"; fields written at the top level win.
        ObjectNode def = JsonFields.optionalObject(o, "function", where).orElseGet(JsonNodeFactory.instance::objectNode);
        String defWhere = join(where, "function");
        JsonFields.rejectUnknown(def, defWhere, NESTED_FUNCTION_FIELDS);
        ObjectNode server = JsonFields.optionalObject(o, "server", where).orElseGet(JsonNodeFactory.instance::objectNode);
        String serverWhere = join(where, "server");
        JsonFields.rejectUnknown(server, serverWhere, SERVER_FIELDS);

        String nameField = o.has("name") ? join(where, "name") : join(defWhere, "name");
        String name = JsonFields.optionalString(o, "name", where, 64)
                .or(() -> JsonFields.optionalString(def, "name", defWhere, 64))
                .orElseThrow(() -> Problem.invalid(join(where, "name"), "'" + join(where, "name")
                        + "' is required: the function's name as the model will call it, such as lookup_order"));
        if (!NAME.matcher(name).matches()) {
            throw Problem.invalid(nameField, "'" + nameField + "' must be 1 to 64 letters, digits, _ or -");
        }
        if (Tool.BUILT_IN.contains(name)) {
            throw Problem.invalid(nameField, "'" + nameField + "' is '" + name + "', a built-in tool; add it as {\"type\": \""
                    + name + "\"} or give the function another name");
        }
        String description = JsonFields.optionalString(o, "description", where, 1_024)
                .or(() -> JsonFields.optionalString(def, "description", defWhere, 1_024)).orElse("");
        ObjectNode parameters = parameters(o, where, def, defWhere);

        String urlField = o.has("url") ? join(where, "url") : join(serverWhere, "url");
        String url = JsonFields.optionalString(o, "url", where, 2_000)
                .or(() -> JsonFields.optionalString(server, "url", serverWhere, 2_000))
                .orElseThrow(() -> Problem.invalid(join(where, "url"), "'" + join(where, "url")
                        + "' is required: the https:// address Parley POSTs the function's arguments to"));
        url = AssistantConfigJson.checkWebhookUrl(urlField, url);

        int timeout = JsonFields.optionalInt(o, "timeout_seconds", where, 1, MAX_TIMEOUT_SECONDS)
                .or(() -> JsonFields.optionalInt(server, "timeout_seconds", serverWhere, 1, MAX_TIMEOUT_SECONDS))
                .or(() -> JsonFields.optionalInt(server, "timeoutSeconds", serverWhere, 1, MAX_TIMEOUT_SECONDS))
                .orElse(DEFAULT_TIMEOUT_SECONDS);
        return new Tool.Function(name, description, parameters, URI.create(url), Duration.ofSeconds(timeout));
    }

    /** A JSON schema of an object; without one, a function that takes no arguments. */
    private static ObjectNode parameters(ObjectNode o, String where, ObjectNode def, String defWhere) {
        String field = o.has("parameters") ? join(where, "parameters") : join(defWhere, "parameters");
        Optional<ObjectNode> given = JsonFields.optionalObject(o, "parameters", where)
                .or(() -> JsonFields.optionalObject(def, "parameters", defWhere));
        if (given.isEmpty()) {
            ObjectNode none = JsonNodeFactory.instance.objectNode().put("type", "object");
            none.putObject("properties");
            return none;
        }
        JsonNode type = given.get().get("type");
        if (type == null || !type.isTextual() || !type.textValue().equals("object")) {
            throw Problem.invalid(field, "'" + field + "' must be a JSON schema of an object: {\"type\": \"object\","
                    + " \"properties\": {...}, \"required\": [...]}");
        }
        JsonNode properties = given.get().get("properties");
        if (properties != null && !properties.isObject()) {
            throw Problem.invalid(join(field, "properties"), "'" + join(field, "properties")
                    + "' must be an object of the arguments' schemas");
        }
        return given.get().deepCopy();
    }

    private static Tool.TransferCall transfer(ObjectNode o, String where) {
        JsonFields.rejectUnknown(o, where, Set.of("type", "destinations"));
        String field = join(where, "destinations");
        List<JsonNode> items = JsonFields.optionalArray(o, "destinations", where, 50).orElse(List.of());
        if (items.isEmpty()) {
            throw Problem.invalid(field, "'" + field + "' must list where calls may be transferred: E.164 numbers"
                    + " or SIP URIs, such as [\"+14155550100\", \"sip:desk@example.com\"]");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String at = field + "[" + i + "]";
            out.add(destination(items.get(i), at));
        }
        return new Tool.TransferCall(out);
    }

    private static String destination(JsonNode item, String at) {
        String raw;
        if (item.isTextual()) {
            raw = item.textValue();
        } else if (item.isObject()) {
            JsonNode v = item.has("number") ? item.get("number") : item.has("sipUri") ? item.get("sipUri") : item.get("sip_uri");
            if (v == null || !v.isTextual()) {
                throw Problem.invalid(at, "'" + at + "' must be a string, or an object with a 'number' or 'sipUri'");
            }
            raw = v.textValue();
        } else {
            throw Problem.invalid(at, "'" + at + "' must be an E.164 number or a SIP URI, not " + JsonFields.typeName(item));
        }
        return TransferDestination.parse(at, raw).text(); // the check a transfer meets on the call
    }
}
