package dev.parley.dialer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.support.Baresip;
import dev.parley.support.CalleeAudio;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retries per outcome through the real dialer (issue 14, item 5): SIPp as a trunk that is busy,
 * answers and hangs up, or answers and presses the opt-out key; baresip registered to the sandbox as
 * a mailbox. Each retry is due a minute after the previous attempt ended; the test advances the
 * queue's clock for that one job ({@link #dueNow}) instead of waiting the minute.
 */
@Tag("sip")
class RetryCallTest {
    static final int SIP = Sipp.freeUdpPort();
    static final int TRUNK = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.WEBHOOK_RETRY_INITIAL_MS, "100"));

    static final WebhookReceiver receiver = new WebhookReceiver();
    static final String EVERY_OUTCOME = "{\"on\": [\"no-answer\", \"busy\", \"failed\", \"voicemail\"], \"max_attempts\": 3,"
            + " \"backoff\": [60]}";

    @BeforeAll
    static void peers() {
        Sipp.require();
        Baresip.require();
        server.callAtAnyHour(); // a SIP trunk reaches real people: calling hours apply unless turned off
        Http.Response r = server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                .json("{\"webhook_url\":\"" + receiver.url() + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @AfterEach
    void oneEndingPerCallAndNoTrunk() {
        DialerTest.assertEveryEndedCallEndedOnce(server);
        server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM phone_numbers"));
    }

    /** SIPp behind a workspace number's trunk, for {@code calls} calls; the sandbox stays for softphones. */
    static Sipp trunk(String scenario, int calls) {
        Http.Response added = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"number\":\"+14155550100\",\"trunk\":{\"host\":\"127.0.0.1\",\"port\":" + TRUNK + "}}").send();
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        return Sipp.uas(scenario, TRUNK, calls);
    }

    static String call(String number, String retry) {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"" + number
                        + "\",\"retry\":" + retry + "}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    static JsonNode ended(String id) {
        return DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
    }

    /** The series' attempt {@code n}, which exists as soon as the attempt before it ended. */
    static List<JsonNode> attempts(String first) {
        List<JsonNode> out = new ArrayList<>();
        server.http.request("GET", "/v1/admin/assistant/calls?parent_call_id=" + first).headers(server.auth()).send().json()
                .at("/data/items").forEach(out::add);
        return out.reversed();
    }

    /** A minute passes for this job: the dialer finds it due on its next look. */
    static void dueNow(String id) {
        server.app.database().jdbi().useHandle(h -> h.execute("UPDATE dial_jobs SET run_at = now() WHERE call_id = ?", id));
    }

    static String lastReason(JsonNode call) {
        JsonNode history = call.get("history");
        return history.get(history.size() - 1).get("reason").asText();
    }

    @Test
    void busyIsRetriedAsAttemptTwoThenThreeAndStopsAtMaxAttempts() throws Exception {
        try (Sipp busy = trunk("uas-busy.xml", 3)) {
            String first = call("+14155550161", "{\"on\": [\"busy\"], \"max_attempts\": 3, \"backoff\": [60]}");
            JsonNode one = ended(first);
            assertThat(one.get("status").asText()).isEqualTo("busy");
            assertThat(one.get("attempt").asInt()).isEqualTo(1);

            List<String> ids = new ArrayList<>(List.of(first));
            for (int n = 2; n <= 3; n++) {
                JsonNode previous = ended(ids.getLast());
                List<JsonNode> series = attempts(first);
                assertThat(series).as("attempt %d exists once attempt %d ended", n, n - 1).hasSize(n - 1);
                JsonNode next = series.getLast();
                assertThat(next.get("attempt").asInt()).isEqualTo(n);
                assertThat(next.get("parent_call_id").asText()).isEqualTo(first);
                assertThat(next.get("status").asText()).isEqualTo("queued");
                assertThat(Duration.between(Instant.parse(previous.get("ended_at").asText()),
                        Instant.parse(next.get("scheduled_at").asText())).toSeconds()).isBetween(59L, 60L);
                assertThat(lastReason(previous)).contains("retried as " + next.get("call_id").asText());
                ids.add(next.get("call_id").asText());
                dueNow(ids.getLast());
                JsonNode done = ended(ids.getLast());
                assertThat(done.get("status").asText()).isEqualTo("busy");
                assertThat(done.get("sip_code").asInt()).isEqualTo(486);
                assertThat(done.get("history").get(0).get("reason").asText()).startsWith("retry (attempt " + n + " of 3) of " + first);
            }
            assertThat(busy.awaitExit(10)).as("SIPp refused three INVITEs").isZero();
            assertThat(attempts(first)).as("no fourth attempt").hasSize(2);
            assertThat(lastReason(ended(ids.getLast()))).endsWith("not retried: attempt 3 of 3 was the last");

            for (String id : ids) {
                JsonNode report = awaitEvent(id, "call.report");
                assertThat(report.at("/data/attempt").asInt()).isEqualTo(ids.indexOf(id) + 1);
                assertThat(report.at("/data/parent_call_id").asText(null)).isEqualTo(id.equals(first) ? null : first);
            }
            JsonNode queued = awaitEvent(ids.get(2), "call.queued");
            assertThat(queued.at("/data/attempt").asInt()).isEqualTo(3);
            assertThat(queued.at("/data/parent_call_id").asText()).isEqualTo(first);
        }
    }

    @Test
    void aCallAPersonAnsweredIsNeverRetried() throws Exception {
        try (Sipp person = trunk("uas-answer-then-bye.xml", 1)) {
            String id = call("+14155550162", EVERY_OUTCOME);
            JsonNode done = ended(id);
            assertThat(done.get("ended_reason").asText()).isEqualTo("callee-ended");
            assertThat(person.awaitExit(10)).isZero();
            assertThat(attempts(id)).isEmpty();
            assertThat(lastReason(done)).doesNotContain("retried");
        }
    }

    @Test
    void aCalleeWhoOptedOutIsNeverRetried() throws Exception {
        try (Sipp optingOut = trunk("uas-answer-opt-out-key.xml", 1)) {
            String id = call("+14155550163", EVERY_OUTCOME);
            JsonNode done = ended(id);
            assertThat(done.get("ended_reason").asText()).isEqualTo("opted-out");
            assertThat(optingOut.awaitExit(10)).isZero();
            assertThat(attempts(id)).isEmpty();
        }
    }

    /** Listed between attempts (here through the API; an opt-out on another call lists it the same way). */
    @Test
    void aNumberListedAfterARetryWasScheduledIsNeverDialedAgain() throws Exception {
        try (Sipp busy = trunk("uas-busy.xml", 2)) {
            String first = call("+14155550164", EVERY_OUTCOME);
            assertThat(ended(first).get("status").asText()).isEqualTo("busy");
            String second = attempts(first).getFirst().get("call_id").asText();
            Http.Response listed = server.http.request("POST", "/v1/admin/dnc").headers(server.auth())
                    .json("{\"numbers\": [\"+14155550164\"]}").send();
            assertThat(listed.status()).as(listed.body()).isEqualTo(200);
            dueNow(second);
            JsonNode done = ended(second);
            assertThat(done.get("ended_reason").asText()).isEqualTo("blocked");
            assertThat(done.get("started_at").isNull()).as("never dialed").isTrue();
            assertThat(busy.awaitExit(2)).as("SIPp got one INVITE of two, so it still waits").isNotZero();
            assertThat(attempts(first)).as("a blocked attempt ends the series").hasSize(1);
        }
    }

    @Test
    void aMailboxIsRetriedWhenVoicemailIsListed() throws Exception {
        String number = "+14155550165";
        String assistant = server.createAssistant("""
                {"name": "mailbox", "config": {"voicemail": {"detect": true, "action": "hangup"},
                 "retry": {"on": ["voicemail"], "max_attempts": 2, "backoff": [60]}}}""").json().at("/data/assistant_id").asText();
        try (Baresip mailbox = server.softphone(number, SIP, CalleeAudio.of("pause:0.3",
                "Hi, you have reached Sam. I cannot take your call right now. Please leave a message after the tone.",
                "pause:0.4", "beep:0.4", "pause:20"))) {
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"" + number + "\"}").send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            String id = r.json().at("/data/call_id").asText();
            JsonNode done = ended(id);
            assertThat(done.get("ended_reason").asText()).as(mailbox.log()).isEqualTo("voicemail");
            assertThat(done.at("/answered_by/who").asText()).isEqualTo("machine");
            List<JsonNode> series = attempts(id);
            assertThat(series).hasSize(1);
            String second = series.getFirst().get("call_id").asText();
            Http.Response canceled = server.http.request("POST", "/v1/admin/assistant/call/" + second + "/hangup")
                    .headers(server.auth()).send();
            assertThat(canceled.json().at("/data/hangup").asText()).as("canceled before it was due").isEqualTo("canceled");
            assertThat(lastReason(ended(second))).doesNotContain("retried");
        }
    }

    static JsonNode awaitEvent(String callId, String type) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            for (WebhookReceiver.Received r : receiver.received()) {
                if (type.equals(r.json().path("type").asText()) && callId.equals(r.json().at("/data/call_id").asText())) {
                    return r.json();
                }
            }
            DialerTest.sleep(20);
        }
        throw new AssertionError("no " + type + " for " + callId + " within 15 s");
    }
}
