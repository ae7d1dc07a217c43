package dev.parley.ai.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.webhook.WebhookSignature;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a custom {@link Tool.Function} for a language model: POSTs
 * {@code {"call_id", "tool_call_id", "tool", "arguments"}} to the tool's URL, signed exactly like a
 * webhook ({@code Parley-Signature} with the workspace's secrets) so the owner's server can tell it
 * is Parley, after the SSRF guard has checked where the URL resolves to now. Whatever happens comes
 * back as a {@link Result} for the model to read: a tool that fails is the model's business (it can
 * apologize or try something else), never an exception that would end the call.
 */
public final class ToolCaller implements AutoCloseable {
    /** What of a tool's answer the model gets; a tool returning a page of HTML should not fill the context. */
    static final int MAX_ANSWER_BYTES = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The workspace's current webhook signing secrets (the previous one too, during a rotation). */
    @FunctionalInterface
    public interface SigningSecrets {
        List<String> of(String workspaceId);
    }

    /** Why a URL must not be called now (it resolves inside the network), or empty when it may. */
    @FunctionalInterface
    public interface UrlGuard {
        Optional<String> refusal(URI url);
    }

    /** What the model is told. */
    public sealed interface Result {
        String forModel();

        /** The tool's answer (its body, cut to {@link #MAX_ANSWER_BYTES}). */
        record Answered(String body) implements Result {
            @Override
            public String forModel() {
                return body;
            }
        }

        /** The tool could not be run or failed; {@code why} names no secret and no URL. */
        record Failed(String why) implements Result {
            @Override
            public String forModel() {
                return "{\"error\": " + JSON.valueToTree(why) + "}";
            }
        }
    }

    private final SigningSecrets secrets;
    private final UrlGuard guard;
    private final InstantSource clock;
    private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    /**
     * For Parley's wiring: {@code new ToolCaller(workspaces::signingSecrets, webhookUrlPolicy::refusalAtDelivery,
     * InstantSource.system())}.
     */
    public ToolCaller(SigningSecrets secrets, UrlGuard guard, InstantSource clock) {
        this.secrets = secrets;
        this.guard = guard;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER) // a redirect could point past the SSRF guard
                .version(HttpClient.Version.HTTP_1_1)
                .executor(readers)
                .build();
    }

    /**
     * Calls the tool, waiting at most its timeout.
     *
     * @param arguments the model's arguments as it wrote them (JSON, usually)
     * @throws InterruptedException when the reply was closed meanwhile; the request is abandoned
     */
    public Result call(String workspaceId, String callId, String toolCallId, Tool.Function tool, String arguments)
            throws InterruptedException {
        Optional<String> refused = guard.refusal(tool.url());
        if (refused.isPresent()) {
            return new Result.Failed("the tool's URL was " + refused.get());
        }
        byte[] body = body(callId, toolCallId, tool.name(), arguments);
        long t = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(tool.url())
                .timeout(tool.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Parley-Tools/0.1")
                .header("Parley-Signature", WebhookSignature.header(t, body, secrets.of(workspaceId)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long deadline = System.nanoTime() + tool.timeout().toNanos();
        CompletableFuture<HttpResponse<InputStream>> sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> response;
        try {
            response = sent.get(tool.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            sent.cancel(true);
            return timedOut(tool);
        } catch (InterruptedException e) {
            sent.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            return e.getCause() instanceof HttpTimeoutException ? timedOut(tool)
                    : new Result.Failed("the tool could not be reached (" + e.getCause().getClass().getSimpleName() + ")");
        }
        try (InputStream in = response.body()) {
            // The body has the rest of the timeout: headers in time followed by a trickle is still too slow.
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.readNBytes(MAX_ANSWER_BYTES + 1);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, readers);
            byte[] got;
            try {
                got = read.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return timedOut(tool);
            } catch (ExecutionException e) {
                return new Result.Failed("the tool's answer broke off");
            }
            int code = response.statusCode();
            if (code < 200 || code >= 300) {
                return new Result.Failed("the tool answered HTTP " + code + (code >= 300 && code < 400
                        ? " (a redirect; redirects are not followed)" : ""));
            }
            String text = new String(got, 0, Math.min(got.length, MAX_ANSWER_BYTES), StandardCharsets.UTF_8);
            return new Result.Answered(got.length > MAX_ANSWER_BYTES ? text + " [cut: the answer was longer]" : text);
        } catch (IOException e) {
            return new Result.Failed("the tool's answer broke off");
        }
    }

    private static Result timedOut(Tool.Function tool) {
        return new Result.Failed("the tool did not answer within " + tool.timeout().toSeconds() + " s");
    }

    /** The arguments as JSON when they are (they should be), else as the string the model wrote. */
    private static byte[] body(String callId, String toolCallId, String tool, String arguments) {
        ObjectNode o = JSON.createObjectNode();
        o.put("call_id", callId).put("tool_call_id", toolCallId).put("tool", tool);
        JsonNode args;
        try {
            args = arguments == null || arguments.isBlank() ? JSON.createObjectNode() : JSON.readTree(arguments);
        } catch (IOException notJson) {
            args = JSON.getNodeFactory().textNode(arguments);
        }
        o.set("arguments", args);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException("a tree of strings always serializes", e);
        }
    }

    @Override
    public void close() {
        http.close();
        readers.close();
    }
}
