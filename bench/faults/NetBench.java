import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.support.BadNetwork;
import dev.parley.support.CalleeAudio;
import dev.parley.support.Http;
import dev.parley.support.ImpairmentProxy;
import dev.parley.support.ImpairmentProxy.Impairment;
import dev.parley.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 15 item 3, a bad network between the caller and Parley: spoken calls one after another, each
 * to a fresh baresip softphone through an {@link ImpairmentProxy} (both directions impaired), to
 * Parley's production wiring (the test suite's {@code TestServer}, embedded PostgreSQL, the offline
 * assistant: Sphinx4, FreeTTS, a yes/no flow). One call at a time, because Parley's RTP counters are
 * node-wide and each call's must be compared with what the proxy did to that call.
 *
 * <p>Per call: the outcome and whether the callee's "yes" was understood; the longest time without
 * a packet at the callee (after the proxy: "dead air", must stay under 3 s); Parley's lost,
 * duplicate and late counts against the proxy's record ({@link ImpairmentProxy.Expected}: lost and
 * duplicate must be equal, late at most the overtaken packets); the answer's response time.
 *
 * <p>Usage: java -cp <classes:test-classes:test deps> NetBench --calls 20 --loss 0.05 --jitter 40
 * --reorder 0.03 --hold 60 --duplicate 0.02 --seed 15 --out bench/faults/reports --commit abc1234 --label "..."
 */
public class NetBench {
    public static void main(String[] args) throws Exception {
        int calls = 20;
        double loss = 0.05, reorder = 0.03, duplicate = 0.02;
        int jitter = 40, hold = 60;
        long seed = 15;
        Path out = Path.of("bench/faults/reports");
        String label = "";
        String commit = "unknown";
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--calls" -> calls = Integer.parseInt(v);
                case "--loss" -> loss = Double.parseDouble(v);
                case "--jitter" -> jitter = Integer.parseInt(v);
                case "--reorder" -> reorder = Double.parseDouble(v);
                case "--hold" -> hold = Integer.parseInt(v);
                case "--duplicate" -> duplicate = Double.parseDouble(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--out" -> out = Path.of(v);
                case "--label" -> label = v;
                case "--commit" -> commit = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Impairment toParley = new Impairment(loss, jitter, reorder, hold, duplicate, seed);
        Impairment toCallee = new Impairment(loss, jitter, reorder, hold, duplicate, seed + 1);
        ObjectMapper json = new ObjectMapper();
        ArrayNode rows = json.createArrayNode();
        long started = System.nanoTime();
        try (BadNetwork network = BadNetwork.open(toParley, toCallee);
             TestServer server = TestServer.start(network.nodeSettings())) {
            Http.Response created = server.createAssistant(BadNetwork.ASSISTANT);
            if (created.status() != 200) {
                throw new IllegalStateException(created.body());
            }
            String assistant = created.json().at("/data/assistant_id").asText();
            Path microphone = CalleeAudio.of("pause:2.5", "yes", "pause:8");
            for (int i = 1; i <= calls; i++) {
                ObjectNode row = rows.addObject().put("call", i);
                try {
                    row.setAll(measure(json, network.converse(server, assistant, "+1415555%04d".formatted(1000 + i), microphone)));
                } catch (Exception | AssertionError e) {
                    row.put("error", String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                }
                System.err.println("call " + i + "/" + calls + ": " + row);
            }
        }
        double minutes = (System.nanoTime() - started) / 60e9;
        ObjectNode report = json.createObjectNode();
        report.put("scenario", "net").put("label", label).put("date", LocalDate.now().toString())
                .put("calls", calls).put("minutes", Math.round(minutes * 10) / 10.0)
                .put("into_parley", toParley.toString()).put("to_callee", toCallee.toString());
        ObjectNode totals = totals(json, rows);
        report.set("totals", totals);
        report.set("per_call", rows);
        Files.createDirectories(out);
        // The network in the name: runs of one commit under different networks keep their own reports.
        String name = String.format(Locale.ROOT, "net-%s-%s-loss%.0f-jitter%d", LocalDate.now(), commit, loss * 100, jitter);
        Files.writeString(out.resolve(name + ".json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
        Files.writeString(out.resolve(name + ".md"), markdown(report, totals, rows));
        System.out.println(markdown(report, totals, rows));
        System.out.println("wrote " + out.resolve(name + ".md") + " and .json");
        System.exit(totals.get("promises_kept").asBoolean() ? 0 : 1);
    }

    static ObjectNode measure(ObjectMapper json, BadNetwork.Conversation c) {
        ObjectNode row = json.createObjectNode();
        ImpairmentProxy.Expected e = c.expected();
        row.put("status", c.call().get("status").asText()).put("ended_reason", c.call().get("ended_reason").asText())
                .put("caller_said", String.join(" / ", c.said("caller")))
                .put("understood", c.said("assistant").contains("Great, see you then.")); // "yes" or "yeah": the yes branch
        for (JsonNode l : c.call().get("latency")) {
            if (!l.get("stt_ms").isNull()) { // a reply to the callee's words (not the greeting, not a reprompt on silence)
                row.put("answer_response_ms", l.get("total_ms").asLong());
                break;
            }
        }
        row.put("in_arrived", c.toParley().arrived()).put("in_dropped", c.toParley().dropped())
                .put("in_held_back", c.toParley().heldBack()).put("in_copied", c.toParley().copied())
                .put("in_delivered", c.toParley().delivered()).put("in_max_gap_ms", round(c.toParley().maxGapMs()));
        row.put("parley_in", c.parley().in()).put("parley_lost", c.parley().lost())
                .put("parley_duplicate", c.parley().duplicate()).put("parley_late", c.parley().late());
        row.put("expected_lost", e.lost()).put("expected_duplicate", e.duplicates()).put("overtaken", e.overtaken());
        row.put("callee_packets", c.toCallee().delivered()).put("callee_dropped", c.toCallee().dropped())
                .put("callee_max_gap_ms", round(c.toCallee().maxGapMs())).put("callee_span_s", round(c.toCallee().spanMs() / 1000));
        row.put("counts_match", c.parley().lost() == e.lost() && c.parley().duplicate() == e.duplicates()
                && c.parley().late() >= 0 && c.parley().late() <= e.overtaken());
        row.put("dead_air", c.toCallee().maxGapMs() >= 3000);
        return row;
    }

    static ObjectNode totals(ObjectMapper json, ArrayNode rows) {
        long completed = 0, understood = 0, matched = 0, deadAir = 0, errors = 0;
        long dropped = 0, copied = 0, heldBack = 0, lost = 0, expectedLost = 0, dup = 0, expectedDup = 0, late = 0, overtaken = 0;
        long in = 0, delivered = 0;
        double maxGap = 0;
        List<Long> response = new ArrayList<>();
        for (JsonNode r : rows) {
            if (r.has("error")) {
                errors++;
                continue;
            }
            completed += r.get("status").asText().equals("completed") ? 1 : 0;
            understood += r.get("understood").asBoolean() ? 1 : 0;
            matched += r.get("counts_match").asBoolean() ? 1 : 0;
            deadAir += r.get("dead_air").asBoolean() ? 1 : 0;
            maxGap = Math.max(maxGap, r.get("callee_max_gap_ms").asDouble());
            dropped += r.get("in_dropped").asLong();
            copied += r.get("in_copied").asLong();
            heldBack += r.get("in_held_back").asLong();
            lost += r.get("parley_lost").asLong();
            expectedLost += r.get("expected_lost").asLong();
            dup += r.get("parley_duplicate").asLong();
            expectedDup += r.get("expected_duplicate").asLong();
            late += r.get("parley_late").asLong();
            overtaken += r.get("overtaken").asLong();
            in += r.get("parley_in").asLong();
            delivered += r.get("in_delivered").asLong();
            if (r.has("answer_response_ms")) {
                response.add(r.get("answer_response_ms").asLong());
            }
        }
        response.sort(null);
        ObjectNode t = json.createObjectNode();
        t.put("calls", rows.size()).put("errors", errors).put("completed", completed).put("understood", understood)
                .put("counts_matched", matched).put("calls_with_dead_air", deadAir).put("callee_max_gap_ms", round(maxGap))
                .put("proxy_dropped_into_parley", dropped).put("proxy_held_back", heldBack).put("proxy_copied", copied)
                .put("proxy_delivered", delivered).put("parley_in", in)
                .put("parley_lost", lost).put("expected_lost", expectedLost)
                .put("parley_duplicate", dup).put("expected_duplicate", expectedDup)
                .put("parley_late", late).put("overtaken", overtaken).put("hidden_by_jitter_buffer", overtaken - late);
        if (!response.isEmpty()) {
            t.put("answer_response_ms_p50", response.get(response.size() / 2)).put("answer_response_ms_max", response.getLast());
        }
        // The promises: every call completes, nothing dead for 3 s, the counters tell the truth.
        // Understanding the answer through loss is a quality figure, reported, not a promise.
        t.put("promises_kept", errors == 0 && completed == rows.size() && deadAir == 0 && matched == rows.size());
        return t;
    }

    static String markdown(ObjectNode report, ObjectNode t, ArrayNode rows) {
        StringBuilder md = new StringBuilder();
        md.append("# Bad network between the caller and Parley (issue 15 item 3)\n\n");
        md.append("Run: ").append(report.get("label").asText()).append(", ").append(report.get("minutes").asDouble())
                .append(" minutes. Command: `bench/faults/net.sh --calls ").append(report.get("calls").asInt()).append("`.\n\n");
        md.append("Into Parley (the callee's RTP): ").append(report.get("into_parley").asText())
                .append(". To the callee (Parley's RTP): ").append(report.get("to_callee").asText()).append(".\n\n");
        md.append("| promise or figure | result |\n| --- | --- |\n");
        md.append(row("calls completed", t.get("completed") + " of " + t.get("calls") + (t.get("errors").asLong() > 0 ? " (" + t.get("errors") + " errors)" : "")));
        md.append(row("callee's \"yes\" understood (the yes branch taken)", t.get("understood") + " of " + t.get("calls")));
        md.append(row("calls with dead air >= 3 s at the callee", t.get("calls_with_dead_air") + " (longest gap between packets: " + t.get("callee_max_gap_ms") + " ms)"));
        md.append(row("calls whose counters match the proxy", t.get("counts_matched") + " of " + t.get("calls")));
        md.append(row("lost: Parley / expected (proxy dropped)", t.get("parley_lost") + " / " + t.get("expected_lost") + " (" + t.get("proxy_dropped_into_parley") + ")"));
        md.append(row("duplicate: Parley / expected (proxy copied)", t.get("parley_duplicate") + " / " + t.get("expected_duplicate") + " (" + t.get("proxy_copied") + ")"));
        md.append(row("late: Parley / overtaken (hidden by the jitter buffer)", t.get("parley_late") + " / " + t.get("overtaken") + " (" + t.get("hidden_by_jitter_buffer") + ")"));
        md.append(row("packets into Parley: read / delivered by the proxy", t.get("parley_in") + " / " + t.get("proxy_delivered")));
        if (t.has("answer_response_ms_p50")) {
            md.append(row("response to the answer, p50 / max", t.get("answer_response_ms_p50") + " / " + t.get("answer_response_ms_max") + " ms"));
        }
        md.append(row("all promises kept", t.get("promises_kept").asBoolean() ? "yes" : "**NO**"));
        md.append("\nExpected numbers: over the packets Parley read (the proxy's deliveries in order, the first `in` of them), "
                + "lost = sequence numbers between the lowest and highest delivered that were never delivered; duplicate = "
                + "deliveries of a number already delivered; late <= overtaken = first deliveries of a number lower than one "
                + "delivered before it (only those can miss their playout slot; the jitter buffer hides the rest).\n\n");
        md.append("| # | status | caller said | response ms | in: dropped / held / copied | Parley lost / dup / late | expected lost / dup / overtaken | callee gap ms |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (JsonNode r : rows) {
            if (r.has("error")) {
                md.append("| ").append(r.get("call")).append(" | error: ").append(r.get("error").asText().replace("|", "/")).append(" |||||||\n");
                continue;
            }
            md.append(String.format(Locale.ROOT, "| %d | %s / %s | %s | %s | %d / %d / %d | %d / %d / %d | %d / %d / %d | %.0f |%n",
                    r.get("call").asInt(), r.get("status").asText(), r.get("ended_reason").asText(), r.get("caller_said").asText(),
                    r.has("answer_response_ms") ? r.get("answer_response_ms").asText() : "-",
                    r.get("in_dropped").asLong(), r.get("in_held_back").asLong(), r.get("in_copied").asLong(),
                    r.get("parley_lost").asLong(), r.get("parley_duplicate").asLong(), r.get("parley_late").asLong(),
                    r.get("expected_lost").asLong(), r.get("expected_duplicate").asLong(), r.get("overtaken").asLong(),
                    r.get("callee_max_gap_ms").asDouble()));
        }
        return md.toString();
    }

    static String row(String what, String value) {
        return "| " + what + " | " + value + " |\n";
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
