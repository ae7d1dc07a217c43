package dev.parley.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.parley.telephony.twilio.TwilioSignature;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Twilio's REST API on loopback, as its documentation shapes it: form-encoded
 * {@code POST /2010-04-01/Accounts/{Sid}/Calls.json} with Basic auth (account SID and auth token, or
 * an API key), JSON call resources, error JSON with {@code code}, {@code message}, {@code status};
 * updates ({@code Status=canceled|completed}), fetches and lists. Each created call then plays the
 * {@link Script} its test set for the callee's number, sending signed status callbacks to Parley as
 * Twilio does: signed over the {@code StatusCallback} URL it was given (under {@code public.url}),
 * delivered to Parley's local port, as a tunnel would.
 */
public final class FakeTwilio implements AutoCloseable {
    private static final Pattern CALLS = Pattern.compile("/2010-04-01/Accounts/(AC[0-9a-f]{32})/Calls\\.json");
    private static final Pattern CALL = Pattern.compile("/2010-04-01/Accounts/(AC[0-9a-f]{32})/Calls/(CA[0-9a-f]{32})\\.json");
    private static final DateTimeFormatter RFC_2822 = DateTimeFormatter.RFC_1123_DATE_TIME;

    /** What the callee's side does once the call is created. */
    public interface Script {
        void play(Created call) throws Exception;
    }

    /** One call created at the fake. */
    public final class Created {
        public final String sid = "CA" + java.util.UUID.randomUUID().toString().replace("-", "");
        public final Map<String, String> params;
        public final ZonedDateTime createdAt = ZonedDateTime.now(ZoneOffset.UTC);
        public volatile String status = "queued";
        public final List<Map<String, String>> updates = new CopyOnWriteArrayList<>();
        final java.util.concurrent.LinkedBlockingQueue<String> updateStatuses = new java.util.concurrent.LinkedBlockingQueue<>();

        Created(Map<String, String> params) {
            this.params = params;
        }

        /** Sends a signed status callback, as Twilio does. */
        public void callback(String status, Map<String, String> extra) throws Exception {
            this.status = status;
            if (dropCallbacks) {
                return;
            }
            Map<String, String> p = new LinkedHashMap<>();
            p.put("AccountSid", accountSid);
            p.put("CallSid", sid);
            p.put("CallStatus", status);
            p.put("To", params.get("To"));
            p.put("From", params.get("From"));
            p.put("Direction", "outbound-api");
            p.put("ApiVersion", "2010-04-01");
            p.putAll(extra);
            post(params.get("StatusCallback"), p);
        }

        /** Twilio's asynchronous machine-detection verdict. */
        public void amd(String answeredBy) throws Exception {
            post(params.get("AsyncAmdStatusCallback"), Map.of("AccountSid", accountSid, "CallSid", sid, "AnsweredBy", answeredBy,
                    "MachineDetectionDuration", "2400"));
        }

        /** Waits (bounded) for Parley's REST update of this call; the status it asked for, or null. */
        public String awaitUpdate(long millis) throws InterruptedException {
            return updateStatuses.poll(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        /** The stream URL and token of the call's TwiML. */
        public String twimlStreamUrl() {
            Matcher m = Pattern.compile("<Stream url=\"([^\"]+)\"").matcher(params.getOrDefault("Twiml", ""));
            return m.find() ? m.group(1) : null;
        }

        public String twimlToken() {
            Matcher m = Pattern.compile("<Parameter name=\"token\" value=\"([^\"]+)\"").matcher(params.getOrDefault("Twiml", ""));
            return m.find() ? m.group(1) : null;
        }
    }

    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final String accountSid;
    private final String authToken;
    private final Map<String, String> keys = new ConcurrentHashMap<>(); // API key SID -> secret
    private volatile int parleyPort;
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    public final List<Created> created = new CopyOnWriteArrayList<>();
    public final List<String> refusedAuth = new CopyOnWriteArrayList<>();
    public volatile long createDelayMillis;
    public volatile boolean dropCallbacks;
    public final List<Integer> callbackStatuses = new CopyOnWriteArrayList<>();

    public FakeTwilio(String accountSid, String authToken) throws IOException {
        this.accountSid = accountSid;
        this.authToken = authToken;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** For a static field: the fake on a free port, or an unchecked failure. */
    public static FakeTwilio start(String accountSid, String authToken) {
        try {
            return new FakeTwilio(accountSid, authToken);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The call created for {@code to}, waiting (bounded) for Parley's create to arrive. */
    public Created awaitCreated(String to, java.time.Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            for (Created c : created) {
                if (c.params.get("To").equals(to)) {
                    return c;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no call to " + to + " reached the fake Twilio within " + within);
            }
            Thread.sleep(10);
        }
    }

    /** Where Parley listens locally: callbacks go there, signed over the public URL. */
    public void deliverTo(int port) {
        this.parleyPort = port;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void apiKey(String sid, String secret) {
        keys.put(sid, secret);
    }

    /** What happens to calls to {@code to}. */
    public void script(String to, Script script) {
        scripts.put(to, script);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!authorized(ex)) {
                refusedAuth.add(path);
                json(ex, 401, "{\"code\": 20003, \"message\": \"Authenticate\", \"more_info\": \"https://www.twilio.com/docs/errors/20003\", \"status\": 401}");
                return;
            }
            Map<String, String> form = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Matcher calls = CALLS.matcher(path);
            Matcher call = CALL.matcher(path);
            if (calls.matches() && ex.getRequestMethod().equals("POST")) {
                create(ex, form);
            } else if (calls.matches() && ex.getRequestMethod().equals("GET")) {
                list(ex, form(ex.getRequestURI().getRawQuery()));
            } else if (call.matches()) {
                Created c = created.stream().filter(x -> x.sid.equals(call.group(2))).findFirst().orElse(null);
                if (c == null) {
                    json(ex, 404, "{\"code\": 20404, \"message\": \"The requested resource was not found\", \"status\": 404}");
                } else if (ex.getRequestMethod().equals("POST")) {
                    update(ex, c, form);
                } else {
                    json(ex, 200, resource(c));
                }
            } else {
                json(ex, 404, "{\"code\": 20404, \"message\": \"The requested resource was not found\", \"status\": 404}");
            }
        } catch (Exception e) {
            e.printStackTrace();
        }
    }

    private boolean authorized(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.startsWith("Basic ")) {
            return false;
        }
        String[] up = new String(Base64.getDecoder().decode(h.substring(6)), StandardCharsets.UTF_8).split(":", 2);
        return up.length == 2 && (up[0].equals(accountSid) && up[1].equals(authToken) || up[1].equals(keys.get(up[0])));
    }

    private void create(HttpExchange ex, Map<String, String> form) throws Exception {
        if (form.get("To") == null || form.get("From") == null || (form.get("Twiml") == null && form.get("Url") == null)) {
            json(ex, 400, "{\"code\": 21201, \"message\": \"No 'To', 'From' or 'Twiml' specified\", \"status\": 400}");
            return;
        }
        Created c = new Created(form);
        created.add(c);
        Script script = scripts.get(form.get("To"));
        if (createDelayMillis > 0) {
            Thread.sleep(createDelayMillis); // Twilio accepted, its answer is late: the client times out
        }
        json(ex, 201, resource(c));
        if (script != null) {
            Thread.ofVirtual().start(() -> {
                try {
                    script.play(c);
                } catch (Exception e) {
                    e.printStackTrace();
                }
            });
        }
    }

    private void update(HttpExchange ex, Created c, Map<String, String> form) throws Exception {
        c.updates.add(form);
        json(ex, 200, resource(c));
        String status = form.get("Status");
        if (status != null) {
            c.updateStatuses.add(status);
            boolean up = c.status.equals("in-progress");
            if (status.equals("completed") && up) {
                c.callback("completed", Map.of("CallDuration", "3"));
            } else if (status.equals("canceled") && !up && !isFinal(c.status)) {
                c.callback("canceled", Map.of());
            }
        }
    }

    private static boolean isFinal(String s) {
        return List.of("completed", "canceled", "busy", "no-answer", "failed").contains(s);
    }

    private void list(HttpExchange ex, Map<String, String> q) throws IOException {
        List<String> items = new ArrayList<>();
        for (Created c : created) {
            if (c.params.get("To").equals(q.get("To")) && c.params.get("From").equals(q.get("From"))) {
                items.addFirst(resource(c));
            }
        }
        json(ex, 200, "{\"calls\": [" + String.join(",", items) + "], \"end\": " + (items.size() - 1)
                + ", \"first_page_uri\": \"/2010-04-01/Accounts/" + accountSid + "/Calls.json?PageSize=20&Page=0\","
                + " \"next_page_uri\": null, \"page\": 0, \"page_size\": 20, \"previous_page_uri\": null, \"start\": 0,"
                + " \"uri\": \"/2010-04-01/Accounts/" + accountSid + "/Calls.json?PageSize=20&Page=0\"}");
    }

    private String resource(Created c) {
        return "{\"sid\": \"" + c.sid + "\", \"account_sid\": \"" + accountSid + "\", \"to\": \"" + c.params.get("To")
                + "\", \"from\": \"" + c.params.get("From") + "\", \"status\": \"" + c.status + "\", \"direction\": \"outbound-api\","
                + " \"api_version\": \"2010-04-01\", \"date_created\": \"" + RFC_2822.format(c.createdAt) + "\","
                + " \"date_updated\": \"" + RFC_2822.format(c.createdAt) + "\", \"start_time\": null, \"end_time\": null,"
                + " \"duration\": null, \"price\": null, \"uri\": \"/2010-04-01/Accounts/" + accountSid + "/Calls/" + c.sid + ".json\"}";
    }

    /** Signs like Twilio (over the URL it was given), delivers to Parley's local port, like a tunnel. */
    void post(String url, Map<String, String> params) throws Exception {
        URI given = URI.create(url);
        StringBuilder body = new StringBuilder();
        params.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + parleyPort + given.getRawPath()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", TwilioSignature.sign(authToken, url, params))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        callbackStatuses.add(client.send(r, HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.merge(k, v, (a, b) -> a + "," + b); // StatusCallbackEvent repeats
        }
        return out;
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
