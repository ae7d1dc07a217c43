import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The soak's driver (bench/faults/soak.sh runs it): keeps N calls in flight through the real
 * create-call API for the run's duration (each slot creates a call, follows it to its final status,
 * creates the next), samples the node every few seconds (SoakSampler), then stops creating, lets
 * the last calls end, waits for the webhook outbox to drain, and writes samples.jsonl and
 * result.json into the output directory. Every wait is bounded.
 *
 *   java -cp tools:<runtime classpath> Soak --base URL --workspace W --organization O --key K
 *     --assistant A --calls N --seconds S --sample 10 --warmup 120 --pid PID --jdbc URL --sink URL --out DIR
 */
public class Soak {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration CALL_BOUND = Duration.ofMinutes(5); // a call not final after this is counted stuck
    static final Duration DRAIN_BOUND = Duration.ofSeconds(150);

    final Map<String, String> args;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final AtomicInteger number = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final LongAdder created = new LongAdder();
    final Map<String, LongAdder> createErrors = new ConcurrentHashMap<>();
    final Map<String, LongAdder> pollErrors = new ConcurrentHashMap<>();
    final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    final AtomicLong stuckInRun = new AtomicLong();
    final List<Long> durationsMs = java.util.Collections.synchronizedList(new ArrayList<>());

    Soak(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        new Soak(a).run();
    }

    void run() throws Exception {
        int calls = Integer.parseInt(args.get("calls"));
        long seconds = Long.parseLong(args.get("seconds"));
        Path out = Path.of(args.get("out"));
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        SoakSampler sampler = new SoakSampler(args, http, out.resolve("samples.jsonl"), start, inFlight::get);
        Thread sampling = Thread.ofPlatform().name("sampler").start(() -> sampler.loop(end));
        List<Thread> slots = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            int slot = i;
            slots.add(Thread.ofVirtual().start(() -> slot(slot, calls, end)));
        }
        for (Thread t : slots) {
            t.join(DRAIN_BOUND.plus(CALL_BOUND).toMillis() + Duration.ofSeconds(seconds).toMillis());
        }
        sampling.join(60_000);
        long drained = System.nanoTime();
        long outboxPending = awaitOutbox(Duration.ofSeconds(90));
        ObjectNode result = JSON.createObjectNode();
        result.put("calls", calls).put("seconds", seconds);
        result.put("created", created.sum());
        result.put("drain_s", (drained - end) / 1e9);
        result.set("create_errors", JSON.valueToTree(sums(createErrors)));
        result.set("poll_errors", JSON.valueToTree(sums(pollErrors)));
        result.set("outcomes_seen_by_client", JSON.valueToTree(sums(outcomes)));
        result.put("stuck_in_run", stuckInRun.get());
        result.set("call_seconds", percentiles(durationsMs));
        result.put("outbox_pending_after_drain", outboxPending);
        database(result);
        result.set("webhooks", webhooks());
        Files.writeString(out.resolve("result.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println("soak driver done: created " + created.sum());
    }

    /** One slot of the steady concurrency: a call, followed to its end, then the next, until the end. */
    void slot(int slot, int calls, long end) {
        // Stagger the first calls over a few seconds, as a steady load would arrive.
        sleepMs(slot * 3_000L / Math.max(1, calls));
        while (System.nanoTime() < end) {
            String id = create();
            if (id == null) {
                sleepMs(1_000);
                continue;
            }
            inFlight.incrementAndGet();
            try {
                follow(id);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    String create() {
        String to = String.format("+1415555%04d", number.getAndIncrement() % 10_000);
        String body = "{\"assistant_id\":\"" + args.get("assistant") + "\",\"to_number\":\"" + to + "\"}";
        try {
            HttpResponse<String> r = http.send(request("/v1/admin/assistant/call").POST(HttpRequest.BodyPublishers.ofString(body))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                count(createErrors, String.valueOf(r.statusCode()));
                return null;
            }
            created.increment();
            return JSON.readTree(r.body()).path("data").path("call_id").asText();
        } catch (Exception e) {
            count(createErrors, e.getClass().getSimpleName());
            return null;
        }
    }

    void follow(String id) {
        long started = System.nanoTime();
        long bound = started + CALL_BOUND.toNanos();
        while (System.nanoTime() < bound) {
            sleepMs(2_000);
            try {
                HttpResponse<String> r = http.send(request("/v1/admin/assistant/call/" + id).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    count(pollErrors, String.valueOf(r.statusCode()));
                    continue;
                }
                JsonNode call = JSON.readTree(r.body()).path("data");
                String status = call.path("status").asText();
                if (List.of("completed", "busy", "no-answer", "failed", "canceled").contains(status)) {
                    count(outcomes, status + "/" + call.path("ended_reason").asText());
                    durationsMs.add((System.nanoTime() - started) / 1_000_000);
                    return;
                }
            } catch (Exception e) {
                count(pollErrors, e.getClass().getSimpleName());
            }
        }
        stuckInRun.incrementAndGet();
    }

    /** Deliveries still pending, after waiting up to the bound for them to go out. */
    long awaitOutbox(Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        long pending;
        do {
            pending = scalar("SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'");
            if (pending == 0) {
                return 0;
            }
            sleepMs(1_000);
        } while (System.nanoTime() < deadline);
        return pending;
    }

    /** What the database says: stuck calls (must be 0), final calls by outcome, and the webhook events written. */
    void database(ObjectNode result) throws Exception {
        try (var c = DriverManager.getConnection(args.get("jdbc"), "postgres", "")) {
            result.put("stuck_calls", dev.parley.support.StuckCalls.count(c));
            Map<String, Long> byOutcome = new TreeMap<>();
            try (var rs = c.createStatement().executeQuery(
                    "SELECT status || '/' || coalesce(ended_reason, '-'), count(*) FROM calls GROUP BY 1")) {
                while (rs.next()) {
                    byOutcome.put(rs.getString(1), rs.getLong(2));
                }
            }
            result.set("calls_in_database", JSON.valueToTree(byOutcome));
            Map<String, Long> events = new TreeMap<>();
            try (var rs = c.createStatement().executeQuery("SELECT type, count(*) FROM webhook_events GROUP BY 1")) {
                while (rs.next()) {
                    events.put(rs.getString(1), rs.getLong(2));
                }
            }
            result.set("webhook_events_written", JSON.valueToTree(events));
            Map<String, Long> deliveries = new TreeMap<>();
            try (var rs = c.createStatement().executeQuery("SELECT state, count(*) FROM webhook_deliveries GROUP BY 1")) {
                while (rs.next()) {
                    deliveries.put(rs.getString(1), rs.getLong(2));
                }
            }
            result.set("webhook_deliveries", JSON.valueToTree(deliveries));
        }
    }

    /** What the sink received, per event type: count, distinct ids, duplicates. */
    JsonNode webhooks() throws Exception {
        ObjectNode w = JSON.createObjectNode();
        for (String type : List.of("call.queued", "call.ringing", "call.answered", "call.ended", "call.report")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(args.get("sink") + "/stats?type=" + type)).build(),
                    HttpResponse.BodyHandlers.ofString());
            w.set(type, JSON.readTree(r.body()));
        }
        return w;
    }

    long scalar(String sql) throws Exception {
        try (var c = DriverManager.getConnection(args.get("jdbc"), "postgres", ""); var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(args.get("base") + path)).timeout(Duration.ofSeconds(10))
                .header("workspace", args.get("workspace")).header("organization", args.get("organization"))
                .header("Authorization", "Bearer " + args.get("key"));
    }

    static JsonNode percentiles(List<Long> ms) {
        long[] v;
        synchronized (ms) {
            v = ms.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("count", v.length);
        for (int p : new int[] {10, 50, 90, 100}) {
            n.put("p" + p, v.length == 0 ? 0 : v[Math.min(v.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * v.length) - 1))] / 1000.0);
        }
        return n;
    }

    static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    static void count(Map<String, LongAdder> m, String key) {
        m.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
