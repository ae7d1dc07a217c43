package dev.parley.safeguards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialQueue;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Calling hours through the real create-call path and the real dial queue, on PostgreSQL, with an
 * injected clock: a node with a SIP trunk (so no call is a sandbox call) whose dialer the test runs
 * by hand, claiming due jobs and marking them dialed at the simulated time.
 */
@Tag("db")
class CallingHoursTest {
    static final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    static TestServer server;
    static DialQueue queue;

    /** The callee's zones as this test knows them, independently of the code under test. */
    static final Map<String, List<ZoneId>> NUMBERS = new LinkedHashMap<>();

    static {
        NUMBERS.put("+12125550100", zones("America/New_York"));
        NUMBERS.put("+13125550100", zones("America/Chicago"));
        NUMBERS.put("+13035550100", zones("America/Denver"));
        NUMBERS.put("+16025550100", zones("America/Phoenix")); // no DST
        NUMBERS.put("+14155550123", zones("America/Los_Angeles"));
        NUMBERS.put("+19075550100", zones("America/Anchorage", "America/Adak")); // Alaska spans two zones
        NUMBERS.put("+18085550100", zones("Pacific/Honolulu"));
        NUMBERS.put("+919723067241", zones("Asia/Kolkata")); // UTC+05:30
        NUMBERS.put("+4930123456", zones("Europe/Berlin"));
        NUMBERS.put("+33142685300", zones("Europe/Paris"));
        NUMBERS.put("+351912345678", zones("Europe/Lisbon", "Atlantic/Azores")); // a Portuguese mobile: mainland or islands
        NUMBERS.put("+351296123456", zones("Atlantic/Azores"));
    }

    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    static final ZoneId CHICAGO = ZoneId.of("America/Chicago");

    /**
     * A local time in {@code zone} {@code days} after the day after tomorrow: real days ahead, since
     * a job accepted now is due from the real time on, and scheduled_at may be at most 30 days ahead.
     */
    static Instant local(ZoneId zone, int days, int hour, int minute) {
        // One calendar day for every zone: each zone's own "today" put New York a day ahead of Chicago
        // from 05:00 to 06:00 UTC, and a test failed then (main too).
        return LocalDate.now(ZoneOffset.UTC).plusDays(2 + days).atTime(hour, minute).atZone(zone).toInstant();
    }

    static List<ZoneId> zones(String... ids) {
        return java.util.Arrays.stream(ids).map(ZoneId::of).toList();
    }

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(ConfigLoader.SIP_TRUNK, "127.0.0.1:9"), now::get);
        queue = new DialQueue(server.app.database().jdbi(), new CallingHours(now::get, true));
        Http.Response limits = patch("{\"limits\": {\"max_concurrent_calls\": 10000, \"calls_per_second\": 1000, \"max_calls_per_day\": null,"
                + " \"max_call_minutes_per_day\": null}}");
        assertThat(limits.status()).as(limits.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void emptyQueueAndDefaults() {
        server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM dial_jobs"));
        assertThat(patch("{\"calling_window\": {\"start\": \"08:00\", \"end\": \"21:00\"}}").status()).isEqualTo(200);
    }

    static Http.Response patch(String json) {
        return server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth()).json(json).send();
    }

    static Http.Response create(String body) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth()).json(body).send();
    }

    static String call(String number, String extra) {
        Http.Response r = create("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"" + number + "\"" + extra + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    static JsonNode assistant(String id) {
        return server.http.request("GET", "/v1/admin/assistant/" + id).headers(server.auth()).send().json().get("data");
    }

    static JsonNode get(String callId) {
        return server.http.request("GET", "/v1/admin/assistant/call/" + callId).headers(server.auth()).send().json().get("data");
    }

    /** One pass of the dialer at the simulated time: the calls it dialed, and any it put back. */
    static List<String> dialDue(List<String> rescheduled) {
        List<String> dialed = new ArrayList<>();
        List<DialQueue.Job> jobs = queue.claim("test-node", Duration.ofMinutes(5), 5_000);
        List<Future<DialQueue.Dialing>> outcomes = new ArrayList<>();
        try (var calls = Executors.newVirtualThreadPerTaskExecutor()) { // each call on its own thread, as PlacedCall does
            jobs.forEach(job -> outcomes.add(calls.submit(() -> queue.markDialed("test-node", job.callId(), java.time.Duration.ofSeconds(15)))));
        }
        for (int i = 0; i < jobs.size(); i++) {
            String id = jobs.get(i).callId();
            switch (outcomes.get(i).resultNow()) {
                case GO -> dialed.add(id);
                case RESCHEDULED -> rescheduled.add(id);
                case NOT_OURS, DO_NOT_CALL -> throw new AssertionError("unexpected for " + id);
            }
        }
        return dialed;
    }

    /** The oracle: every zone's local time in 08:00-21:00. */
    static boolean open(Instant t, List<ZoneId> zones) {
        return zones.stream().map(z -> LocalTime.ofInstant(t, z)).allMatch(l -> !l.isBefore(LocalTime.of(8, 0)) && l.isBefore(LocalTime.of(21, 0)));
    }

    /** The oracle's next opening, minute by minute (every zone here opens on a whole minute). */
    static Instant opening(Instant from, List<ZoneId> zones) {
        if (open(from, zones)) {
            return from;
        }
        Instant t = from.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        while (!open(t, zones)) {
            t = t.plus(Duration.ofMinutes(1));
        }
        return t;
    }

    /** A week in the future (jobs due before real time would be due at once) around New York's next DST change. */
    static Instant weekAroundNextDstChange() {
        ZoneId ny = ZoneId.of("America/New_York");
        Instant change = ny.getRules().nextTransition(Instant.now().plus(Duration.ofDays(4))).getInstant();
        return LocalDate.ofInstant(change, ZoneOffset.UTC).minusDays(3).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    record Placed(String number, Instant created) {}

    @Test
    void aSimulatedWeekOfCallsIsNeverDialedOutOfHoursAndEachAtItsNextOpening() throws Exception {
        Instant start = weekAroundNextDstChange();
        Instant end = start.plus(Duration.ofDays(7));
        Map<String, Placed> placed = new HashMap<>();
        Map<String, Instant> dialedAt = new HashMap<>();
        List<String> rescheduled = new ArrayList<>();
        Instant nextHour = start;
        while (true) {
            Instant due = server.app.database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT min(run_at) FROM dial_jobs WHERE dialed_at IS NULL").mapTo(Instant.class).findOne().orElse(null));
            Instant t = nextHour.isBefore(end) ? (due == null || nextHour.isBefore(due) ? nextHour : due) : due;
            if (t == null) {
                break;
            }
            now.set(t);
            if (t.equals(nextHour)) {
                Instant created = now.get();
                try (var creates = Executors.newVirtualThreadPerTaskExecutor()) { // together, as clients would
                    List<Future<String>> ids = NUMBERS.keySet().stream().map(n -> creates.submit(() -> call(n, ""))).toList();
                    List<String> numbers = List.copyOf(NUMBERS.keySet());
                    for (int i = 0; i < ids.size(); i++) {
                        placed.put(ids.get(i).get(), new Placed(numbers.get(i), created));
                    }
                }
                nextHour = nextHour.plus(Duration.ofHours(1));
            }
            for (String id : dialDue(rescheduled)) {
                assertThat(dialedAt.put(id, now.get())).as("dialed once").isNull();
            }
        }

        assertThat(placed).hasSize(7 * 24 * NUMBERS.size());
        assertThat(rescheduled).as("nothing was put back at dial time: the times set at create-call held").isEmpty();
        assertThat(server.count("SELECT count(*) FROM dial_jobs WHERE dialed_at IS NULL")).isZero();
        assertThat(server.count("SELECT count(*) FROM dial_jobs WHERE dialed_at IS NOT NULL")).isEqualTo(placed.size());
        assertThat(dialedAt.keySet()).isEqualTo(placed.keySet());
        Map<String, String[]> stored = new HashMap<>();
        server.app.database().jdbi().useHandle(h -> h.createQuery("""
                        SELECT c.id, c.scheduled_reason, c.scheduled_at, (SELECT string_agg(reason, ' | ' ORDER BY e.id)
                                                                           FROM call_events e WHERE e.call_id = c.id)
                          FROM calls c JOIN dial_jobs j ON j.call_id = c.id""")
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2),
                        rs.getTimestamp(3) == null ? null : rs.getTimestamp(3).toInstant().toString(), rs.getString(4)})
                .forEach(row -> stored.put(row[0], row)));
        int waited = 0;
        for (var e : placed.entrySet()) {
            List<ZoneId> zones = NUMBERS.get(e.getValue().number());
            Instant dialed = dialedAt.get(e.getKey());
            Instant expected = opening(e.getValue().created(), zones);
            assertThat(open(dialed, zones)).as("%s dialed at %s: inside 08:00-21:00 in %s", e.getValue().number(), dialed, zones).isTrue();
            assertThat(dialed).as("%s created at %s", e.getValue().number(), e.getValue().created()).isEqualTo(expected);
            String[] row = stored.get(e.getKey());
            if (expected.isAfter(e.getValue().created())) {
                waited++;
                assertThat(row[1]).isEqualTo("calling_window");
                assertThat(row[2]).isEqualTo(expected.toString());
                assertThat(row[3]).startsWith("accepted through the API; outside calling hours 08:00-21:00 ")
                        .endsWith("; scheduled for the next opening, " + expected);
            } else {
                assertThat(row[1]).isNull();
                assertThat(row[2]).isNull();
                assertThat(row[3]).isEqualTo("accepted through the API");
            }
        }
        assertThat(waited).as("a real share of the week is night somewhere").isBetween(placed.size() / 4, placed.size() * 3 / 4);
        // Across the change New York's 08:00 moves from 13:00 to 12:00 UTC, and a call made at night waits for it.
        LocalDate changeDay = LocalDate.ofInstant(start.plus(Duration.ofDays(3)), ZoneOffset.UTC);
        Instant before = changeDay.minusDays(1).atTime(13, 0).toInstant(ZoneOffset.UTC);
        Instant after = changeDay.atTime(12, 0).toInstant(ZoneOffset.UTC);
        assertThat(placed.entrySet()).filteredOn(e -> e.getValue().number().equals("+12125550100"))
                .extracting(e -> dialedAt.get(e.getKey())).contains(before, after);
    }

    @Test
    void aDueCallOutsideItsWindowAtDialTimeIsPutBackNotDialed() {
        Instant ten = local(NEW_YORK, 0, 10, 0), eleven = local(NEW_YORK, 0, 11, 0);
        now.set(ten);
        String id = call("+12125550100", "");
        assertThat(get(id).get("scheduled_at").isNull()).isTrue();
        // The workspace narrows its hours after the call was accepted.
        assertThat(patch("{\"calling_window\": {\"start\": \"11:00\", \"end\": \"12:00\"}}").status()).isEqualTo(200);
        List<String> rescheduled = new ArrayList<>();
        assertThat(dialDue(rescheduled)).isEmpty();
        assertThat(rescheduled).containsExactly(id);
        JsonNode call = get(id);
        assertThat(call.get("status").asText()).isEqualTo("queued");
        assertThat(call.get("scheduled_at").asText()).isEqualTo(eleven.toString());
        assertThat(call.at("/history/1/reason").asText()).isEqualTo("not dialed: outside calling hours 11:00-12:00"
                + " America/New_York; scheduled for the next opening, " + eleven);
        assertThat(server.count("SELECT count(*) FROM dial_jobs WHERE call_id = '" + id + "' AND leased_by IS NULL"
                + " AND run_at = '" + eleven + "'")).isEqualTo(1);

        now.set(eleven.minusSeconds(1));
        assertThat(dialDue(rescheduled)).isEmpty();
        now.set(eleven);
        assertThat(dialDue(rescheduled)).containsExactly(id);
    }

    @Test
    void aRequestsScheduledTimeInAClosedWindowMovesToTheOpening() {
        // Real days (scheduled_at may be at most 30 days ahead of the real clock), in Chicago's time.
        ZoneId chicago = ZoneId.of("America/Chicago");
        LocalDate day = LocalDate.now(chicago).plusDays(2);
        now.set(day.atTime(10, 0).atZone(chicago).toInstant());
        Instant lateEvening = day.atTime(23, 0).atZone(chicago).toInstant();
        Instant nextMorning = day.plusDays(1).atTime(8, 0).atZone(chicago).toInstant();
        String id = call("+13125550100", ",\"scheduled_at\":\"" + lateEvening + "\"");
        JsonNode call = get(id);
        assertThat(call.get("scheduled_at").asText()).isEqualTo(nextMorning.toString());
        assertThat(call.at("/history/0/reason").asText()).contains("outside calling hours 08:00-21:00 America/Chicago");
        // One inside the window keeps its time, and says it was asked for.
        Instant noon = day.plusDays(1).atTime(12, 0).atZone(chicago).toInstant();
        String kept = call("+13125550100", ",\"scheduled_at\":\"" + noon + "\"");
        assertThat(get(kept).get("scheduled_at").asText()).isEqualTo(noon.toString());
        assertThat(server.count("SELECT count(*) FROM calls WHERE id = '" + kept + "' AND scheduled_reason = 'requested'")).isEqualTo(1);
        assertThat(server.count("SELECT count(*) FROM calls WHERE id = '" + id + "' AND scheduled_reason = 'calling_window'")).isEqualTo(1);
        now.set(nextMorning.minusSeconds(1));
        assertThat(dialDue(new ArrayList<>())).isEmpty();
        now.set(nextMorning);
        assertThat(dialDue(new ArrayList<>())).containsExactly(id);
    }

    @Test
    void anAcceptedCallOutsideItsHoursGetsTheSeedsBodyAndWaits() {
        now.set(local(CHICAGO, 0, 23, 0));
        Http.Response r = create("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+13125550100\"}");
        assertThat(r.status()).isEqualTo(200);
        String id = r.json().at("/data/call_id").asText();
        assertThat(r.body()).isEqualTo("{\"success\":true,\"message\":\"Call initiated successfully\",\"data\":{\"call_id\":\""
                + id + "\",\"status\":\"queued\",\"assistant_id\":\"" + server.tenancy.assistantId()
                + "\",\"to_number\":\"+13125550100\"}}");
        assertThat(dialDue(new ArrayList<>())).isEmpty();
        assertThat(get(id).get("scheduled_at").asText()).isEqualTo(local(CHICAGO, 1, 8, 0).toString());
    }

    @Test
    void theRequestAndTheAssistantOverrideTheWorkspace() {
        now.set(local(CHICAGO, 0, 23, 0)); // 00:00 in New York
        String anyHour = call("+13125550100", ",\"calling_window\":null");
        String night = call("+13125550100", ",\"calling_window\":{\"start\":\"22:00\",\"end\":\"06:00\"}");
        Http.Response owl = server.createAssistant("{\"name\": \"owl\", \"config\": {\"calling_window\": {\"start\": \"20:00\", \"end\": \"23:30\"}}}");
        assertThat(owl.status()).as(owl.body()).isEqualTo(200);
        String owlId = owl.json().at("/data/assistant_id").asText();
        assertThat(assistant(owlId).at("/config/calling_window").toString()).isEqualTo("{\"start\":\"20:00\",\"end\":\"23:30\"}");
        Http.Response viaOwl = create("{\"assistant_id\":\"" + owlId + "\",\"to_number\":\"+13125550100\"}");
        Http.Response owlToNewYork = create("{\"assistant_id\":\"" + owlId + "\",\"to_number\":\"+12125550100\"}");
        String waits = call("+13125550100", "");
        List<String> dialed = dialDue(new ArrayList<>());
        assertThat(dialed).containsExactlyInAnyOrder(anyHour, night, viaOwl.json().at("/data/call_id").asText());
        assertThat(get(owlToNewYork.json().at("/data/call_id").asText()).get("scheduled_at").asText())
                .isEqualTo(local(NEW_YORK, 1, 20, 0).toString());
        assertThat(get(waits).get("scheduled_at").asText()).isEqualTo(local(CHICAGO, 1, 8, 0).toString());

        // An assistant without hours of its own, and one that turns them off; PATCH null turns them off too.
        Http.Response plain = server.createAssistant("{\"name\": \"plain\", \"config\": {}}");
        String plainId = plain.json().at("/data/assistant_id").asText();
        assertThat(assistant(plainId).get("config").has("calling_window")).as("absent: the workspace's").isFalse();
        Http.Response off = server.http.request("PATCH", "/v1/admin/assistant/" + plainId).headers(server.auth())
                .json("{\"config\": {\"calling_window\": null}}").send();
        assertThat(off.status()).as(off.body()).isEqualTo(200);
        assertThat(off.json().at("/data/config/calling_window").isNull()).isTrue();
        assertThat(create("{\"assistant_id\":\"" + plainId + "\",\"to_number\":\"+13125550100\"}").status()).isEqualTo(200);
        assertThat(dialDue(new ArrayList<>())).hasSize(1);
        Http.Response back = server.http.request("PATCH", "/v1/admin/assistant/" + plainId).headers(server.auth())
                .json("{\"config\": {\"calling_window\": \"workspace\"}}").send();
        assertThat(back.json().at("/data/config").has("calling_window")).isFalse();
    }

    @Test
    void sandboxCallsRingAtAnyHourUnlessIncludedButAWorkspacesOwnTrunkKeepsTheHours() {
        now.set(local(CHICAGO, 0, 23, 0));
        try (TestServer sandboxNode = TestServer.start(Map.of(), now::get)) { // no sip.trunk: calls go to the sandbox
            DialQueue sandboxQueue = new DialQueue(sandboxNode.app.database().jdbi(), new CallingHours(now::get, false));
            Http.Response exempt = sandboxNode.createCall("+13125550100");
            assertThat(sandboxQueue.claim("n", Duration.ofMinutes(1), 10)).extracting(DialQueue.Job::callId)
                    .containsExactly(exempt.json().at("/data/call_id").asText());
            sandboxNode.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM dial_jobs"));

            Http.Response include = sandboxNode.http.request("PATCH", "/v1/admin/workspace").headers(sandboxNode.auth())
                    .json("{\"calling_window_applies_to_sandbox\": true}").send();
            assertThat(include.json().at("/data/calling_window_applies_to_sandbox").asBoolean()).isTrue();
            String included = sandboxNode.createCall("+13125550100").json().at("/data/call_id").asText();
            assertThat(sandboxNode.count("SELECT count(*) FROM calls WHERE id = '" + included + "' AND scheduled_at = '" + local(CHICAGO, 1, 8, 0) + "'"))
                    .isEqualTo(1);
            sandboxNode.http.request("PATCH", "/v1/admin/workspace").headers(sandboxNode.auth())
                    .json("{\"calling_window_applies_to_sandbox\": false}").send();

            Http.Response number = sandboxNode.http.request("POST", "/v1/admin/phone-number").headers(sandboxNode.auth())
                    .json("{\"number\": \"+14155550199\", \"trunk\": {\"host\": \"127.0.0.1\", \"port\": 9}}").send();
            assertThat(number.status()).as(number.body()).isEqualTo(200);
            String viaTrunk = sandboxNode.createCall("+13125550100").json().at("/data/call_id").asText();
            assertThat(sandboxNode.count("SELECT count(*) FROM calls WHERE id = '" + viaTrunk + "' AND scheduled_reason = 'calling_window'"))
                    .isEqualTo(1);
            assertThat(sandboxQueue.claim("n", Duration.ofMinutes(1), 10)).isEmpty();
        }
    }

    @Test
    void badWindowsAreRefusedWithWhatToFix() {
        Http.Response ws = patch("{\"calling_window\": {\"start\": \"8am\", \"end\": \"21:00\"}}");
        assertThat(ws.status()).isEqualTo(400);
        assertThat(ws.message()).isEqualTo("'calling_window.start' must be HH:MM, like 08:00");
        Http.Response assistant = server.createAssistant("{\"name\": \"x\", \"config\": {\"calling_window\": {\"start\": \"08:00\"}}}");
        assertThat(assistant.status()).isEqualTo(400);
        assertThat(assistant.message()).isEqualTo("'config.calling_window.end' is required: HH:MM in the callee's local time, like 21:00");
        Http.Response request = create("{\"assistant_id\":\"" + server.tenancy.assistantId()
                + "\",\"to_number\":\"+13125550100\",\"calling_window\":\"nights\"}");
        assertThat(request.status()).isEqualTo(400);
        assertThat(request.message()).startsWith("'calling_window' must be an object like");
        Http.Response sandbox = patch("{\"calling_window_applies_to_sandbox\": \"yes\"}");
        assertThat(sandbox.status()).isEqualTo(400);
        assertThat(sandbox.message()).contains("'calling_window_applies_to_sandbox' must be true");
    }

    @Test
    void theWorkspaceShowsItsHoursAndNullTurnsThemOff() {
        JsonNode ws = server.http.request("GET", "/v1/admin/workspace").headers(server.auth()).send().json().get("data");
        assertThat(ws.get("calling_window").toString()).isEqualTo("{\"start\":\"08:00\",\"end\":\"21:00\"}");
        assertThat(ws.get("calling_window_applies_to_sandbox").asBoolean()).isFalse();
        Http.Response off = patch("{\"calling_window\": null}");
        assertThat(off.json().at("/data/calling_window").isNull()).isTrue();
        now.set(local(CHICAGO, 0, 23, 0));
        String id = call("+13125550100", "");
        assertThat(dialDue(new ArrayList<>())).containsExactly(id);
    }
}
