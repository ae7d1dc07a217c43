package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback server speaking OpenAI's Chat Completions without streaming: each {@code POST
 * /v1/chat/completions} is recorded and answered with one {@code chat.completion} object whose
 * message content the test chose, with token usage; or with an OpenAI error object. It can refuse
 * the {@code json_schema} response format with a 400, as servers without structured outputs do,
 * and answer late, to test time limits.
 */
public final class FakeChatAnalysis implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the client sent: its JSON body and its {@code Authorization} header (null when none). */
    public record Request(JsonNode body, String authorization) {
        public String responseFormat() {
            return body.at("/response_format/type").asText();
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile String content = "{}";
    private volatile int promptTokens = 120;
    private volatile int completionTokens = 30;
    private volatile boolean refuseJsonSchema;
    private volatile Duration delay = Duration.ZERO;
    private volatile int status = 200;

    public FakeChatAnalysis() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /** The base URL as an assistant's {@code model.base_url} takes it. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** The assistant message's content of every answer from now on. */
    public FakeChatAnalysis answer(String content) {
        this.content = content;
        return this;
    }

    public FakeChatAnalysis tokens(int prompt, int completion) {
        this.promptTokens = prompt;
        this.completionTokens = completion;
        return this;
    }

    /** Answers a {@code json_schema} response format with 400, as a server without structured outputs. */
    public FakeChatAnalysis refuseJsonSchema() {
        this.refuseJsonSchema = true;
        return this;
    }

    public FakeChatAnalysis delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** Every answer an error with this status. */
    public FakeChatAnalysis failWith(int status) {
        this.status = status;
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            Request r = new Request(body, exchange.getRequestHeaders().getFirst("Authorization"));
            requests.add(r);
            if (!exchange.getRequestMethod().equals("POST")) {
                send(exchange, 405, error("method not allowed", "invalid_request_error"));
                return;
            }
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (status != 200) {
                send(exchange, status, error("scripted failure", "server_error"));
            } else if (refuseJsonSchema && r.responseFormat().equals("json_schema")) {
                send(exchange, 400, error("response_format json_schema is not supported", "invalid_request_error"));
            } else {
                send(exchange, 200, completion(body.path("model").asText()));
            }
        }
    }

    private ObjectNode completion(String model) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "chatcmpl-" + requests.size());
        o.put("object", "chat.completion");
        o.put("created", System.currentTimeMillis() / 1000);
        o.put("model", model);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("finish_reason", "stop");
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        message.putNull("refusal");
        ObjectNode usage = o.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return o;
    }

    private static ObjectNode error(String message, String type) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode e = o.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.putNull("param");
        e.putNull("code");
        return o;
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
