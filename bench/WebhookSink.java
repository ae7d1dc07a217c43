import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A webhook receiver for benchmarks: java WebhookSink.java PORT
 *   POST /hook          records (arrival time, event created_at, event id); answers 200, or in
 *                       stall mode 503 with Retry-After: 3 (to build a backlog that comes due at once)
 *   POST /mode?m=ok|stall
 *   GET  /stats?type=call.queued&since=<epoch ms>  JSON (of that type when given): count, distinct, duplicates, first/last arrival,
 *                       events/s between them, lag percentiles (arrival - created_at) in ms
 *   POST /reset
 */
public class WebhookSink {
    record Hit(long arrivedMs, long createdMs, String id, String type, boolean accepted) {}

    static final ConcurrentLinkedQueue<Hit> hits = new ConcurrentLinkedQueue<>();
    static volatile boolean stall;
    static final Pattern CREATED = Pattern.compile("\"created_at\"\\s*:\\s*\"([^\"]+)\"");
    static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]+)\"");

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            long now = System.currentTimeMillis();
            String text = new String(body, StandardCharsets.UTF_8);
            int after = topLevel(text);
            Matcher c = CREATED.matcher(text);
            Matcher t = TYPE.matcher(text);
            long created = c.find(after) || c.find(0) ? Instant.parse(c.group(1)).toEpochMilli() : now;
            String type = t.find(after) || t.find(0) ? t.group(1) : "?";
            boolean accept = !stall;
            hits.add(new Hit(now, created, ex.getRequestHeaders().getFirst("Parley-Event-Id"), type, accept));
            if (!accept) {
                ex.getResponseHeaders().add("Retry-After", "3");
            }
            ex.sendResponseHeaders(accept ? 200 : 503, -1);
            ex.close();
        });
        server.createContext("/mode", ex -> {
            stall = ex.getRequestURI().getQuery().contains("stall");
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.createContext("/reset", ex -> {
            hits.clear();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.createContext("/stats", ex -> {
            String q = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
            long since = q.contains("since=") ? Long.parseLong(q.replaceAll(".*since=(\\d+).*", "$1")) : 0;
            String type = q.contains("type=") ? q.replaceAll(".*type=([^&]+).*", "$1") : null;
            Hit[] ok = hits.stream().filter(Hit::accepted).filter(h -> h.arrivedMs() >= since)
                    .filter(h -> type == null || type.equals(h.type())).toArray(Hit[]::new);
            Set<String> ids = ConcurrentHashMap.newKeySet();
            long dups = Arrays.stream(ok).filter(h -> !ids.add(h.id())).count();
            long[] lags = Arrays.stream(ok).mapToLong(h -> h.arrivedMs() - h.createdMs()).sorted().toArray();
            long first = Arrays.stream(ok).mapToLong(Hit::arrivedMs).min().orElse(0);
            long last = Arrays.stream(ok).mapToLong(Hit::arrivedMs).max().orElse(0);
            double rate = last > first ? ok.length * 1000.0 / (last - first) : 0;
            String json = String.format("{\"count\":%d,\"distinct\":%d,\"duplicates\":%d,\"first_ms\":%d,\"last_ms\":%d,"
                    + "\"events_per_s\":%.1f,\"lag_ms\":{\"p50\":%d,\"p90\":%d,\"p99\":%d,\"max\":%d}}",
                    ok.length, ids.size(), dups, first, last, rate, pct(lags, 50), pct(lags, 90), pct(lags, 99), pct(lags, 100));
            byte[] out = json.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        System.out.println("sink on " + args[0]);
    }

    /**
     * Where the event's own fields are searched from: the stored payload is PostgreSQL jsonb, which
     * orders keys by length, so {@code data} (with the call's own {@code created_at} in a report)
     * comes before the event's {@code created_at}. Returns the offset just after the top-level
     * {@code data} object, or 0 when there is none (then the fields are searched from the start).
     */
    static int topLevel(String text) {
        int data = text.indexOf("\"data\"");
        int open = data < 0 ? -1 : text.indexOf('{', data);
        if (open < 0) {
            return 0;
        }
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (inString) {
                if (ch == '\\') {
                    i++;
                } else if (ch == '"') {
                    inString = false;
                }
            } else if (ch == '"') {
                inString = true;
            } else if (ch == '{') {
                depth++;
            } else if (ch == '}' && --depth == 0) {
                return i + 1;
            }
        }
        return 0;
    }

    static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1))];
    }
}
