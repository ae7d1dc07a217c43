import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples one {@code parley serve} process every {@code --sample} seconds, one JSON line each:
 * <ul>
 *   <li>{@code heap_after_gc_mb}: the Java heap in use right after a full collection that this
 *       sampler asks for ({@code jcmd PID GC.run}, i.e. System.gc(), a full G1 collection), read
 *       with {@code jcmd PID GC.heap_info}: what is still reachable, without the garbage a young
 *       collection would have left;</li>
 *   <li>{@code heap_committed_mb}: the heap G1 has committed (GC.heap_info); {@code rss_mb}: the
 *       process's resident set, split by /proc/PID/smaps into {@code rss_heap_mb} (pages of the
 *       heap's reservation, which grows as G1 first touches committed regions: not a leak while
 *       under the committed heap) and {@code rss_outside_heap_mb} (everything native: code cache,
 *       metaspace, thread stacks, malloc, direct buffers);</li>
 *   <li>{@code nonheap_mb}: metaspace, code cache and compressed class space in use (/metrics);</li>
 *   <li>{@code os_threads} (/proc/PID/status, every thread of the process) and
 *       {@code jvm_threads} (platform threads the JVM reports; virtual threads are not threads of
 *       the OS and show in the heap instead);</li>
 *   <li>{@code fds}: entries in /proc/PID/fd (sockets, files, pipes);</li>
 *   <li>{@code pg_backends}: rows in pg_stat_activity for Parley's database (every connection of
 *       the pool), and HikariCP's own {@code hikari_total}/{@code hikari_active};</li>
 *   <li>{@code rtp_in}/{@code rtp_out}/{@code rtp_lost}/{@code rtp_late}: Parley's RTP counters
 *       (cumulative), and {@code live}: calls the driver has in flight.</li>
 * </ul>
 */
final class SoakSampler {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Pattern COMMITTED = Pattern.compile("committed (\\d+)K");
    private static final Pattern RANGE = Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)");
    private static final Pattern MAPPING = Pattern.compile("([0-9a-f]+)-([0-9a-f]+) ");
    private static final Pattern METRIC = Pattern.compile("^([a-zA-Z_:][\\w:]*)(\\{[^}]*\\})? (\\S+)$");

    private final Map<String, String> args;
    private final HttpClient http;
    private final Path file;
    private final long start;
    private final IntSupplier inFlight;
    private final String pid;

    SoakSampler(Map<String, String> args, HttpClient http, Path file, long start, IntSupplier inFlight) {
        this.args = args;
        this.http = http;
        this.file = file;
        this.start = start;
        this.inFlight = inFlight;
        this.pid = args.get("pid");
    }

    void loop(long end) {
        long every = Long.parseLong(args.getOrDefault("sample", "10")) * 1_000_000_000L;
        long warmup = start + Long.parseLong(args.getOrDefault("warmup", "0")) * 1_000_000_000L;
        boolean nmt = args.containsKey("nmt");
        boolean baseline = false;
        for (long next = start; next <= end; next += every) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Soak.sleepMs(wait / 1_000_000);
            }
            try {
                Files.writeString(file, sample().toString() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                if (nmt && !baseline && next >= warmup) {
                    jcmd("VM.native_memory", "baseline");
                    baseline = true;
                }
            } catch (Exception e) {
                System.err.println("sample failed: " + e);
            }
        }
        if (nmt) {
            // Native memory by JVM category since the warm-up's end: where growth outside the heap went.
            try {
                Files.writeString(Path.of(args.get("nmt")), jcmd("VM.native_memory", "summary.diff", "scale=KB"));
            } catch (Exception e) {
                System.err.println("native memory summary failed: " + e);
            }
        }
    }

    ObjectNode sample() throws Exception {
        ObjectNode s = Soak.JSON.createObjectNode();
        s.put("t_s", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        s.put("live", inFlight.getAsInt());
        jcmd("GC.run");
        String heap = jcmd("GC.heap_info");
        Matcher used = USED.matcher(heap);
        s.put("heap_after_gc_mb", used.find() ? Long.parseLong(used.group(1)) / 1024.0 : -1);
        Matcher committed = COMMITTED.matcher(heap);
        s.put("heap_committed_mb", committed.find() ? Long.parseLong(committed.group(1)) / 1024.0 : -1);
        String status = Files.readString(Path.of("/proc", pid, "status"));
        s.put("os_threads", field(status, "Threads"));
        s.put("rss_mb", field(status, "VmRSS") / 1024.0);
        Matcher range = RANGE.matcher(heap);
        if (range.find()) {
            long heapRss = rssWithin(Long.parseUnsignedLong(range.group(1), 16), Long.parseUnsignedLong(range.group(2), 16));
            s.put("rss_heap_mb", heapRss / 1024.0);
            s.put("rss_outside_heap_mb", (field(status, "VmRSS") - heapRss) / 1024.0);
        }
        try (var fds = Files.list(Path.of("/proc", pid, "fd"))) {
            s.put("fds", fds.count());
        }
        s.put("pg_backends", pgBackends());
        String metrics = http.send(HttpRequest.newBuilder(URI.create(args.get("base") + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        s.put("jvm_threads", metric(metrics, "jvm_threads_live_threads", ""));
        s.put("nonheap_mb", metric(metrics, "jvm_memory_used_bytes", "area=\"nonheap\"") / 1048576.0);
        s.put("hikari_total", metric(metrics, "hikaricp_connections", ""));
        s.put("hikari_active", metric(metrics, "hikaricp_connections_active", ""));
        s.put("rtp_in", metric(metrics, "parley_rtp_packets_total", "direction=\"in\""));
        s.put("rtp_out", metric(metrics, "parley_rtp_packets_total", "direction=\"out\""));
        s.put("rtp_lost", metric(metrics, "parley_rtp_packets_lost_total", ""));
        s.put("rtp_late", metric(metrics, "parley_rtp_packets_late_total", ""));
        return s;
    }

    /** Resident kB of the process's mappings inside [from, to): the Java heap's reservation, from /proc/PID/smaps. */
    private long rssWithin(long from, long to) throws Exception {
        long kb = 0;
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc", pid, "smaps"))) {
            Matcher m = MAPPING.matcher(line);
            if (m.lookingAt()) {
                long start = Long.parseUnsignedLong(m.group(1), 16);
                inside = Long.compareUnsigned(start, from) >= 0 && Long.compareUnsigned(start, to) < 0;
            } else if (inside && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return kb;
    }

    private long pgBackends() throws Exception {
        try (var c = DriverManager.getConnection(args.get("jdbc"), "postgres", "");
             var rs = c.createStatement().executeQuery(
                     "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String jcmd(String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of(args.get("jcmd"), pid));
        line.addAll(List.of(command));
        Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    private static long field(String status, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(\\d+)").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The sum of a metric's series whose labels contain {@code labels} (all of them when empty). */
    static double metric(String text, String name, String labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            Matcher m = METRIC.matcher(line);
            if (m.matches() && m.group(1).equals(name) && (labels.isEmpty() || (m.group(2) != null && m.group(2).contains(labels)))) {
                sum += Double.parseDouble(m.group(3));
            }
        }
        return sum;
    }
}
