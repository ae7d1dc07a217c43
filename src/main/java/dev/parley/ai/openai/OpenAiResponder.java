package dev.parley.ai.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.parley.ai.Responder;
import dev.parley.ai.Usage;
import dev.parley.ai.tools.Tool;
import dev.parley.ai.tools.ToolCaller;
import dev.parley.assistant.AssistantConfig;
import java.util.List;

/**
 * The language-model responder: {@code model.provider: openai}, any OpenAI-compatible Chat Completions
 * server by its base URL (OpenAI, Azure OpenAI, Groq, Together, OpenRouter, Ollama, llama.cpp, vLLM),
 * through OpenAI's Java SDK. Replies stream into the voice clause by clause; tools (end_call,
 * transfer_call, send_dtmf and the assistant's HTTP functions) run between requests; a failing
 * model falls over to the config's fallbacks, and when all fail the reply is {@link Part.Failed}.
 *
 * <p>Built per call with {@link #of}; {@link #start} opens the call's session, which holds the SDK
 * clients and is closed with the call.
 */
public final class OpenAiResponder implements Responder {
    private final AssistantConfig config;
    private final List<Route> routes;
    private final List<Tool> tools;
    private final ToolCaller toolCaller;
    private final String workspaceId;
    private final Usage usage;
    private final Options options;

    private OpenAiResponder(AssistantConfig config, List<Route> routes, ToolCaller toolCaller, String workspaceId,
                            Usage usage, Options options) {
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("a language-model responder needs at least one route");
        }
        this.config = config;
        this.routes = List.copyOf(routes);
        this.tools = config.tools();
        this.toolCaller = toolCaller;
        this.workspaceId = workspaceId;
        this.usage = usage;
        this.options = options;
    }

    /**
     * @param routes the model then its fallbacks ({@link Route#of})
     * @param toolCaller runs the custom HTTP tools (node-wide, shared by calls)
     * @param workspaceId whose signing secret signs the tool requests
     * @param usage the call's, where the tokens are counted
     */
    public static OpenAiResponder of(AssistantConfig config, List<Route> routes, ToolCaller toolCaller, String workspaceId,
                                     Usage usage, Options options) {
        return new OpenAiResponder(config, routes, toolCaller, workspaceId, usage, options);
    }

    @Override
    public Session start(String callId, JsonNode variables) {
        return new CallSession(callId, variables == null ? JsonNodeFactory.instance.objectNode() : variables, this);
    }

    AssistantConfig config() {
        return config;
    }

    List<Route> routes() {
        return routes;
    }

    List<Tool> tools() {
        return tools;
    }

    ToolCaller toolCaller() {
        return toolCaller;
    }

    String workspaceId() {
        return workspaceId;
    }

    Usage usage() {
        return usage;
    }

    Options options() {
        return options;
    }
}
