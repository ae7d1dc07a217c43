package dev.parley.ai.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageParam;
import com.openai.models.chat.completions.ChatCompletionSystemMessageParam;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.ChatCompletionUserMessageParam;
import dev.parley.ai.tools.Tool;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Chat Completions messages and tool definitions, in the SDK's types. */
final class Messages {
    /** Keys a model may press; RFC 4733 carries these sixteen. */
    static final String DTMF_PATTERN = "^[0-9*#A-D]+$";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Messages() {}

    static ChatCompletionMessageParam system(String text) {
        return ChatCompletionMessageParam.ofSystem(ChatCompletionSystemMessageParam.builder().content(text).build());
    }

    static ChatCompletionMessageParam user(String text) {
        return ChatCompletionMessageParam.ofUser(ChatCompletionUserMessageParam.builder().content(text).build());
    }

    static ChatCompletionMessageParam assistant(String text) {
        return ChatCompletionMessageParam.ofAssistant(ChatCompletionAssistantMessageParam.builder().content(text).build());
    }

    /** The model's request for tools; {@code text} is what it said with them, if anything. */
    static ChatCompletionMessageParam toolRequest(String text, List<ToolCalls.Call> calls) {
        var b = ChatCompletionAssistantMessageParam.builder();
        if (!text.isBlank()) {
            b.content(text);
        }
        for (ToolCalls.Call c : calls) {
            b.addToolCall(ChatCompletionMessageFunctionToolCall.builder().id(c.id())
                    .function(ChatCompletionMessageFunctionToolCall.Function.builder().name(c.name()).arguments(c.arguments()).build())
                    .build());
        }
        return ChatCompletionMessageParam.ofAssistant(b.build());
    }

    static ChatCompletionMessageParam toolResult(String toolCallId, String content) {
        return ChatCompletionMessageParam.ofTool(ChatCompletionToolMessageParam.builder().toolCallId(toolCallId)
                .content(content).build());
    }

    /** What the model is offered: {@code end_call} always, the other built-ins when configured, then the custom functions. */
    static List<ChatCompletionFunctionTool> offered(List<Tool> tools) {
        List<ChatCompletionFunctionTool> out = new ArrayList<>();
        out.add(function("end_call", "Hang up the call, after saying the closing line. Use it when the conversation"
                + " is over or the caller asks to end it.", objectSchema(Map.of(), List.of())));
        for (Tool t : tools) {
            switch (t) {
                case Tool.EndCall e -> { } // always offered, above
                case Tool.TransferCall tc -> {
                    ObjectNode destination = NODES.objectNode().put("type", "string")
                            .put("description", "Where to transfer the call");
                    tc.destinations().forEach(destination.putArray("enum")::add);
                    out.add(function("transfer_call", "Transfer the caller to a person or another line.",
                            objectSchema(Map.of("destination", destination), List.of("destination"))));
                }
                case Tool.SendDtmf d -> {
                    ObjectNode digits = NODES.objectNode().put("type", "string").put("pattern", DTMF_PATTERN)
                            .put("description", "The keys to press, such as 1 or 1234#");
                    out.add(function("send_dtmf", "Press keys on the phone keypad, for example to work a phone menu.",
                            objectSchema(Map.of("digits", digits), List.of("digits"))));
                }
                case Tool.Function f -> out.add(function(f.name(), f.description(), f.parameters()));
            }
        }
        return out;
    }

    private static ObjectNode objectSchema(Map<String, ObjectNode> properties, List<String> required) {
        ObjectNode schema = NODES.objectNode().put("type", "object");
        ObjectNode props = schema.putObject("properties");
        properties.forEach(props::set);
        required.forEach(schema.putArray("required")::add);
        return schema;
    }

    private static ChatCompletionFunctionTool function(String name, String description, ObjectNode schema) {
        Map<String, JsonValue> params = new LinkedHashMap<>();
        schema.properties().forEach(e -> params.put(e.getKey(), JsonValue.fromJsonNode(e.getValue())));
        var def = FunctionDefinition.builder().name(name).parameters(FunctionParameters.builder()
                .putAllAdditionalProperties(params).build());
        if (!description.isBlank()) {
            def.description(description);
        }
        return ChatCompletionFunctionTool.builder().function(def.build()).build();
    }

    /** A string argument of the model's JSON, or empty when it is missing or the JSON is broken. */
    static String argument(String arguments, String name) {
        try {
            JsonNode v = JSON.readTree(arguments).get(name);
            return v != null && v.isTextual() ? v.textValue().strip() : "";
        } catch (IOException | RuntimeException broken) {
            return "";
        }
    }
}
