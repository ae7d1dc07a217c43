import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.support.Trend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The soak's verdict from the driver's files: each resource's least-squares slope over the measured
 * window (after the warm-up) and whether it grows, the calls and what became of them, the webhooks,
 * and the promises (no stuck call, no 5xx, no webhook lost, nothing growing). Writes the Markdown
 * and JSON reports; exits 1 when a promise is broken, so a short run can guard leaks.
 *
 *   java -cp tools:<runtime classpath> SoakReport DIR WARMUP_S META_JSON OUT_BASE
 */
public class SoakReport {
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Resource, unit, tolerance per hour: above it (and above three standard errors) it grows.
     * {@code jitBound}: also grows while the JIT compiles (code cache, metaspace's profiles, C2's
     * malloc arenas kept by glibc); measured with --nmt on a loaded 2-core box, that lasts well
     * past ten minutes, so these are judged only over windows of at least {@link #JIT_WINDOW_S}.
     */
    record Watched(String key, String label, String unit, double tolerancePerHour, boolean jitBound) {
        Watched(String key, String label, String unit, double tolerancePerHour) {
            this(key, label, unit, tolerancePerHour, false);
        }
    }

    static final double JIT_WINDOW_S = 20 * 60;

    static final List<Watched> WATCHED = List.of(
            new Watched("heap_after_gc_mb", "heap after full GC", "MB", 16),
            new Watched("nonheap_mb", "non-heap (metaspace, code cache)", "MB", 16, true),
            new Watched("rss_outside_heap_mb", "resident set outside the heap (native)", "MB", 32, true),
            new Watched("os_threads", "OS threads", "threads", 5),
            new Watched("jvm_threads", "JVM platform threads", "threads", 5),
            new Watched("fds", "open file descriptors", "fds", 10),
            new Watched("pg_backends", "PostgreSQL connections (pg_stat_activity)", "connections", 1),
            new Watched("hikari_total", "pool connections (HikariCP)", "connections", 1));

    /** Shown for reading the others, not judged: both follow G1's sizing, not what the node holds. */
    static final List<Watched> SHOWN = List.of(
            new Watched("rss_mb", "resident set (RSS), all", "MB", Double.MAX_VALUE),
            new Watched("heap_committed_mb", "heap committed by G1", "MB", Double.MAX_VALUE),
            new Watched("rss_heap_mb", "resident set inside the heap", "MB", Double.MAX_VALUE));

    public static void main(String[] argv) throws Exception {
        Path dir = Path.of(argv[0]);
        double warmup = Double.parseDouble(argv[1]);
        JsonNode meta = JSON.readTree(Path.of(argv[2]).toFile());
        String base = argv[3];
        List<JsonNode> samples = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("samples.jsonl"))) {
            if (!line.isBlank()) {
                samples.add(JSON.readTree(line));
            }
        }
        JsonNode result = JSON.readTree(dir.resolve("result.json").toFile());
        List<JsonNode> window = samples.stream().filter(s -> s.path("t_s").asDouble() >= warmup).toList();

        for (Watched w : WATCHED) {
            if (!window.stream().allMatch(x -> x.has(w.key()))) {
                throw new IllegalStateException("the samples lack " + w.key() + ": they were taken by an older sampler; rerun soak.sh");
            }
        }
        List<Trend> trends = new ArrayList<>();
        for (Watched w : WATCHED) {
            trends.add(Trend.of(w.key(), window.stream().map(s -> new Trend.Point(s.path("t_s").asDouble(), s.path(w.key()).asDouble())).toList(),
                    w.tolerancePerHour()));
        }
        List<Trend> shown = new ArrayList<>();
        for (Watched w : SHOWN) {
            if (window.stream().allMatch(x -> x.has(w.key()))) {
                shown.add(Trend.of(w.key(), window.stream().map(x -> new Trend.Point(x.path("t_s").asDouble(), x.path(w.key()).asDouble())).toList(),
                        w.tolerancePerHour()));
            }
        }
        double half = window.isEmpty() ? 0 : (window.getFirst().path("t_s").asDouble() + window.getLast().path("t_s").asDouble()) / 2;
        List<JsonNode> secondHalf = window.stream().filter(s -> s.path("t_s").asDouble() >= half).toList();
        List<Trend> lateTrends = new ArrayList<>();
        for (Watched w : WATCHED) {
            lateTrends.add(secondHalf.size() < 3 ? null : Trend.of(w.key(), secondHalf.stream()
                    .map(s -> new Trend.Point(s.path("t_s").asDouble(), s.path(w.key()).asDouble())).toList(), w.tolerancePerHour()));
        }
        List<Trend> rates = new ArrayList<>();
        for (String k : List.of("rtp_in", "rtp_out", "live")) {
            rates.add(rate(k, window, !k.equals("live")));
        }

        List<String> broken = new ArrayList<>();
        double span = window.getLast().path("t_s").asDouble() - window.getFirst().path("t_s").asDouble();
        for (int i = 0; i < trends.size(); i++) {
            if (judged(WATCHED.get(i), span) && trends.get(i).grows()) {
                broken.add(trends.get(i).name() + " grows " + f(trends.get(i).slopePerHour()) + " an hour");
            }
        }
        if (result.path("stuck_calls").asLong() != 0) {
            broken.add(result.path("stuck_calls").asLong() + " calls stuck in a non-final state in the database");
        }
        if (result.path("stuck_in_run").asLong() != 0) {
            broken.add(result.path("stuck_in_run").asLong() + " calls not final 5 minutes after they were created");
        }
        errors5xx(result.path("create_errors"), "create", broken);
        errors5xx(result.path("poll_errors"), "get call", broken);
        if (result.path("outbox_pending_after_drain").asLong() != 0) {
            broken.add(result.path("outbox_pending_after_drain").asLong() + " webhook deliveries still pending after the drain");
        }
        if (result.path("webhook_deliveries").path("failed").asLong() != 0) {
            broken.add(result.path("webhook_deliveries").path("failed").asLong() + " webhook deliveries failed");
        }
        for (Map.Entry<String, JsonNode> e : result.path("webhooks").properties()) {
            long written = result.path("webhook_events_written").path(e.getKey()).asLong();
            long received = e.getValue().path("distinct").asLong();
            if (received != written) {
                broken.add(e.getKey() + ": " + written + " written, " + received + " received (distinct)");
            }
        }
        if (result.path("created").asLong() == 0) {
            broken.add("no call was created");
        }

        ObjectNode report = JSON.createObjectNode();
        report.set("meta", meta);
        report.put("warmup_s", warmup);
        report.put("samples", samples.size());
        report.put("samples_in_window", window.size());
        ArrayNode t = report.putArray("trends");
        for (int i = 0; i < trends.size(); i++) {
            ObjectNode n = JSON.valueToTree(trends.get(i));
            n.put("grows", trends.get(i).grows());
            n.put("judged", judged(WATCHED.get(i), span));
            if (lateTrends.get(i) != null) {
                n.put("second_half_slope_per_hour", lateTrends.get(i).slopePerHour());
            }
            t.add(n);
        }
        report.set("shown", JSON.valueToTree(shown));
        report.set("rates", JSON.valueToTree(rates));
        report.set("result", result);
        report.set("broken", JSON.valueToTree(broken));
        Files.writeString(Path.of(base + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        Files.writeString(Path.of(base + ".md"), markdown(meta, warmup, samples, window, trends, lateTrends, shown, rates, result, broken));
        System.out.println(Files.readString(Path.of(base + ".md")));
        System.exit(broken.isEmpty() ? 0 : 1);
    }

    static boolean judged(Watched w, double windowSeconds) {
        return !w.jitBound() || windowSeconds >= JIT_WINDOW_S;
    }

    /** A cumulative counter as a rate per second between samples (or a gauge as is), as a trend. */
    static Trend rate(String key, List<JsonNode> window, boolean counter) {
        List<Trend.Point> points = new ArrayList<>();
        for (int i = counter ? 1 : 0; i < window.size(); i++) {
            JsonNode s = window.get(i);
            double v = s.path(key).asDouble();
            if (counter) {
                JsonNode p = window.get(i - 1);
                v = (v - p.path(key).asDouble()) / (s.path("t_s").asDouble() - p.path("t_s").asDouble());
            }
            points.add(new Trend.Point(s.path("t_s").asDouble(), v));
        }
        return Trend.of(counter ? key + "_per_s" : key, points, Double.MAX_VALUE);
    }

    static void errors5xx(JsonNode errors, String what, List<String> broken) {
        errors.properties().forEach(e -> {
            if (e.getKey().startsWith("5")) {
                broken.add(what + " answered " + e.getKey() + " " + e.getValue().asLong() + " times");
            }
        });
    }

    static String markdown(JsonNode meta, double warmup, List<JsonNode> samples, List<JsonNode> window, List<Trend> trends,
                           List<Trend> lateTrends, List<Trend> shown, List<Trend> rates, JsonNode result, List<String> broken) {
        StringBuilder m = new StringBuilder();
        m.append("# Soak: ").append(meta.path("minutes").asText()).append(" min at ").append(result.path("calls").asInt())
                .append(" calls in flight\n\n");
        m.append("- date: ").append(meta.path("date").asText()).append("; commit ").append(meta.path("commit").asText()).append('\n');
        m.append("- machine: ").append(meta.path("machine").asText()).append('\n');
        m.append("- load average at start / end: ").append(meta.path("load_start").asText()).append(" / ")
                .append(meta.path("load_end").asText()).append('\n');
        m.append("- also running at the start (top CPU): ").append(meta.path("others").asText()).append('\n');
        m.append("- node: one `parley serve`, ").append(meta.path("database").asText()).append("; callee: SIPp (")
                .append("answers, sends a 12 s speech loop as PCMU, hangs up after 3-60 s, uniform); webhooks to WebhookSink\n");
        m.append("- the node's log: ").append(meta.path("log_errors").asText()).append(" ERROR lines, ")
                .append(meta.path("log_warns").asText()).append(" WARN lines\n");
        m.append("- samples: ").append(samples.size()).append(" every ").append(meta.path("sample_s").asText())
                .append(" s; trends over the ").append(window.size()).append(" after the ").append(f(warmup)).append(" s warm-up\n\n");

        m.append(broken.isEmpty() ? "**Verdict: every promise held.**\n\n" : "**Verdict: BROKEN**\n\n");
        broken.forEach(b -> m.append("- ").append(b).append('\n'));
        if (!broken.isEmpty()) {
            m.append('\n');
        }

        double span = window.getLast().path("t_s").asDouble() - window.getFirst().path("t_s").asDouble();
        m.append("| resource | first | last | mean | slope per hour | ± std. error | tolerance per hour | verdict | slope per hour, second half |\n");
        m.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (int i = 0; i < trends.size(); i++) {
            Trend t = trends.get(i);
            Watched w = WATCHED.get(i);
            m.append("| ").append(w.label()).append(" (").append(w.unit()).append(") | ").append(f(t.first())).append(" | ").append(f(t.last()))
                    .append(" | ").append(f(t.mean())).append(" | ").append(f(t.slopePerHour())).append(" | ").append(f(t.standardErrorPerHour()))
                    .append(" | ").append(f(t.tolerancePerHour())).append(" | ")
                    .append(judged(w, span) ? t.verdict() : t.verdict().toLowerCase() + ", not judged: window under 20 min (JIT)").append(" | ")
                    .append(lateTrends.get(i) == null ? "-" : f(lateTrends.get(i).slopePerHour())).append(" |\n");
        }
        for (Trend t : shown) {
            Watched w = SHOWN.stream().filter(x -> x.key().equals(t.name())).findFirst().orElseThrow();
            m.append("| ").append(w.label()).append(" (").append(w.unit()).append(") | ").append(f(t.first())).append(" | ").append(f(t.last()))
                    .append(" | ").append(f(t.mean())).append(" | ").append(f(t.slopePerHour())).append(" | ").append(f(t.standardErrorPerHour()))
                    .append(" | - | not judged | - |\n");
        }
        m.append("\n| rate | mean | slope per hour | ± std. error |\n| --- | --- | --- | --- |\n");
        for (Trend r : rates) {
            m.append("| ").append(r.name()).append(" | ").append(f(r.mean())).append(" | ").append(f(r.slopePerHour())).append(" | ")
                    .append(f(r.standardErrorPerHour())).append(" |\n");
        }
        JsonNode last = samples.getLast();
        m.append("\nRTP over the run: in ").append(last.path("rtp_in").asLong()).append(", out ").append(last.path("rtp_out").asLong())
                .append(", lost in ").append(last.path("rtp_lost").asLong()).append(", late in ").append(last.path("rtp_late").asLong()).append(".\n\n");

        m.append("## Calls\n\n");
        m.append("- created through the API: ").append(result.path("created").asLong()).append("; create errors: ")
                .append(result.path("create_errors")).append("; get-call errors: ").append(result.path("poll_errors")).append('\n');
        m.append("- in the database at the end (status/ended_reason): ").append(result.path("calls_in_database")).append('\n');
        m.append("- **stuck in a non-final state (database, after the drain): ").append(result.path("stuck_calls").asLong())
                .append("**; not final within 5 min during the run: ").append(result.path("stuck_in_run").asLong()).append('\n');
        m.append("- call length seen by the client (create to final, s): ").append(result.path("call_seconds")).append('\n');
        m.append("- drain after the last create: ").append(f(result.path("drain_s").asDouble())).append(" s\n\n");
        m.append("## Webhooks\n\n| type | written (outbox) | received | distinct | duplicates | lag p99 (ms) |\n| --- | --- | --- | --- | --- | --- |\n");
        result.path("webhooks").properties().forEach(e -> m.append("| ").append(e.getKey()).append(" | ")
                .append(result.path("webhook_events_written").path(e.getKey()).asLong()).append(" | ").append(e.getValue().path("count").asLong())
                .append(" | ").append(e.getValue().path("distinct").asLong()).append(" | ").append(e.getValue().path("duplicates").asLong())
                .append(" | ").append(e.getValue().path("lag_ms").path("p99").asLong()).append(" |\n"));
        m.append("\nDeliveries by state: ").append(result.path("webhook_deliveries")).append("; pending after the drain: ")
                .append(result.path("outbox_pending_after_drain").asLong()).append('\n');
        return m.toString();
    }

    static String f(double v) {
        if (Double.isInfinite(v) || v == Double.MAX_VALUE) {
            return "-";
        }
        return Math.abs(v) >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
    }
}
