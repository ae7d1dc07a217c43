package dev.parley.analysis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.RequestOptions;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnprocessableEntityException;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.parley.ai.Endpoint;
import dev.parley.ai.ProviderFailure;
import dev.parley.ai.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One question to an OpenAI-compatible Chat Completions endpoint, not streamed: the answer in the
 * {@link AnswerSchema} as a strict {@code json_schema} response format, or, when the server refuses
 * that format (400 or 422: older local servers, some models), once more in plain {@code json_object}
 * mode, where the system message describes the shape. No retries beyond that: the call's final
 * status waits for this, so the whole exchange must fit in the analyst's time limit.
 */
final class ChatAnalysis {
    private ChatAnalysis() {}

    /** @return the model's message text; its tokens are added to {@code usage} */
    static String ask(Endpoint endpoint, String model, AnalysisPrompt prompt, ObjectNode schema, long deadlineNanos,
                      Usage usage) {
        OpenAIClient client = client(endpoint);
        try {
            ChatCompletionCreateParams.Builder request = ChatCompletionCreateParams.builder().model(model)
                    .addSystemMessage(prompt.system()).addUserMessage(prompt.transcript());
            ChatCompletion answer;
            try {
                answer = client.chat().completions().create(request.responseFormat(jsonSchema(schema)).build(), within(deadlineNanos));
            } catch (BadRequestException | UnprocessableEntityException refused) {
                answer = client.chat().completions().create(
                        request.responseFormat(ResponseFormatJsonObject.builder().build()).build(), within(deadlineNanos));
            }
            answer.usage().ifPresent(u -> usage.llmTokens(u.promptTokens(), u.completionTokens()));
            return answer.choices().isEmpty() ? "" : answer.choices().getFirst().message().content().orElse("");
        } catch (OpenAIServiceException e) {
            String retryAfter = e.headers().values("Retry-After").stream().findFirst().orElse(null);
            throw new ProviderFailure.Exception(ProviderFailure.ofStatus(endpoint.provider(), e.statusCode(), retryAfter, Instant.now()));
        } catch (OpenAIIoException e) {
            throw new ProviderFailure.Exception(ProviderFailure.ofIo(endpoint.provider(), e.getCause() != null ? e.getCause() : e));
        } catch (OpenAIException e) {
            throw new ProviderFailure.Exception(ProviderFailure.of(endpoint.provider(), false,
                    endpoint.provider() + " answered something that is not a chat completion"));
        } finally {
            client.close(); // its connection pool and dispatcher threads
        }
    }

    /**
     * A local server (Ollama, llama.cpp, vLLM) may need no key; the SDK insists on one, so it gets a
     * placeholder and the header is removed again: no {@code Authorization} is sent at all.
     */
    private static OpenAIClient client(Endpoint endpoint) {
        OpenAIOkHttpClient.Builder b = OpenAIOkHttpClient.builder().baseUrl(endpoint.baseUrl().toString()).maxRetries(0);
        endpoint.apiKey().ifPresentOrElse(b::apiKey, () -> b.apiKey("none").removeHeaders("Authorization"));
        return b.build();
    }

    private static ResponseFormatJsonSchema jsonSchema(ObjectNode schema) {
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder s = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : schema.properties()) {
            s.putAdditionalProperty(e.getKey(), JsonValue.fromJsonNode(e.getValue()));
        }
        return ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("call_analysis").strict(true).schema(s.build()).build()).build();
    }

    private static RequestOptions within(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        return RequestOptions.builder().timeout(Duration.ofNanos(Math.max(left, 1_000_000))).build();
    }
}
