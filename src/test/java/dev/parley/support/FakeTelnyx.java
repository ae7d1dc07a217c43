package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Telnyx Call Control v2 on loopback, at the wire: {@code POST /v2/calls} (Bearer key checked,
 * required fields checked, {@code command_id} deduplicated: a repeated dial returns the call it
 * made), {@code POST /v2/calls/{id}/actions/hangup} (the call's {@code call.hangup} webhook follows,
 * {@code originator_cancel} before an answer, {@code normal_clearing} after), {@code GET
 * /v2/calls/{id}} ({@code is_alive}), errors as {@code {"errors": [{"code", "title", "detail"}]}}.
 * Webhooks go to each call's {@code webhook_url}, signed with an Ed25519 key pair made here, as
 * Telnyx signs them: base64 Ed25519 over {@code <telnyx-timestamp>|<body>}.
 */
public final class FakeTelnyx implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One call the fake placed. */
    public static final class Call {
        public final String callControlId = "v3:" + UUID.randomUUID();
        public final JsonNode dial;
        public volatile boolean alive = true;
        public volatile boolean answered;
        final AtomicInteger hangups = new AtomicInteger();

        Call(JsonNode dial) {
            this.dial = dial;
        }

        public String webhookUrl() {
            return dial.path("webhook_url").asText();
        }

        public int hangups() {
            return hangups.get();
        }
    }

    public final String apiKey;
    public final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Every request as "METHOD /path Authorization-header", in arrival order. */
    public final List<String> requests = new CopyOnWriteArrayList<>();
    /** Dials still to be answered only after this long (the client times out first and sends the dial again). */
    public final AtomicInteger slowDials = new AtomicInteger();
    public volatile Duration slowness = Duration.ofSeconds(2);
    /** Whether a hang-up command is followed by its call.hangup webhook (off: the webhook is lost). */
    public volatile boolean webhookAfterHangup = true;
    private final Map<String, Call> byCommand = new ConcurrentHashMap<>();
    private final KeyPair keys;
    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private volatile int parleyPort; // 0: webhooks go to their URL as given

    public FakeTelnyx(String apiKey) throws Exception {
        this.apiKey = apiKey;
        this.keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** For a static field: the fake on a free port, or an unchecked failure. */
    public static FakeTelnyx start(String apiKey) {
        try {
            return new FakeTelnyx(apiKey);
        } catch (Exception e) {
            throw new IllegalStateException("the fake Telnyx did not start", e);
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Webhooks addressed under {@code public.url} go to Parley's local port, as a tunnel delivers them. */
    public void deliverTo(int port) {
        this.parleyPort = port;
    }

    /** The account's public key as the portal shows it: base64 of the 32 raw bytes. */
    public String publicKey() {
        byte[] der = keys.getPublic().getEncoded();
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(der, der.length - 32, der.length));
    }

    /** A public key of another account: webhooks it is set for fail to verify. */
    public static String someOtherPublicKey() throws Exception {
        byte[] der = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(der, der.length - 32, der.length));
    }

    public Call awaitCall(int index, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (calls.size() <= index) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no call " + index + " reached the fake Telnyx within " + within);
            }
            Thread.sleep(10);
        }
        return calls.get(index);
    }

    // Webhooks, as Telnyx sends them.

    /** Sends {@code event_type} for the call, signed now; returns the HTTP status Parley answered. */
    public int send(Call call, String eventType, Map<String, String> payload) throws Exception {
        return send(call, eventType, payload, UUID.randomUUID().toString());
    }

    /** With a given event id: Telnyx sends a webhook again with the same one. */
    public int send(Call call, String eventType, Map<String, String> payload, String eventId) throws Exception {
        String body = event(call, eventType, payload, eventId);
        String ts = Long.toString(Instant.now().getEpochSecond());
        return post(call.webhookUrl(), body, ts, sign(ts, body)).statusCode();
    }

    public int answer(Call call) throws Exception {
        call.answered = true;
        return send(call, "call.answered", Map.of());
    }

    public int hangup(Call call, String cause, String sipCause) throws Exception {
        call.alive = false;
        return send(call, "call.hangup", Map.of("hangup_cause", cause, "sip_hangup_cause", sipCause, "hangup_source", "callee"));
    }

    public String event(Call call, String eventType, Map<String, String> payload, String eventId) {
        ObjectNode p = JSON.createObjectNode()
                .put("call_control_id", call.callControlId)
                .put("connection_id", call.dial.path("connection_id").asText())
                .put("call_leg_id", UUID.randomUUID().toString())
                .put("call_session_id", UUID.randomUUID().toString())
                .put("client_state", call.dial.path("client_state").asText())
                .put("from", call.dial.path("from").asText())
                .put("to", call.dial.path("to").asText());
        payload.forEach(p::put);
        ObjectNode data = JSON.createObjectNode().put("record_type", "event").put("event_type", eventType)
                .put("id", eventId).put("occurred_at", Instant.now().toString());
        data.set("payload", p);
        ObjectNode root = JSON.createObjectNode();
        root.set("data", data);
        root.set("meta", JSON.createObjectNode().put("attempt", 1).put("delivered_to", call.webhookUrl()));
        return root.toString();
    }

    public String sign(String timestamp, String body) throws Exception {
        Signature ed = Signature.getInstance("Ed25519");
        ed.initSign(keys.getPrivate());
        ed.update((timestamp + "|" + body).getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(ed.sign());
    }

    /** A webhook as given: for forged, unsigned and replayed ones (null headers are left out). */
    public HttpResponse<String> post(String url, String body, String timestamp, String signature) throws Exception {
        URI to = parleyPort == 0 ? URI.create(url) : Tunnel.local(URI.create(url), parleyPort);
        HttpRequest.Builder r = HttpRequest.newBuilder(to).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (timestamp != null) {
            r.header("telnyx-timestamp", timestamp);
        }
        if (signature != null) {
            r.header("telnyx-signature-ed25519", signature);
        }
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    // The REST API.

    private void handle(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        String path = x.getRequestURI().getPath();
        String auth = x.getRequestHeaders().getFirst("Authorization");
        requests.add(method + " " + path);
        try (x) {
            if (!("Bearer " + apiKey).equals(auth)) {
                error(x, 401, "10009", "Authentication failed", "The API key is missing or wrong.");
                return;
            }
            byte[] in = x.getRequestBody().readAllBytes();
            if (method.equals("POST") && path.equals("/v2/calls")) {
                dial(x, JSON.readTree(in));
            } else if (method.equals("POST") && path.matches("/v2/calls/[^/]+/actions/hangup")) {
                hangupCommand(x, find(path.split("/")[3]));
            } else if (method.equals("GET") && path.matches("/v2/calls/[^/]+")) {
                Call c = find(path.split("/")[3]);
                if (c == null) {
                    error(x, 404, "10005", "Resource not found", "Call not found.");
                } else {
                    respond(x, 200, callJson(c));
                }
            } else {
                error(x, 404, "10005", "Resource not found", "No such route.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void dial(HttpExchange x, JsonNode body) throws IOException, InterruptedException {
        for (String field : List.of("connection_id", "to", "from")) {
            if (body.path(field).asText("").isEmpty()) {
                error(x, 422, "10015", "Invalid value", "The '" + field + "' parameter is required.");
                return;
            }
        }
        String command = body.path("command_id").asText("");
        Call call = command.isEmpty() ? null : byCommand.get(command);
        if (call == null) {
            call = new Call(body);
            if (!command.isEmpty()) {
                Call raced = byCommand.putIfAbsent(command, call);
                call = raced != null ? raced : call;
            }
            if (!calls.contains(call)) {
                calls.add(call);
            }
        }
        if (slowDials.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            Thread.sleep(slowness.toMillis()); // the answer comes too late: the client has given up on it
        }
        respond(x, 200, callJson(call));
    }

    private void hangupCommand(HttpExchange x, Call call) throws IOException {
        if (call == null) {
            error(x, 404, "10005", "Resource not found", "Call not found.");
            return;
        }
        call.hangups.incrementAndGet();
        if (!call.alive) {
            error(x, 422, "90018", "Call has already ended", "This call is no longer active.");
            return;
        }
        call.alive = false;
        ObjectNode ok = JSON.createObjectNode();
        ok.set("data", JSON.createObjectNode().put("result", "ok"));
        respond(x, 200, ok);
        if (webhookAfterHangup) {
            Call c = call;
            Thread.ofVirtual().start(() -> {
                try {
                    send(c, "call.hangup", Map.of("hangup_cause", c.answered ? "normal_clearing" : "originator_cancel",
                            "hangup_source", "caller", "sip_hangup_cause", c.answered ? "200" : "487"));
                } catch (Exception e) {
                    // the call's server is gone: nothing to tell
                }
            });
        }
    }

    private Call find(String id) {
        String decoded = java.net.URLDecoder.decode(id, StandardCharsets.UTF_8);
        return calls.stream().filter(c -> c.callControlId.equals(decoded)).findFirst().orElse(null);
    }

    private static ObjectNode callJson(Call c) {
        ObjectNode data = JSON.createObjectNode()
                .put("call_control_id", c.callControlId)
                .put("call_leg_id", UUID.randomUUID().toString())
                .put("call_session_id", UUID.randomUUID().toString())
                .put("client_state", c.dial.path("client_state").asText())
                .put("is_alive", c.alive)
                .put("record_type", "call");
        ObjectNode root = JSON.createObjectNode();
        root.set("data", data);
        return root;
    }

    private static void error(HttpExchange x, int status, String code, String title, String detail) throws IOException {
        ObjectNode e = JSON.createObjectNode().put("code", code).put("title", title).put("detail", detail);
        ObjectNode root = JSON.createObjectNode();
        root.set("errors", JSON.createArrayNode().add(e));
        respond(x, status, root);
    }

    private static void respond(HttpExchange x, int status, JsonNode body) throws IOException {
        byte[] out = body.toString().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, out.length);
        x.getResponseBody().write(out);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
