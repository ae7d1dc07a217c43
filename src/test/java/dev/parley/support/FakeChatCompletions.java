package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A chat-completions server on loopback speaking OpenAI's streaming wire format, for tests of
 * anything that talks to an OpenAI-compatible model: {@code POST {baseUrl}/chat/completions} with
 * {@code "stream": true} answers {@code text/event-stream} of {@code chat.completion.chunk} objects
 * ({@code id}, {@code object}, {@code created}, {@code model}, {@code choices[].delta},
 * {@code finish_reason}), an optional usage chunk with empty {@code choices}, then {@code data: [DONE]}.
 *
 * <p>Each request takes the next queued {@link Script} (the last one is reused once the queue is
 * down to it, so one script can answer every request). Every request is recorded with its headers
 * and JSON body ({@link #requests()}), and how its stream ended ({@link Request#ended()}): whether
 * the client hung up before the script was done is how tests see a cancel.
 *
 * <pre>{@code
 * try (var fake = FakeChatCompletions.start()) {
 *     fake.script(Script.say("Hello there. ", "How can I help?").chunkDelayMs(20).usage(12, 5));
 *     fake.script(Script.status(429).retryAfter("1"), Script.say("Hi."));
 *     ... point the responder at fake.baseUrl() ...
 *     assertThat(fake.requests().getFirst().body().get("temperature").asDouble()).isEqualTo(0.2);
 * }
 * }</pre>
 */
public final class FakeChatCompletions implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ConcurrentLinkedDeque<Script> scripts = new ConcurrentLinkedDeque<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final CountDownLatch closing = new CountDownLatch(1);

    private FakeChatCompletions(HttpServer server) {
        this.server = server;
    }

    /** On 127.0.0.1, a free port. */
    public static FakeChatCompletions start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            FakeChatCompletions fake = new FakeChatCompletions(server);
            server.createContext("/", fake::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("the fake chat-completions server did not start", e);
        }
    }

    /** OpenAI-style, with the version path: {@code http://127.0.0.1:PORT/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Queues scripts, one per coming request, in order. */
    public FakeChatCompletions script(Script... next) {
        Collections.addAll(scripts, next);
        return this;
    }

    /** Every request so far, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Waits until at least {@code n} requests have arrived; the {@code n}th (1-based). */
    public Request awaitRequest(int n, Duration patience) throws InterruptedException {
        long until = System.nanoTime() + patience.toNanos();
        while (requests.size() < n) {
            if (System.nanoTime() > until) {
                throw new AssertionError("expected " + n + " requests, got " + requests.size());
            }
            Thread.sleep(5);
        }
        return requests.get(n - 1);
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }

    /** One request as received, and how the fake's answer to it ended. */
    public record Request(String method, String path, Map<String, String> headers, JsonNode body,
                          CompletableFuture<Ending> ended) {
        /** A header by its case-insensitive name. */
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }

        public ArrayNode messages() {
            return (ArrayNode) body.path("messages");
        }

        /** The names of the functions offered as tools. */
        public List<String> toolNames() {
            List<String> out = new ArrayList<>();
            body.path("tools").forEach(t -> out.add(t.path("function").path("name").asText()));
            return out;
        }
    }

    /** How an answer ended: all of it written, or the client gone before the end. */
    public enum Ending { COMPLETED, CLIENT_CLOSED }

    /**
     * What to answer one request with: an HTTP error, or a stream of chunks (content pieces, tool
     * call fragments, a usage chunk) with a delay before each, optionally stalling after some.
     * Immutable; each method returns a changed copy.
     */
    public record Script(int status, Optional<String> retryAfter, List<String> content, List<Call> calls,
                         int chunkDelayMs, int firstChunkDelayMs, int stallAfter, Optional<int[]> usage,
                         String model) {

        /** Text, one chunk per argument, exactly as given (spaces included). */
        public static Script say(String... chunks) {
            return new Script(200, Optional.empty(), List.of(chunks), List.of(), 0, 0, -1, Optional.empty(), "fake-model");
        }

        /** The words of {@code text}, a chunk per word (each keeping its trailing space). */
        public static Script sayWords(String text) {
            List<String> chunks = new ArrayList<>();
            int at = 0;
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == ' ') {
                    chunks.add(text.substring(at, i + 1));
                    at = i + 1;
                }
            }
            if (at < text.length()) {
                chunks.add(text.substring(at));
            }
            return say(chunks.toArray(String[]::new));
        }

        /**
         * Tool calls, streamed the way OpenAI does: each call's first fragment carries its index,
         * id and name; later ones only the index and more of the arguments. Several calls
         * interleave (round robin), as parallel calls may.
         */
        public static Script toolCalls(Call... calls) {
            return new Script(200, Optional.empty(), List.of(), List.of(calls), 0, 0, -1, Optional.empty(), "fake-model");
        }

        /** An HTTP error with an OpenAI-style error body. */
        public static Script status(int status) {
            return new Script(status, Optional.empty(), List.of(), List.of(), 0, 0, -1, Optional.empty(), "fake-model");
        }

        /** One call of a function: its arguments JSON in the given fragments. */
        public static Call call(String id, String name, String... argumentFragments) {
            return new Call(id, name, List.of(argumentFragments));
        }

        public record Call(String id, String name, List<String> argumentFragments) {}

        public Script retryAfter(String header) {
            return new Script(status, Optional.of(header), content, calls, chunkDelayMs, firstChunkDelayMs, stallAfter, usage, model);
        }

        /** Delay before every chunk (the first one included unless {@link #firstChunkDelayMs} says otherwise). */
        public Script chunkDelayMs(int ms) {
            return new Script(status, retryAfter, content, calls, ms, firstChunkDelayMs, stallAfter, usage, model);
        }

        /** Delay after the headers before the first chunk (time to first token). */
        public Script firstChunkDelayMs(int ms) {
            return new Script(status, retryAfter, content, calls, chunkDelayMs, ms, stallAfter, usage, model);
        }

        /** Send {@code chunks} chunks (0: only the headers), then nothing, never ending, until the client leaves. */
        public Script stallAfter(int chunks) {
            return new Script(status, retryAfter, content, calls, chunkDelayMs, firstChunkDelayMs, chunks, usage, model);
        }

        /** End with a usage chunk (asked for with {@code stream_options.include_usage}). */
        public Script usage(int promptTokens, int completionTokens) {
            return new Script(status, retryAfter, content, calls, chunkDelayMs, firstChunkDelayMs, stallAfter,
                    Optional.of(new int[] {promptTokens, completionTokens}), model);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        byte[] raw = ex.getRequestBody().readAllBytes();
        JsonNode body = raw.length == 0 ? JSON.createObjectNode() : JSON.readTree(raw);
        Request request = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), Map.copyOf(headers), body,
                new CompletableFuture<>());
        requests.add(request);
        if (!body.path("stream").asBoolean(false)) {
            try (ex) {
                complete(ex, request); // the call's analysis after it ended: one JSON answer, not a stream
            }
            return;
        }
        Script script = scripts.size() > 1 ? scripts.pollFirst() : scripts.peekFirst();
        try (ex) {
            if (!ex.getRequestURI().getPath().endsWith("/chat/completions") || script == null) {
                error(ex, 404, "no script for " + ex.getRequestURI().getPath(), Optional.empty());
                request.ended().complete(Ending.COMPLETED);
                return;
            }
            if (script.status() != 200) {
                error(ex, script.status(), "scripted failure " + script.status(), script.retryAfter());
                request.ended().complete(Ending.COMPLETED);
                return;
            }
            stream(ex, script, request);
        }
    }

    /**
     * What a request without {@code stream: true} gets (the after-call analysis): a
     * {@code chat.completion} whose message is {@code content}. Without it such requests get a 404.
     */
    public FakeChatCompletions analysis(String content) {
        this.analysis = content;
        return this;
    }

    private volatile String analysis;

    private void complete(HttpExchange ex, Request request) throws IOException {
        String content = analysis;
        if (content == null || !ex.getRequestURI().getPath().endsWith("/chat/completions")) {
            error(ex, 404, "no analysis scripted", Optional.empty());
        } else {
            ObjectNode c = JSON.createObjectNode();
            c.put("id", "chatcmpl-fake" + ids.incrementAndGet()).put("object", "chat.completion").put("created", 0)
                    .put("model", "fake-model");
            ObjectNode choice = c.putArray("choices").addObject();
            choice.put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", content);
            c.putObject("usage").put("prompt_tokens", 50).put("completion_tokens", 20).put("total_tokens", 70);
            byte[] b = JSON.writeValueAsBytes(c);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
        }
        request.ended().complete(Ending.COMPLETED);
    }

    private static void error(HttpExchange ex, int status, String message, Optional<String> retryAfter) throws IOException {
        ObjectNode err = JSON.createObjectNode();
        err.putObject("error").put("message", message).put("type", status >= 500 ? "server_error" : "invalid_request_error")
                .putNull("code");
        byte[] b = JSON.writeValueAsBytes(err);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        retryAfter.ifPresent(r -> ex.getResponseHeaders().set("Retry-After", r));
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private void stream(HttpExchange ex, Script script, Request request) throws IOException {
        String id = "chatcmpl-fake" + ids.incrementAndGet();
        List<ObjectNode> chunks = chunks(id, script);
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            out.flush();
            for (int i = 0; i < chunks.size(); i++) {
                if (i == script.stallAfter()) {
                    stall(out);
                    request.ended().complete(Ending.CLIENT_CLOSED);
                    return;
                }
                pause(i == 0 && script.firstChunkDelayMs() > 0 ? script.firstChunkDelayMs() : script.chunkDelayMs());
                write(out, "data: " + JSON.writeValueAsString(chunks.get(i)) + "\n\n");
            }
            if (script.stallAfter() >= chunks.size()) {
                stall(out);
                request.ended().complete(Ending.CLIENT_CLOSED);
                return;
            }
            write(out, "data: [DONE]\n\n");
            request.ended().complete(Ending.COMPLETED);
        } catch (IOException gone) {
            request.ended().complete(Ending.CLIENT_CLOSED);
        }
    }

    /**
     * Holds the stream open and silent. A closed socket only shows on a write, so an SSE comment
     * (which clients skip, and which carries no chunk) probes it every 50 ms.
     */
    private void stall(OutputStream out) throws IOException {
        try {
            while (!closing.await(50, TimeUnit.MILLISECONDS)) {
                write(out, ": waiting\n\n");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IOException("the fake is closing");
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void pause(int ms) {
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static List<ObjectNode> chunks(String id, Script s) {
        List<ObjectNode> out = new ArrayList<>();
        boolean first = true;
        for (String piece : s.content()) {
            ObjectNode delta = JSON.createObjectNode();
            if (first) {
                delta.put("role", "assistant");
                first = false;
            }
            delta.put("content", piece);
            out.add(chunk(id, s.model(), delta, null));
        }
        int rounds = s.calls().stream().mapToInt(c -> c.argumentFragments().size()).max().orElse(0);
        for (int r = 0; r < Math.max(rounds, s.calls().isEmpty() ? 0 : 1); r++) {
            for (int i = 0; i < s.calls().size(); i++) {
                Script.Call c = s.calls().get(i);
                if (r > 0 && r >= c.argumentFragments().size()) {
                    continue;
                }
                ObjectNode delta = JSON.createObjectNode();
                if (first) {
                    delta.put("role", "assistant");
                    delta.putNull("content");
                    first = false;
                }
                ObjectNode call = delta.putArray("tool_calls").addObject().put("index", i);
                ObjectNode function = JSON.createObjectNode();
                if (r == 0) {
                    call.put("id", c.id()).put("type", "function");
                    function.put("name", c.name());
                }
                function.put("arguments", r < c.argumentFragments().size() ? c.argumentFragments().get(r) : "");
                call.set("function", function);
                out.add(chunk(id, s.model(), delta, null));
            }
        }
        out.add(chunk(id, s.model(), JSON.createObjectNode(), s.calls().isEmpty() ? "stop" : "tool_calls"));
        s.usage().ifPresent(u -> {
            ObjectNode c = base(id, s.model());
            c.putArray("choices");
            c.putObject("usage").put("prompt_tokens", u[0]).put("completion_tokens", u[1]).put("total_tokens", u[0] + u[1]);
            out.add(c);
        });
        return out;
    }

    private static ObjectNode chunk(String id, String model, ObjectNode delta, String finishReason) {
        ObjectNode c = base(id, model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return c;
    }

    private static ObjectNode base(String id, String model) {
        ObjectNode c = JSON.createObjectNode();
        c.put("id", id).put("object", "chat.completion.chunk").put("created", 1_760_000_000L).put("model", model);
        c.put("system_fingerprint", "fp_fake");
        return c;
    }
}
