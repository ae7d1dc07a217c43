import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 15 item 2: PostgreSQL restarted under load. Run by bench/faults/db-restart.sh, which owns the
 * private PostgreSQL cluster (its {@code pg.sh stop fast|immediate|start}).
 *
 * <p>One {@code parley serve} on that external database, SIPp as its trunk (answers, hears Parley's
 * RTP, hangs up after {@code --talk-ms}), create-calls arriving open-loop at {@code --rate} per second,
 * each with a webhook URL at a sink in this process, and a prober reading a call every 50 ms. Then
 * {@code --restarts} times: wait until calls are mid-talk, stop PostgreSQL (fast and immediate in
 * turn), keep it down {@code --down-s}, start it. Per restart: stop to first 503, the slowest answer
 * while it was down, any 5xx but 503, RTP in and out per live call while it was down, readyz, the
 * first create accepted and the first call dialed after the start. At the end: every accepted call
 * found, final, and with one {@code call.ended} at the sink; the calls live at a stop ended by
 * SIPp's BYE ({@code completed / callee-ended}); SIPp's own count of calls that completed normally.
 */
public class DbRestartBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    static final Pattern FIELD = Pattern.compile("(?m)^\\s+(organization_id|workspace_id|assistant_id|api_key):\\s+(\\S+)");
    static final Pattern CALL_ID = Pattern.compile("\"call_id\"\\s*:\\s*\"([^\"]+)\"");
    static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]+)\"");
    static final Set<String> FINAL = Set.of("completed", "busy", "no-answer", "failed", "canceled");

    /** One HTTP request of the load or the prober: when it was sent, how long it took, what came back. */
    record Hit(String kind, long sentMs, long millis, int status, String number, String callId, String error) {}

    static final List<Hit> hits = Collections.synchronizedList(new ArrayList<>());
    static final Map<String, List<String>> ended = new ConcurrentHashMap<>(); // call id -> call.ended event ids
    static final Map<String, Set<String>> eventTypes = new ConcurrentHashMap<>();
    static String base, ws, org, key, jdbc, pgControl, pgLog;
    static Path work;
    static volatile boolean loading = true;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        jdbc = o.get("jdbc");
        pgControl = o.get("pg-control");
        int restarts = Integer.parseInt(o.getOrDefault("restarts", "5"));
        double rate = Double.parseDouble(o.getOrDefault("rate", "1"));
        int talkMs = Integer.parseInt(o.getOrDefault("talk-ms", "20000"));
        int downS = Integer.parseInt(o.getOrDefault("down-s", "10"));
        int warmS = Integer.parseInt(o.getOrDefault("warm-s", "25"));
        work = Path.of(o.get("work"));
        pgLog = o.get("pg-log");
        Path out = Path.of(o.get("out"));

        HttpServer sink = sink();
        int sipPort = freeUdp(), trunkPort = freeUdp(), httpPort = freeTcp();
        Process sipp = sipp(work, Path.of(o.get("scenario")), talkMs, trunkPort);
        Process serve = serve(work, o.get("database-url"), httpPort, sipPort, trunkPort);
        base = "http://127.0.0.1:" + httpPort;
        String assistant = setUp(sink.getAddress().getPort());
        System.out.printf("serving on %s, SIPp trunk on %d, %d restarts of %d s, %.1f calls/s of %d ms%n",
                base, trunkPort, restarts, downS, rate, talkMs);

        long started = System.currentTimeMillis();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            serve.destroyForcibly();
            sipp.destroyForcibly();
        }));
        Thread load = Thread.ofPlatform().name("load").daemon().start(() -> load(assistant, rate));
        Thread prober = Thread.ofPlatform().name("prober").daemon().start(DbRestartBench::probe);
        List<Map<String, Object>> cycles = new ArrayList<>();
        Set<String> liveAtStops = new java.util.LinkedHashSet<>();
        for (int i = 1; i <= restarts; i++) {
            Thread.sleep(warmS * 1000L);
            String mode = i % 2 == 1 ? "fast" : "immediate";
            cycles.add(restart(i, mode, downS, liveAtStops));
            System.out.println("restart " + i + ": " + JSON.writeValueAsString(cycles.getLast()));
        }
        Thread.sleep(warmS * 1000L);
        loading = false;
        load.join();
        long loadEnded = System.currentTimeMillis();
        Map<String, Object> verdict = verify(Duration.ofMillis(talkMs + 90_000L), liveAtStops);
        prober.interrupt();
        serve.destroy();
        serve.waitFor(20, TimeUnit.SECONDS);
        sipp.destroy();
        sipp.waitFor(5, TimeUnit.SECONDS);
        verdict.put("sipp", sippStats(work));
        sink.stop(0);
        report(out, o.get("label"), cycles, verdict, started, loadEnded, Map.of("restarts", restarts, "rate_per_s", rate,
                "talk_ms", talkMs, "down_s", downS, "warm_s", warmS));
    }

    // ---- the node, the trunk, the sink

    static Process serve(Path work, String databaseUrl, int httpPort, int sipPort, int trunkPort) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-cp", cp, "dev.parley.cli.Main", "serve", "--port", String.valueOf(httpPort),
                "--data-dir", work.resolve("data").toString(), "--database-url", databaseUrl);
        pb.environment().putAll(Map.of("PARLEY_SIP_LISTEN", "127.0.0.1:" + sipPort, "PARLEY_SIP_TRUNK", "127.0.0.1:" + trunkPort,
                "PARLEY_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1", "PARLEY_RTP_PORTS", "30000-31999", "PARLEY_WEBHOOK_RETRY_INITIAL_MS", "1000"));
        pb.redirectErrorStream(true).redirectOutput(work.resolve("serve.log").toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            String log = Files.exists(work.resolve("serve.log")) ? Files.readString(work.resolve("serve.log")) : "";
            if (log.contains("serving on http://")) {
                Matcher m = FIELD.matcher(log);
                while (m.find()) {
                    switch (m.group(1)) {
                        case "organization_id" -> org = m.group(2);
                        case "workspace_id" -> ws = m.group(2);
                        case "api_key" -> key = m.group(2);
                        default -> { }
                    }
                }
                return p;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("parley serve exited:\n" + log);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("parley serve did not start within 180 s");
    }

    static Process sipp(Path work, Path template, int talkMs, int port) throws Exception {
        Path scenario = work.resolve("uas.xml");
        Files.writeString(scenario, Files.readString(template).replace("[talk_ms]", String.valueOf(talkMs)));
        ProcessBuilder pb = new ProcessBuilder("sipp", "-sf", scenario.toString(), "-i", "127.0.0.1", "-p", String.valueOf(port),
                "-mp", String.valueOf(freeUdp()), "-nostdin", "-trace_stat", "-stf", work.resolve("sipp-stat.csv").toString(),
                "-fd", "1", "-trace_err", "-error_file", work.resolve("sipp-errors.log").toString(), "-max_recv_loops", "10000");
        pb.redirectErrorStream(true).redirectOutput(work.resolve("sipp.log").toFile());
        Process p = pb.start();
        Thread.sleep(500);
        if (!p.isAlive()) {
            throw new IllegalStateException("SIPp exited: " + Files.readString(work.resolve("sipp.log")));
        }
        return p;
    }

    /** The webhook receiver: counts each call's {@code call.ended} events by event id. */
    static HttpServer sink() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher c = CALL_ID.matcher(body);
            Matcher t = TYPE.matcher(body);
            if (c.find() && t.find()) {
                eventTypes.computeIfAbsent(c.group(1), k -> ConcurrentHashMap.newKeySet()).add(t.group(1));
                if (t.group(1).equals("call.ended")) {
                    ended.computeIfAbsent(c.group(1), k -> Collections.synchronizedList(new ArrayList<>()))
                            .add(ex.getRequestHeaders().getFirst("Parley-Event-Id"));
                }
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        return server;
    }

    /** Lifts the caps a load run would hit, turns calling hours off, and makes an assistant that keeps listening. */
    static String setUp(int sinkPort) throws Exception {
        HttpResponse<String> r = send("PATCH", "/v1/admin/workspace", """
                {"limits": {"max_concurrent_calls": 500, "calls_per_second": 50, "max_calls_per_day": null, "max_call_minutes_per_day": null}}""");
        check(r, "lift the workspace's limits");
        send("PATCH", "/v1/admin/workspace", "{\"calling_window\": null}"); // where calling hours exist; refused (400) where not
        r = send("POST", "/v1/admin/assistant", """
                {"name": "db-restart", "config": {"max_duration_seconds": 600, "webhook_url": "http://127.0.0.1:%d/hook", "flow": {"steps": [
                  {"id": "ask", "say": "Thank you, I have noted that. Is there anything else?",
                   "listen": {"intents": [{"name": "yes", "phrases": ["yes"], "goto": "ask"}],
                              "no_match": {"retries": 5, "goto": "ask"}, "no_input": {"retries": 5, "timeout_seconds": 15, "goto": "ask"}}}]}}}"""
                .formatted(sinkPort));
        check(r, "create the assistant");
        return JSON.readTree(r.body()).at("/data/assistant_id").asText();
    }

    // ---- load and probes

    static void load(String assistant, double rate) {
        AtomicInteger n = new AtomicInteger();
        long start = System.nanoTime();
        long interval = (long) (1e9 / rate);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; loading; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String number = String.format("+1415%07d", n.incrementAndGet());
                threads.execute(() -> hits.add(request("create", "POST", "/v1/admin/assistant/call",
                        "{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"" + number + "\"}", number)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A read of one accepted call every 50 ms: the first 503 after a stop is timed from these. */
    static void probe() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                String id = null;
                synchronized (hits) {
                    for (int i = hits.size() - 1; i >= 0 && id == null; i--) {
                        if (hits.get(i).status() == 200 && hits.get(i).callId() != null) {
                            id = hits.get(i).callId();
                        }
                    }
                }
                if (id != null) {
                    String path = "/v1/admin/assistant/call/" + id;
                    Thread.ofVirtual().start(() -> hits.add(request("probe", "GET", path, null, null)));
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Hit request(String kind, String method, String path, String body, String number) {
        long sent = System.currentTimeMillis();
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = send(method, path, body);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String callId = null;
            if (r.statusCode() == 200 && kind.equals("create")) {
                callId = JSON.readTree(r.body()).at("/data/call_id").asText();
            }
            String error = null;
            if (r.statusCode() >= 400) {
                JsonNode e = JSON.readTree(r.body());
                error = e.at("/error/code").asText() + (r.headers().firstValue("Retry-After").isPresent() ? "" : " (no Retry-After)");
            }
            return new Hit(kind, sent, ms, r.statusCode(), number, callId, error);
        } catch (Exception e) {
            return new Hit(kind, sent, (System.nanoTime() - t0) / 1_000_000, -1, number, null, e.getClass().getSimpleName());
        }
    }

    static HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("workspace", ws).header("organization", org).header("Authorization", "Bearer " + key);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- one restart

    static Map<String, Object> restart(int n, String mode, int downS, Set<String> liveAtStops) throws Exception {
        List<String> live = strings("SELECT id FROM calls WHERE status = 'in-progress'");
        liveAtStops.addAll(live);
        double[] rtp0 = rtp();
        long stopAt = System.currentTimeMillis();
        long stopTook = pg("stop", mode);
        long signalAt = shutdownRequestAt(stopAt);
        long downUntil = stopAt + downS * 1000L;
        double callSeconds = 0; // the integral of this node's active calls over the window, from its own gauge
        long last = stopAt;
        while (System.currentTimeMillis() < downUntil) {
            Thread.sleep(Math.min(250, Math.max(1, downUntil - System.currentTimeMillis())));
            long now = System.currentTimeMillis();
            callSeconds += metric("parley_calls_active") * (now - last) / 1000.0;
            last = now;
        }
        double[] rtp1 = rtp();
        long startAt = System.currentTimeMillis();
        long startTook = pg("start", "");
        long readyAt = until(Duration.ofSeconds(60), () -> status("/readyz") == 200);
        long acceptedAt = until(Duration.ofSeconds(60), () -> firstAfter(startAt, "create", 200) != null);
        Hit firstAccepted = firstAfter(startAt, "create", 200);
        long dialedAt = firstAccepted == null ? -1 : until(Duration.ofSeconds(60),
                () -> !"queued".equals(string("SELECT status FROM calls WHERE id = ?", firstAccepted.callId())));
        Thread.sleep(2_000); // let the last requests sent while it was down come back

        Hit first503 = firstAfter(stopAt, null, 503);
        List<Hit> window;
        List<Long> before;
        synchronized (hits) {
            window = hits.stream().filter(h -> h.sentMs() >= stopAt && h.sentMs() <= (readyAt > 0 ? readyAt : startAt)).toList();
            before = hits.stream().filter(h -> h.sentMs() >= stopAt - 10_000 && h.sentMs() < stopAt - 1_000)
                    .map(Hit::millis).sorted().toList();
        }
        dump(n, window);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("restart", n);
        c.put("mode", mode);
        c.put("pg_ctl_stop_ms", stopTook);
        c.put("live_calls_at_stop", live.size());
        c.put("first_503_after_stop_ms", first503 == null ? null : first503.sentMs() + first503.millis() - stopAt);
        c.put("first_503_after_shutdown_request_ms", first503 == null || signalAt < 0 ? null : first503.sentMs() + first503.millis() - signalAt);
        c.put("latency_before_stop_ms", Map.of("p50", pct(before, 0.5), "p99", pct(before, 0.99), "max", pct(before, 1.0)));
        c.put("requests_while_down", window.size());
        c.put("statuses_while_down", histogram(window.stream().map(h -> String.valueOf(h.status())).toList()));
        c.put("errors_while_down", histogram(window.stream().filter(h -> h.error() != null).map(Hit::error).toList()));
        c.put("slowest_answer_while_down_ms", window.stream().mapToLong(Hit::millis).max().orElse(0));
        c.put("answers_over_1s_while_down", window.stream().filter(h -> h.millis() > 1000).count());
        c.put("5xx_other_than_503_while_down", window.stream().filter(h -> h.status() >= 500 && h.status() != 503 || h.status() < 0).count());
        c.put("rtp_out_per_live_call_per_s_while_down", callSeconds == 0 ? 0 : Math.round((rtp1[1] - rtp0[1]) / callSeconds * 10) / 10.0);
        c.put("pg_ctl_start_ms", startTook);
        c.put("readyz_back_after_start_ms", readyAt < 0 ? null : readyAt - startAt);
        c.put("first_create_accepted_after_start_ms", acceptedAt < 0 || firstAccepted == null ? null
                : firstAccepted.sentMs() + firstAccepted.millis() - startAt);
        c.put("first_new_call_dialed_after_start_ms", dialedAt < 0 ? null : dialedAt - startAt);
        return c;
    }

    static long pg(String action, String mode) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("bash", pgControl, action, mode).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pg " + action + " " + mode + " failed: " + output);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Parley's RTP packet counters {in, out}, from /metrics (served without the database). */
    static double[] rtp() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        double in = 0, out = 0;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("parley_rtp_packets_total{direction=\"in\"")) {
                in = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("parley_rtp_packets_total{direction=\"out\"")) {
                out = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new double[] {in, out};
    }

    static double metric(String name) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /**
     * When the server itself got the shutdown request (its log's {@code %m} timestamps, this machine's
     * clock): pg_ctl and runuser take a while to start on a loaded box, and that is not Parley's time.
     */
    static long shutdownRequestAt(long after) throws IOException {
        Pattern line = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) UTC .*received (fast|immediate) shutdown request");
        long found = -1;
        for (String l : Files.readAllLines(Path.of(pgLog))) {
            Matcher m = line.matcher(l);
            if (m.find()) {
                long t = java.time.LocalDateTime.parse(m.group(1).replace(' ', 'T')).toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
                if (t >= after - 100) {
                    found = t;
                }
            }
        }
        return found;
    }

    /** Every request sent while the database was away, for a closer look: kind, sent (ms after the first), ms, status. */
    static void dump(int n, List<Hit> window) throws IOException {
        StringBuilder b = new StringBuilder("kind,sent_ms,millis,status,error\n");
        long t0 = window.isEmpty() ? 0 : window.getFirst().sentMs();
        window.forEach(h -> b.append(h.kind()).append(',').append(h.sentMs() - t0).append(',').append(h.millis()).append(',')
                .append(h.status()).append(',').append(h.error() == null ? "" : h.error()).append('\n'));
        Files.writeString(work.resolve("requests-while-down-" + n + ".csv"), b.toString());
    }

    static Long pct(List<Long> sorted, double p) {
        return sorted.isEmpty() ? null : sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }

    static int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    static Hit firstAfter(long ms, String kind, int status) {
        synchronized (hits) {
            return hits.stream().filter(h -> h.sentMs() >= ms && h.status() == status && (kind == null || h.kind().equals(kind)))
                    .min((a, b) -> Long.compare(a.sentMs() + a.millis(), b.sentMs() + b.millis())).orElse(null);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls every 50 ms; returns when it held (epoch ms), or -1 after {@code within}. */
    static long until(Duration within, Check check) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return System.currentTimeMillis();
                }
            } catch (SQLException e) {
                // the database is still coming back
            }
            Thread.sleep(50);
        }
        return -1;
    }

    // ---- the verdict

    static Map<String, Object> verify(Duration within, Set<String> liveAtStops) throws Exception {
        List<Hit> creates;
        synchronized (hits) {
            creates = hits.stream().filter(h -> h.kind().equals("create")).toList();
        }
        List<String> accepted = creates.stream().filter(h -> h.status() == 200).map(Hit::callId).toList();
        until(within, () -> count("SELECT count(*) FROM calls WHERE NOT (status = ANY(?))", (Object) FINAL.toArray(String[]::new)) == 0
                && accepted.stream().allMatch(ended::containsKey));
        Map<String, Object> v = new LinkedHashMap<>();
        // A call whose callee vanished without a BYE (SIPp, short of CPU, aborts a call on a retransmitted
        // INVITE) talks on until its max duration: hung up here, and counted.
        List<String> open = strings("SELECT id FROM calls WHERE NOT (status = ANY(?))", (Object) FINAL.toArray(String[]::new));
        for (String id : open) {
            send("POST", "/v1/admin/assistant/call/" + id + "/hangup", "{}");
        }
        until(Duration.ofSeconds(30), () -> count("SELECT count(*) FROM calls WHERE NOT (status = ANY(?))", (Object) FINAL.toArray(String[]::new)) == 0
                && accepted.stream().allMatch(ended::containsKey));
        v.put("not_final_after_the_wait_hung_up_by_the_bench", open.size());
        v.put("creates_sent", creates.size());
        v.put("create_statuses", histogram(creates.stream().map(h -> String.valueOf(h.status())).toList()));
        v.put("accepted", accepted.size());
        List<String> rows = strings("SELECT id FROM calls");
        Set<String> inDb = Set.copyOf(rows);
        v.put("accepted_missing_from_database", accepted.stream().filter(id -> !inDb.contains(id)).count());
        List<String> refusedNumbers = creates.stream().filter(h -> h.status() != 200).map(Hit::number).toList();
        v.put("refused_but_stored", refusedNumbers.isEmpty() ? 0
                : count("SELECT count(*) FROM calls WHERE to_number = ANY(?)", (Object) refusedNumbers.toArray(String[]::new)));
        v.put("calls_in_database", rows.size());
        v.put("numbers_with_more_than_one_call", count("SELECT count(*) FROM (SELECT to_number FROM calls GROUP BY to_number HAVING count(*) > 1) d"));
        v.put("calls_not_final", count("SELECT count(*) FROM calls WHERE NOT (status = ANY(?))", (Object) FINAL.toArray(String[]::new)));
        v.put("outcomes", histogram(strings("SELECT status || ' / ' || COALESCE(ended_reason, '-') FROM calls")));
        v.put("accepted_without_call_ended_webhook", accepted.stream().filter(id -> !ended.containsKey(id)).count());
        v.put("calls_with_two_call_ended_events", ended.values().stream().filter(l -> Set.copyOf(l).size() > 1).count());
        v.put("call_ended_redelivered", ended.values().stream().mapToLong(l -> l.size() - Set.copyOf(l).size()).sum());
        v.put("live_at_a_stop", liveAtStops.size());
        v.put("live_at_a_stop_outcomes", histogram(liveAtStops.stream()
                .map(id -> { try { return string("SELECT status || ' / ' || COALESCE(ended_reason, '-') FROM calls WHERE id = ?", id); }
                             catch (SQLException e) { return "unreadable"; } }).toList()));
        v.put("live_at_a_stop_without_call_ended_webhook", liveAtStops.stream().filter(id -> !ended.containsKey(id)).count());
        v.put("live_at_a_stop_talk_s", strings("SELECT round(extract(epoch FROM ended_at - answered_at))::text FROM calls"
                        + " WHERE id = ANY(?) AND ended_at IS NOT NULL AND answered_at IS NOT NULL",
                (Object) liveAtStops.toArray(String[]::new)).stream().map(Integer::parseInt).sorted().toList());
        return v;
    }

    static Map<String, Object> sippStats(Path work) throws IOException {
        Path csv = work.resolve("sipp-stat.csv");
        Map<String, Object> s = new LinkedHashMap<>();
        if (!Files.exists(csv)) {
            s.put("error", "no statistics file");
            return s;
        }
        List<String> lines = Files.readAllLines(csv);
        String[] head = lines.getFirst().split(";");
        String[] last = lines.getLast().split(";");
        for (int i = 0; i < head.length && i < last.length; i++) {
            if (head[i].equals("TotalCallCreated") || head[i].equals("SuccessfulCall(C)") || head[i].equals("FailedCall(C)")
                    || head[i].startsWith("FailedUnexpectedMessage(C)") || head[i].startsWith("FailedMaxUDPRetrans(C)")
                    || head[i].startsWith("FailedCallRejected(C)") || head[i].equals("CurrentCall")) {
                s.put(head[i], Long.parseLong(last[i].trim()));
            }
        }
        return s;
    }

    static void report(Path dir, String label, List<Map<String, Object>> cycles, Map<String, Object> verdict, long started,
                       long loadEnded, Map<String, Object> settings) throws Exception {
        Files.createDirectories(dir);
        String stamp = Instant.now().toString().substring(0, 16).replace(':', '-');
        ObjectNode root = JSON.createObjectNode();
        root.put("scenario", "db-restart");
        root.put("label", label);
        root.set("settings", JSON.valueToTree(settings));
        root.put("load_seconds", (loadEnded - started) / 1000);
        ArrayNode cs = root.putArray("restarts");
        cycles.forEach(c -> cs.add(JSON.valueToTree(c)));
        root.set("verdict", JSON.valueToTree(verdict));
        Files.writeString(dir.resolve("db-restart-" + stamp + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));

        StringBuilder md = new StringBuilder("# PostgreSQL restarted under load (issue 15, item 2)\n\n");
        md.append(label).append("\n\nSettings: ").append(settings).append("; load ran ").append((loadEnded - started) / 1000).append(" s.\n\n");
        md.append("| # | stop | live calls | pg_ctl stop / shutdown request to first 503 (ms) | latency before the stop p99 / max (ms) | answers while down | slowest (ms) | over 1 s | 5xx but 503 | RTP packets sent per live call per s while down | PostgreSQL start (ms) | readyz back (ms after start) | first 200 (ms) | first new call dialed (ms) |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Map<String, Object> c : cycles) {
            @SuppressWarnings("unchecked") Map<String, Object> base = (Map<String, Object>) c.get("latency_before_stop_ms");
            md.append(String.format("| %s | %s | %s | %s / %s | %s / %s | %s %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", c.get("restart"), c.get("mode"),
                    c.get("live_calls_at_stop"), c.get("first_503_after_stop_ms"), c.get("first_503_after_shutdown_request_ms"),
                    base.get("p99"), base.get("max"), c.get("requests_while_down"), c.get("statuses_while_down"),
                    c.get("slowest_answer_while_down_ms"), c.get("answers_over_1s_while_down"), c.get("5xx_other_than_503_while_down"),
                    c.get("rtp_out_per_live_call_per_s_while_down"), c.get("pg_ctl_start_ms"),
                    c.get("readyz_back_after_start_ms"), c.get("first_create_accepted_after_start_ms"), c.get("first_new_call_dialed_after_start_ms")));
        }
        md.append("\n## Promises\n\n");
        promises(cycles, verdict).forEach((k, v) -> md.append("- ").append(v ? "held: " : "**BROKEN**: ").append(k).append('\n'));
        md.append("\n## Verdict\n\n");
        verdict.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        Files.writeString(dir.resolve("db-restart-" + stamp + ".md"), md.toString());
        System.out.println(md);
    }

    static Map<String, Boolean> promises(List<Map<String, Object>> cycles, Map<String, Object> v) {
        Map<String, Boolean> p = new LinkedHashMap<>();
        p.put("a 503 within 1 s of the server's shutdown request, every time (max " + max(cycles, "first_503_after_shutdown_request_ms")
                        + " ms; from pg_ctl's start, max " + max(cycles, "first_503_after_stop_ms") + " ms)",
                cycles.stream().allMatch(c -> c.get("first_503_after_shutdown_request_ms") instanceof Long ms && ms <= 1000));
        p.put("no answer slower than 1 s while down (slowest " + max(cycles, "slowest_answer_while_down_ms") + " ms)",
                cycles.stream().allMatch(c -> ((Number) c.get("answers_over_1s_while_down")).longValue() == 0));
        p.put("no 5xx but 503, no request without an answer",
                cycles.stream().allMatch(c -> ((Number) c.get("5xx_other_than_503_while_down")).longValue() == 0));
        p.put("every accepted call stored, final, with a call.ended webhook",
                ((Number) v.get("accepted_missing_from_database")).longValue() == 0 && ((Number) v.get("calls_not_final")).longValue() == 0
                        && ((Number) v.get("accepted_without_call_ended_webhook")).longValue() == 0
                        && ((Number) v.get("calls_with_two_call_ended_events")).longValue() == 0);
        @SuppressWarnings("unchecked") Map<String, Long> live = (Map<String, Long>) v.get("live_at_a_stop_outcomes");
        @SuppressWarnings("unchecked") Map<String, Object> sipp = (Map<String, Object>) v.get("sipp");
        p.put("calls live at a stop talked on and ended by the callee's BYE, recorded once the database was back",
                live.keySet().equals(Set.of("completed / callee-ended")) && ((Number) v.get("live_at_a_stop_without_call_ended_webhook")).longValue() == 0);
        long sippFailed = sipp.get("FailedCall(C)") instanceof Long f ? f : -1;
        p.put("SIPp: every call completed normally but those SIPp itself aborted (" + sipp.get("SuccessfulCall(C)") + " of "
                        + sipp.get("TotalCallCreated") + "; SIPp aborted " + sippFailed + ", the bench hung up "
                        + v.get("not_final_after_the_wait_hung_up_by_the_bench") + " Parley still held)",
                sippFailed >= 0 && ((Number) v.get("not_final_after_the_wait_hung_up_by_the_bench")).longValue() <= sippFailed);
        p.put("the node came back by itself: readyz, a new call accepted and dialed after every start (readyz max "
                + max(cycles, "readyz_back_after_start_ms") + " ms after the start)",
                cycles.stream().allMatch(c -> c.get("first_new_call_dialed_after_start_ms") != null && c.get("readyz_back_after_start_ms") != null));
        return p;
    }

    static Object max(List<Map<String, Object>> cycles, String key) {
        return cycles.stream().map(c -> c.get(key)).filter(x -> x instanceof Number).mapToLong(x -> ((Number) x).longValue()).max().orElse(-1);
    }

    // ---- small things

    static Map<String, Long> histogram(List<String> values) {
        Map<String, Long> h = new TreeMap<>();
        values.forEach(v -> h.merge(v, 1L, Long::sum));
        return h;
    }

    static void check(HttpResponse<String> r, String what) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException("could not " + what + ": " + r.statusCode() + " " + r.body());
        }
    }

    static Connection db() throws SQLException {
        return DriverManager.getConnection(jdbc);
    }

    static long count(String sql, Object... args) throws SQLException {
        try (Connection c = db(); var st = c.prepareStatement(sql)) {
            bind(c, st, args);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static String string(String sql, Object... args) throws SQLException {
        try (Connection c = db(); var st = c.prepareStatement(sql)) {
            bind(c, st, args);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static List<String> strings(String sql, Object... args) throws SQLException {
        try (Connection c = db(); var st = c.prepareStatement(sql)) {
            bind(c, st, args);
            List<String> out = new ArrayList<>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    static void bind(Connection c, java.sql.PreparedStatement st, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof String[] a) {
                st.setArray(i + 1, c.createArrayOf("text", a));
            } else {
                st.setObject(i + 1, args[i]);
            }
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return o;
    }

    static int freeUdp() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    static int freeTcp() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
