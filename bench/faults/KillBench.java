import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 15 item 1, kill -9 at random phases under load. Two {@code parley serve} nodes on one external
 * PostgreSQL dial a steady stream of calls to SIPp (rings 1 s, answers, talks, hangs up; logs each
 * INVITE's Call-ID and callee), webhooks go to a sink in this process, and one node at a time is
 * SIGKILLed while it is in a chosen phase, then restarted. At the end: every call that got a 200 from
 * create-call has a final status in the database and its {@code call.ended} at the sink; no callee
 * number saw two INVITE dialogs; every delivery the database holds arrived; and, per kill, how long
 * the dead node's undialed claims waited for another node.
 *
 *   java -cp target/classes:<runtime classpath> KillBench.java --jdbc URL --database-url URL
 *        --scenario uas-count-invites.xml --kills 100 --rate 2 --out DIR --label TEXT
 */
public class KillBench {
    static final List<String> PHASES = List.of("intake", "claim", "ringing", "talking", "ending", "webhook");
    static final Set<String> FINAL = Set.of("completed", "busy", "no-answer", "failed", "canceled");
    static final ObjectMapper JSON = new ObjectMapper();
    static final Random RANDOM = new Random();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    /** One node slot: its ports stay the same across restarts (SIPp answers to the Via, the trunk is one). */
    static final class Node {
        final int slot, httpPort, sipPort;
        final Path dir;
        volatile Process process;
        volatile String dialerName, webhookName;
        volatile boolean up;
        final AtomicInteger inFlight = new AtomicInteger();
        volatile Map<String, String> credentialsWanted;
        volatile Path log;
        int starts;

        Node(int slot, int httpPort, int sipPort, Path dir) {
            this.slot = slot;
            this.httpPort = httpPort;
            this.sipPort = sipPort;
            this.dir = dir;
        }
    }

    record Attempt(int index, String number, int slot, int status, String callId, String error) {}

    record Kill(int n, String phase, int slot, boolean phaseReached, long atMs, int inFlightCreates, int undialedClaims,
                int ringing, int talking, int talkingPastTwoPointEightSeconds, int deliveriesLeased, long takeoverMs,
                long firstClaimByOtherMs, long restartMs) {}

    static String databaseUrl, jdbc, scenario, label;
    static int kills = 100, talkMs = 3000;
    static double minutes = 60; // the kills stop after this long, whatever their count
    static double rate = 2;
    static Path out, work;
    static final List<Node> nodes = new ArrayList<>();
    static final List<Attempt> attempts = java.util.Collections.synchronizedList(new ArrayList<>());
    static final Map<String, List<String>> sinkEvents = new ConcurrentHashMap<>(); // event id -> types seen (one per arrival)
    static final Map<String, Set<String>> sinkTypesByCall = new ConcurrentHashMap<>();
    static volatile CountDownLatch intakeArmed;
    static volatile int intakeSlot = -1;
    static String ws, org, key, masterKey;
    static int sinkPort, trunkPort;
    static Connection db;
    static volatile Process sippProcess;

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--jdbc" -> jdbc = args[i + 1];
                case "--database-url" -> databaseUrl = args[i + 1];
                case "--scenario" -> scenario = args[i + 1];
                case "--kills" -> kills = Integer.parseInt(args[i + 1]);
                case "--rate" -> rate = Double.parseDouble(args[i + 1]);
                case "--talk-ms" -> talkMs = Integer.parseInt(args[i + 1]);
                case "--minutes" -> minutes = Double.parseDouble(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--label" -> label = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        work = Files.createTempDirectory("parley-kill");
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        masterKey = Base64.getEncoder().encodeToString(k);
        db = DriverManager.getConnection(jdbc);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { // an interrupted run leaves no node or SIPp behind
            nodes.forEach(n -> { if (n.process != null) n.process.destroyForcibly(); });
            if (sippProcess != null) sippProcess.destroyForcibly();
        }));
        long started = System.currentTimeMillis();

        HttpServer sink = startSink();
        trunkPort = freeUdp();
        Path sippLog = work.resolve("invites.log");
        Process sipp = sippProcess = new ProcessBuilder("sipp", "-sf", scenario, "-i", "127.0.0.1", "-p", Integer.toString(trunkPort),
                "-mp", Integer.toString(freeUdp()), "-d", Integer.toString(talkMs), "-trace_logs", "-log_file", sippLog.toString(),
                "-nostdin", "-timeout", "7200s")
                .redirectErrorStream(true).redirectOutput(work.resolve("sipp.out").toFile()).start();
        int rtp = 20000;
        for (int slot = 0; slot < 2; slot++) {
            nodes.add(new Node(slot, freeTcp(), freeUdp(), Files.createDirectories(work.resolve("node" + slot))));
        }
        Map<String, String> credentials = new HashMap<>();
        start(nodes.get(0), credentials);
        await(nodes.get(0), Duration.ofSeconds(180));
        nodes.get(0).process.destroy(); // SIGTERM: the JVM exits and writes the class-data archive every later start maps
        nodes.get(0).process.waitFor(60, TimeUnit.SECONDS);
        start(nodes.get(0), null);
        start(nodes.get(1), null);
        await(nodes.get(0), Duration.ofSeconds(180));
        await(nodes.get(1), Duration.ofSeconds(180));
        ws = credentials.get("workspace_id");
        org = credentials.get("organization_id");
        key = credentials.get("api_key");
        String assistant = credentials.get("assistant_id");
        if (ws == null || key == null || assistant == null) {
            throw new IllegalStateException("the first node printed no credentials; see " + work);
        }
        HttpResponse<String> limits = send(nodes.get(0), "PATCH", "/v1/admin/workspace", """
                {"limits":{"max_concurrent_calls":500,"calls_per_second":100,"max_calls_per_day":null,"max_call_minutes_per_day":null},"calling_window":null}""");
        if (limits.statusCode() != 200) {
            throw new IllegalStateException("PATCH /v1/admin/workspace: " + limits.statusCode() + " " + limits.body());
        }

        Thread load = Thread.ofVirtual().start(() -> load(assistant));
        List<Kill> done = new ArrayList<>();
        Thread.sleep(3000);
        long stopKillingAt = System.currentTimeMillis() + (long) (minutes * 60_000);
        for (int n = 0; n < kills && System.currentTimeMillis() < stopKillingAt; n++) {
            String phase = PHASES.get(n % PHASES.size());
            Node target = nodes.get(RANDOM.nextInt(2));
            Node other = nodes.get(1 - target.slot);
            done.add(killOnce(n + 1, phase, target, other, assistant));
            Kill last = done.getLast();
            System.out.printf("kill %3d %-8s node%d reached=%s claims=%d ringing=%d talking=%d deliveries=%d takeover=%d ms restart=%d ms%n",
                    last.n(), last.phase(), last.slot(), last.phaseReached(), last.undialedClaims(), last.ringing(), last.talking(),
                    last.deliveriesLeased(), last.takeoverMs(), last.restartMs());
            Thread.sleep(RANDOM.nextInt(1000));
        }
        loadRunning = false;
        load.join();
        long loadEnded = System.currentTimeMillis();
        Map<String, Object> verdict = verify(sippLog, Duration.ofSeconds(240));
        verdict.put("drain_seconds", (System.currentTimeMillis() - loadEnded) / 1000.0);
        report(done, verdict, started);
        for (Node node : nodes) {
            node.process.destroy();
        }
        for (Node node : nodes) {
            node.process.waitFor(20, TimeUnit.SECONDS);
        }
        sipp.destroy();
        sink.stop(0);
    }

    // ---- the nodes

    static void start(Node node, Map<String, String> credentials) throws IOException {
        String classpath = "target/classes:" + Files.readString(Path.of("target/runtime.classpath")).strip();
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = node.dir.resolve("serve-" + (++node.starts) + ".log");
        // One class-data archive for every start, C1 only, one GC thread: a restart on shared cores is
        // mostly class loading and compiling, and the kills wait for it.
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx700m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:+AutoCreateSharedArchive",
                "-XX:SharedArchiveFile=" + work.resolve("parley.jsa"), "-cp", classpath, "dev.parley.cli.Main", "serve",
                "--port", Integer.toString(node.httpPort), "--database-url", databaseUrl, "--data-dir", node.dir.resolve("data").toString());
        pb.environment().putAll(Map.of(
                "PARLEY_SIP_LISTEN", "127.0.0.1:" + node.sipPort,
                "PARLEY_SIP_TRUNK", "127.0.0.1:" + trunkPort,
                "PARLEY_RTP_PORTS", node.slot == 0 ? "20000-24999" : "25000-29999",
                "PARLEY_SECRETS_MASTER_KEY", masterKey,
                "PARLEY_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1",
                "PARLEY_SPEECH_RECOGNIZERS", "1"));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        node.dialerName = null;
        node.webhookName = null;
        node.process = pb.start();
        node.credentialsWanted = credentials;
        node.log = log;
    }

    static final Pattern SERVING = Pattern.compile("serving on http://");
    static final Pattern FIELD = Pattern.compile("(?m)^\\s+(organization_id|workspace_id|assistant_id|api_key):\\s+(\\S+)");
    static final Pattern DIALER = Pattern.compile("Dialer (node-\\w+) claims calls");
    static final Pattern WEBHOOKS = Pattern.compile("Webhook dispatcher (node-\\w+) delivers events");

    /** Waits until the node serves and has named its dialer and webhook dispatcher (the names in leased_by). */
    static void await(Node node, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.readString(node.log);
            Matcher d = DIALER.matcher(text), w = WEBHOOKS.matcher(text);
            if (SERVING.matcher(text).find() && d.find() && w.find()) {
                node.dialerName = d.group(1);
                node.webhookName = w.group(1);
                if (node.credentialsWanted != null) {
                    Matcher f = FIELD.matcher(text);
                    while (f.find()) {
                        node.credentialsWanted.put(f.group(1), f.group(2));
                    }
                }
                node.up = true;
                return;
            }
            if (!node.process.isAlive()) {
                throw new IllegalStateException("node" + node.slot + " exited; see " + node.log);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("node" + node.slot + " did not serve within " + within + "; see " + node.log);
    }

    // ---- the load: a steady stream of create-calls to whichever nodes are up, alternating

    static volatile boolean loadRunning = true;
    static final AtomicInteger numbers = new AtomicInteger();
    static final AtomicInteger refusalsShown = new AtomicInteger();

    static void load(String assistant) {
        long period = (long) (1_000_000_000L / rate);
        long next = System.nanoTime();
        int turn = 0;
        while (loadRunning) {
            Node node = nodes.get(turn++ % 2);
            if (!node.up) {
                node = nodes.get(turn++ % 2);
            }
            if (node.up) {
                Node chosen = node;
                Thread.ofVirtual().start(() -> create(chosen, assistant));
            }
            next += period;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
    }

    static Attempt create(Node node, String assistant) {
        int i = numbers.incrementAndGet();
        if (i > 999_999) {
            throw new IllegalStateException("more calls than callee numbers");
        }
        String number = "+1415" + (2_000_000 + i); // distinct per call: SIPp's log counts dials per number
        String body = "{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"" + number + "\",\"webhook_url\":\"http://127.0.0.1:"
                + sinkPort + "/hook\"}";
        node.inFlight.incrementAndGet();
        CountDownLatch armed = intakeArmed;
        if (armed != null && intakeSlot == node.slot) {
            armed.countDown();
        }
        Attempt a;
        try {
            HttpResponse<String> r = send(node, "POST", "/v1/admin/assistant/call", body);
            String id = r.statusCode() == 200 ? JSON.readTree(r.body()).at("/data/call_id").asText() : null;
            a = new Attempt(i, number, node.slot, r.statusCode(), id, r.statusCode() == 200 ? null : r.body());
        } catch (Exception e) {
            a = new Attempt(i, number, node.slot, 0, null, e.getClass().getSimpleName());
        } finally {
            node.inFlight.decrementAndGet();
        }
        attempts.add(a);
        if (a.status() != 200 && a.status() != 0 && refusalsShown.incrementAndGet() <= 3) {
            System.out.println("create-call refused " + a.status() + ": " + a.error());
        }
        return a;
    }

    static HttpResponse<String> send(Node node, String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort + path))
                .timeout(Duration.ofSeconds(10))
                .header("workspace", ws == null ? "" : ws).header("organization", org == null ? "" : org)
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- one kill

    static Kill killOnce(int n, String phase, Node target, Node other, String assistant) throws Exception {
        boolean reached = switch (phase) {
            case "intake" -> {
                intakeArmed = new CountDownLatch(1);
                intakeSlot = target.slot;
                boolean sent = intakeArmed.await(10, TimeUnit.SECONDS);
                if (sent) {
                    Thread.sleep(RANDOM.nextInt(4)); // the request is on its way or being inserted
                }
                intakeArmed = null;
                yield sent;
            }
            case "claim" -> {
                // A burst of creates to the target: it is woken by their acceptance and claims them at once.
                CountDownLatch first = new CountDownLatch(1);
                for (int i = 0; i < 8; i++) {
                    Thread.ofVirtual().start(() -> {
                        if (create(target, assistant).status() == 200) {
                            first.countDown();
                        }
                    });
                }
                boolean ok = first.await(10, TimeUnit.SECONDS);
                Thread.sleep(RANDOM.nextInt(4)); // claims turn into dials within milliseconds
                yield ok;
            }
            case "ringing" -> pollThenWait(target, """
                    SELECT count(*) FROM calls c JOIN dial_jobs j ON j.call_id = c.id
                     WHERE j.leased_by = ? AND c.status = 'ringing'""", true, 600);
            case "talking" -> pollThenWait(target, """
                    SELECT count(*) FROM calls c JOIN dial_jobs j ON j.call_id = c.id
                     WHERE j.leased_by = ? AND c.status = 'in-progress'""", true, 1500);
            case "ending" -> pollThenWait(target, """
                    SELECT count(*) FROM calls c JOIN dial_jobs j ON j.call_id = c.id
                     WHERE j.leased_by = ? AND c.status = 'in-progress'
                       AND c.answered_at < now() - make_interval(secs => %s)""".formatted((talkMs - 150) / 1000.0), true, 300);
            case "webhook" -> pollThenWait(target, """
                    SELECT count(*) FROM webhook_deliveries
                     WHERE leased_by = ? AND state = 'pending' AND lease_until > now()""", false, 60);
            default -> throw new IllegalArgumentException(phase);
        };
        int inFlight = target.inFlight.get();
        target.up = false;
        target.process.destroyForcibly(); // SIGKILL
        long killedAt = System.currentTimeMillis();
        target.process.waitFor(10, TimeUnit.SECONDS);
        String dead = target.dialerName;
        List<String> undialed = strings("SELECT call_id FROM dial_jobs WHERE leased_by = ? AND dialed_at IS NULL", dead);
        int ringing = count("SELECT count(*) FROM calls c JOIN dial_jobs j ON j.call_id = c.id WHERE j.leased_by = ? AND c.status = 'ringing'", dead);
        int talking = count("SELECT count(*) FROM calls c JOIN dial_jobs j ON j.call_id = c.id WHERE j.leased_by = ? AND c.status = 'in-progress'", dead);
        int nearEnd = count("""
                SELECT count(*) FROM calls c JOIN dial_jobs j ON j.call_id = c.id WHERE j.leased_by = ? AND c.status = 'in-progress'
                   AND c.answered_at < now() - make_interval(secs => %s)""".formatted((talkMs - 200) / 1000.0), dead);
        int deliveries = count("SELECT count(*) FROM webhook_deliveries WHERE leased_by = ? AND state = 'pending' AND lease_until > now()",
                target.webhookName);
        long restartAt = System.currentTimeMillis();
        start(target, null); // at once: the restarted node comes up while the survivor takes over
        long takeover = takeover(undialed, dead, killedAt);
        long firstClaim = firstClaimBy(other.dialerName, killedAt);
        await(target, Duration.ofSeconds(180));
        return new Kill(n, phase, target.slot, reached, killedAt, inFlight, undialed.size(), ringing, talking, nearEnd, deliveries,
                takeover, firstClaim, System.currentTimeMillis() - restartAt);
    }

    /** Polls until the target has something in the phase, then waits a random part of {@code spreadMs}. */
    static boolean pollThenWait(Node target, String sql, boolean dialer, int spreadMs) throws Exception {
        String name = dialer ? target.dialerName : target.webhookName;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (count(sql, name) > 0) {
                Thread.sleep(RANDOM.nextInt(spreadMs + 1));
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Milliseconds from the kill until every undialed claim of the dead node was claimed by another (-1: none held). */
    static long takeover(List<String> undialed, String dead, long killedAt) throws Exception {
        if (undialed.isEmpty()) {
            return -1;
        }
        long deadline = System.currentTimeMillis() + 30_000;
        Map<String, Long> taken = new HashMap<>();
        while (taken.size() < undialed.size() && System.currentTimeMillis() < deadline) {
            for (String id : undialed) {
                if (taken.containsKey(id)) {
                    continue;
                }
                try (var st = db.prepareStatement("SELECT leased_by, (extract(epoch FROM claimed_at) * 1000)::bigint FROM dial_jobs WHERE call_id = ?")) {
                    st.setString(1, id);
                    try (var rs = st.executeQuery()) {
                        if (!rs.next()) {
                            taken.put(id, System.currentTimeMillis()); // already final
                        } else if (!dead.equals(rs.getString(1))) {
                            taken.put(id, rs.getLong(2));
                        }
                    }
                }
            }
            Thread.sleep(50);
        }
        if (taken.size() < undialed.size()) {
            return Long.MAX_VALUE;
        }
        return taken.values().stream().mapToLong(t -> t - killedAt).max().orElse(-1);
    }

    /** Milliseconds from the kill to the survivor's first claim after it (-1: none within 10 s). */
    static long firstClaimBy(String survivor, long killedAt) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            try (var st = db.prepareStatement("""
                    SELECT (extract(epoch FROM min(claimed_at)) * 1000)::bigint FROM dial_jobs
                     WHERE leased_by = ? AND claimed_at >= to_timestamp(? / 1000.0)""")) {
                st.setString(1, survivor);
                st.setLong(2, killedAt);
                try (var rs = st.executeQuery()) {
                    if (rs.next() && rs.getObject(1) != null) {
                        return rs.getLong(1) - killedAt;
                    }
                }
            }
            Thread.sleep(50);
        }
        return -1;
    }

    // ---- the end: what was promised

    static Map<String, Object> verify(Path sippLog, Duration within) throws Exception {
        List<Attempt> accepted = attempts.stream().filter(a -> a.status() == 200).toList();
        long deadline = System.nanoTime() + within.toNanos();
        List<String> notFinal = List.of(), noEnded = List.of();
        int pending = 0;
        while (System.nanoTime() < deadline) {
            notFinal = new ArrayList<>();
            noEnded = new ArrayList<>();
            for (Attempt a : accepted) {
                if (!FINAL.contains(string("SELECT status FROM calls WHERE id = ?", a.callId()))) {
                    notFinal.add(a.callId());
                }
                if (!sinkTypesByCall.getOrDefault(a.callId(), Set.of()).contains("call.ended")) {
                    noEnded.add(a.callId());
                }
            }
            pending = count("SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'");
            if (notFinal.isEmpty() && noEnded.isEmpty() && pending == 0) {
                break;
            }
            Thread.sleep(1000);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("creates_sent", attempts.size());
        v.put("creates_accepted", accepted.size());
        Map<String, Integer> refused = new TreeMap<>();
        attempts.stream().filter(a -> a.status() != 200)
                .forEach(a -> refused.merge(a.status() == 0 ? "no answer (" + a.error() + ")" : Integer.toString(a.status()), 1, Integer::sum));
        v.put("creates_not_accepted", refused);
        v.put("creates_5xx", attempts.stream().filter(a -> a.status() >= 500).count());
        v.put("accepted_not_final", notFinal.size());
        v.put("accepted_without_call_ended_webhook", noEnded.size());
        v.put("accepted_calls_lost", unionSize(notFinal, noEnded));
        v.put("examples_lost", notFinal.stream().limit(5).toList());
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Attempt a : accepted) {
            outcomes.merge(string("SELECT status || ' / ' || coalesce(ended_reason, '-') FROM calls WHERE id = ?", a.callId()), 1, Integer::sum);
        }
        v.put("final_outcomes", outcomes);
        v.put("calls_in_database_not_final", count("SELECT count(*) FROM calls WHERE status NOT IN ('completed','busy','no-answer','failed','canceled')"));
        // Dials per callee number, counted at SIPp: distinct INVITE dialogs (Call-IDs) per number.
        Map<String, Set<String>> dialogs = new HashMap<>();
        Pattern line = Pattern.compile("INVITE (\\S+) .*?sip:\\+?(\\d+)@");
        int inviteLines = 0;
        for (String l : Files.readAllLines(sippLog)) {
            Matcher m = line.matcher(l);
            if (m.find()) {
                inviteLines++;
                dialogs.computeIfAbsent(m.group(2), k -> new HashSet<>()).add(m.group(1));
            }
        }
        List<String> twice = dialogs.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey).toList();
        v.put("invites_at_sipp", inviteLines);
        v.put("numbers_dialed", dialogs.size());
        v.put("numbers_dialed_twice", twice.size());
        v.put("examples_dialed_twice", twice.stream().limit(5).toList());
        long dialedInDb = count("SELECT count(*) FROM calls WHERE started_at IS NOT NULL");
        v.put("calls_marked_dialed_in_database", dialedInDb);
        // Webhooks: every delivery the database holds arrived at the sink.
        List<String> events = strings("SELECT event_id FROM webhook_deliveries ");
        long missing = events.stream().filter(e -> !sinkEvents.containsKey(e)).count();
        v.put("webhook_deliveries", events.size());
        v.put("webhooks_lost", missing + count("SELECT count(*) FROM webhook_deliveries WHERE state NOT IN ('delivered')"));
        v.put("webhook_arrivals", sinkEvents.values().stream().mapToInt(List::size).sum());
        v.put("webhook_duplicate_arrivals", sinkEvents.values().stream().mapToInt(l -> l.size() - 1).sum());
        return v;
    }

    static int unionSize(List<String> a, List<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return s.size();
    }

    // ---- the webhook sink

    static HttpServer startSink() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String id = ex.getRequestHeaders().getFirst("Parley-Event-Id");
            try {
                JsonNode j = JSON.readTree(body);
                String type = j.path("type").asText();
                sinkEvents.computeIfAbsent(id, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(type);
                sinkTypesByCall.computeIfAbsent(j.at("/data/call_id").asText(), k -> ConcurrentHashMap.newKeySet()).add(type);
                Thread.sleep(RANDOM.nextInt(150)); // a receiver that takes its time: deliveries stay in flight
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        sinkPort = server.getAddress().getPort();
        return server;
    }

    // ---- the report

    static void report(List<Kill> done, Map<String, Object> verdict, long started) throws Exception {
        ObjectNode r = JSON.createObjectNode();
        r.put("scenario", "kill -9 at random phases under load (issue 15 item 1)");
        r.put("label", label);
        r.put("started", Instant.ofEpochMilli(started).toString());
        r.put("minutes", (System.currentTimeMillis() - started) / 60000.0);
        r.put("rate_calls_per_second", rate);
        r.put("talk_ms", talkMs);
        r.set("verdict", JSON.valueToTree(verdict));
        r.set("kills", JSON.valueToTree(done));
        Map<String, Map<String, Integer>> byPhase = new LinkedHashMap<>();
        for (String p : PHASES) {
            List<Kill> ks = done.stream().filter(k -> k.phase().equals(p)).toList();
            Map<String, Integer> m = new LinkedHashMap<>();
            m.put("kills", ks.size());
            m.put("phase_reached", (int) ks.stream().filter(Kill::phaseReached).count());
            m.put("with_create_in_flight", (int) ks.stream().filter(k -> k.inFlightCreates() > 0).count());
            m.put("with_undialed_claims", (int) ks.stream().filter(k -> k.undialedClaims() > 0).count());
            m.put("with_ringing_calls", (int) ks.stream().filter(k -> k.ringing() > 0).count());
            m.put("with_talking_calls", (int) ks.stream().filter(k -> k.talking() > 0).count());
            m.put("with_calls_about_to_end", (int) ks.stream().filter(k -> k.talkingPastTwoPointEightSeconds() > 0).count());
            m.put("with_deliveries_in_flight", (int) ks.stream().filter(k -> k.deliveriesLeased() > 0).count());
            byPhase.put(p, m);
        }
        r.set("by_phase", JSON.valueToTree(byPhase));
        List<Long> takeovers = done.stream().map(Kill::takeoverMs).filter(t -> t >= 0).sorted().toList();
        List<Long> firsts = done.stream().map(Kill::firstClaimByOtherMs).filter(t -> t >= 0).sorted().toList();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("kills_with_undialed_claims", takeovers.size());
        t.put("undialed_claims_total", done.stream().mapToInt(Kill::undialedClaims).sum());
        t.put("takeover_ms_p50", pct(takeovers, 0.5));
        t.put("takeover_ms_max", takeovers.isEmpty() ? null : takeovers.getLast());
        t.put("first_claim_by_survivor_ms_p50", pct(firsts, 0.5));
        t.put("first_claim_by_survivor_ms_max", firsts.isEmpty() ? null : firsts.getLast());
        t.put("restart_ms_p50", pct(done.stream().map(Kill::restartMs).sorted().toList(), 0.5));
        r.set("takeover", JSON.valueToTree(t));
        Files.createDirectories(out);
        String stem = "kill-" + java.time.LocalDate.now();
        Files.writeString(out.resolve(stem + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        StringBuilder md = new StringBuilder();
        md.append("# kill -9 at random phases under load\n\n").append(label).append("\n\n");
        md.append("Two `parley serve` nodes on one external PostgreSQL, ").append(rate).append(" create-calls/s alternating between the nodes")
                .append(" (to the one up while the other restarts), SIPp as the trunk (rings 1 s, answers, talks ").append(talkMs / 1000.0)
                .append(" s, hangs up, logs each INVITE), webhooks to a sink that answers in 0-150 ms. ").append(done.size())
                .append(" kills (SIGKILL), the phase chosen in turn, the node at random, restarted at once (the other node takes over meanwhile). ")
                .append(String.format("%.1f minutes.%n%n", (System.currentTimeMillis() - started) / 60000.0));
        md.append("## Promises\n\n| measure | value |\n| --- | --- |\n");
        verdict.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append("\n## Takeover of a killed node's undialed claims (from the database)\n\n| measure | value |\n| --- | --- |\n");
        t.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append("\n## What each phase's kills caught (state of the killed node at the kill, from the database)\n\n");
        md.append("| phase | kills | phase reached | create in flight | undialed claims | ringing | talking | about to end | deliveries in flight |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        byPhase.forEach((p, m) -> {
            md.append("| ").append(p);
            m.values().forEach(x -> md.append(" | ").append(x));
            md.append(" |\n");
        });
        Files.writeString(out.resolve(stem + ".md"), md.toString());
        System.out.println(md);
    }

    static Long pct(List<Long> sorted, double p) {
        return sorted.isEmpty() ? null : sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }

    // ---- small helpers

    static int count(String sql, String... args) throws SQLException {
        try (var st = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    static String string(String sql, String arg) throws SQLException {
        try (var st = db.prepareStatement(sql)) {
            st.setString(1, arg);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static List<String> strings(String sql, String... args) throws SQLException {
        try (var st = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            List<String> out = new ArrayList<>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    static int freeUdp() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static int freeTcp() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
