package dev.parley.conversation;

import static dev.parley.support.Transcripts.said;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Baresip;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The do-not-call list and opting out in real SIP calls: a number listed after acceptance is never
 * dialed; a callee who presses the opt-out key (SIPp, RFC 4733) or says an opt-out phrase (baresip
 * playing espeak-ng, heard by Sphinx4) is listed within a second and hears a goodbye, and the call
 * ends {@code opted-out} within two.
 */
@Tag("sip")
class OptOutCallTest {
    static final int SIP = Sipp.freeUdpPort();
    static final int TRUNK = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1"));

    /** The 9 branch would say "Great, see you then.": heard only if the key reached the flow. */
    static final String REMINDER = """
            {"name": "reminder", "config": {"disclosure": "This call is from an automated assistant.", "flow": {"steps": [
              {"id": "ask", "say": "Can you make it tomorrow?", "listen": {
                 "intents": [{"name": "yes", "phrases": ["yes", "yeah"], "goto": "confirmed"}],
                 "dtmf": {"9": "confirmed"},
                 "no_input": {"say": "Are you still there?", "retries": 1, "timeout_seconds": 8}}},
              {"id": "confirmed", "say": "Great, see you then.", "goto": "bye"},
              {"id": "bye", "end": {"say": "Goodbye."}}]}}}""";

    static final WebhookReceiver receiver = new WebhookReceiver();

    @BeforeAll
    static void peers() {
        server.awaitSpeechEngines(); // its latencies and real-time audio are measured on a node done loading
        Baresip.require();
        Sipp.require();
        server.callAtAnyHour(); // one test dials through a number's trunk, which keeps calling hours
        Http.Response r = server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                .json("{\"webhook_url\":\"" + receiver.url() + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @AfterEach
    void oneEndingPerCall() {
        DialerTest.assertEveryEndedCallEndedOnce(server);
    }

    static String assistant(String json) {
        Http.Response r = server.createAssistant(json);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/assistant_id").asText();
    }

    static Http.Response call(String assistantId, String number, String extra) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + assistantId + "\",\"to_number\":\"" + number + "\"" + extra + "}").send();
    }

    static String callId(Http.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    /** Calls to SIPp through a workspace number on its trunk. */
    static Sipp viaSipp(String scenario) {
        Http.Response added = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"number\":\"+14155550100\",\"trunk\":{\"host\":\"127.0.0.1\",\"port\":" + TRUNK + "}}").send();
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        return Sipp.uas(scenario, TRUNK, 1, false);
    }

    @AfterEach
    void noTrunk() {
        server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM phone_numbers"));
    }


    /** When (on this machine's clock) each of a call's moments was first seen, polled every 10 ms. */
    static final class Moments {
        Instant keyStored;
        Instant heard;
        Instant listed;
        Instant ended;

        static Moments watch(String id) throws InterruptedException {
            Moments m = new Moments();
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (m.ended == null && System.nanoTime() < deadline) {
                Instant now = Instant.now();
                m.keyStored = first(m.keyStored, now, () -> server.count("SELECT count(*) FROM calls WHERE id = '" + id
                        + "' AND dtmf LIKE '%9%'") > 0);
                m.heard = first(m.heard, now, () -> server.count("SELECT count(*) FROM call_turns WHERE call_id = '" + id
                        + "' AND speaker = 'caller'") > 0);
                m.listed = first(m.listed, now, () -> server.count("SELECT count(*) FROM do_not_call WHERE call_id = '" + id
                        + "'") > 0);
                m.ended = first(m.ended, now, () -> server.count("SELECT count(*) FROM calls WHERE id = '" + id
                        + "' AND ended_at IS NOT NULL") > 0);
                Thread.sleep(10);
            }
            return m;
        }

        private static Instant first(Instant seen, Instant now, BooleanSupplier check) {
            return seen != null ? seen : check.getAsBoolean() ? now : null;
        }
    }

    @Test
    void aNumberListedAfterTheCallWasAcceptedIsNeverDialed() throws Exception {
        String reminder = assistant(REMINDER);
        try (Sipp trunk = viaSipp("uas-answer.xml")) {
            String id = callId(call(reminder, "+14155550142", ",\"scheduled_at\":\"" + Instant.now().plusSeconds(2) + "\""));
            Http.Response listed = server.http.request("POST", "/v1/admin/dnc").headers(server.auth())
                    .json("{\"numbers\": [\"+14155550142\"]}").send();
            assertThat(listed.status()).as(listed.body()).isEqualTo(200);
            JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
            assertThat(done.get("status").asText()).isEqualTo("failed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("blocked");
            assertThat(done.get("history").findValuesAsText("reason")).anyMatch(r -> r.contains("do-not-call list"));
            assertThat(done.get("started_at").isNull()).as("never dialed").isTrue();
            assertThat(trunk.awaitExit(2)).as("SIPp never got an INVITE, so it is still waiting").isNotZero();
            assertThat(call(reminder, "+14155550142", "").status()).as("and refused at create from now on").isEqualTo(403);
        }
    }

    @Test
    void theOptOutKeyListsTheNumberAndEndsTheCallPolitelyWithoutReachingTheFlow() throws Exception {
        String reminder = assistant(REMINDER);
        try (Sipp trunk = viaSipp("uas-answer-opt-out-key.xml")) {
            String id = callId(call(reminder, "+14155550143", ""));
            Moments m = Moments.watch(id);
            JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
            assertThat(done.get("status").asText()).isEqualTo("completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("opted-out");
            assertThat(done.get("history").findValuesAsText("reason")).anyMatch(r -> r.contains("pressed 9"));
            assertThat(said(done, "assistant")).as("the disclosure first; the 9 never reached the flow's 9 branch")
                    .startsWith("This call is from an automated assistant.", "Can you make it tomorrow?")
                    .doesNotContain("Great, see you then.")
                    .endsWith("You are removed. Goodbye.");
            assertThat(trunk.awaitExit(10)).isZero();
            JsonNode goodbye = done.get("transcript").get(done.get("transcript").size() - 1);
            System.out.printf("the goodbye plays %d ms%n", goodbye.get("end_ms").asLong() - goodbye.get("start_ms").asLong());
            long listedMs = Duration.between(m.keyStored, m.listed).toMillis();
            long endedMs = Duration.between(m.keyStored, m.ended).toMillis();
            System.out.printf("opt-out by key: listed %d ms, ended %d ms after the digit was stored%n", listedMs, endedMs);
            assertThat(listedMs).as("listed within 1 s").isLessThan(1000);
            assertThat(endedMs).as("ended within 2 s").isLessThan(2000);
            JsonNode entry = server.http.request("GET", "/v1/admin/dnc").headers(server.auth()).send().json().at("/data/items/0");
            assertThat(entry.get("number").asText()).isEqualTo("+14155550143");
            assertThat(entry.get("source").asText()).isEqualTo("opt-out");
            assertThat(entry.get("call_id").asText()).isEqualTo(id);
            assertThat(server.count("SELECT count(*) FROM webhook_events WHERE call_id = '" + id
                    + "' AND type = 'call.ended' AND payload->'data'->>'ended_reason' = 'opted-out'"))
                    .as("call.ended says opted-out").isEqualTo(1);
        }
    }

    @Test
    void sayingStopCallingListsTheNumberAndEndsTheCall() throws Exception {
        String reminder = assistant(REMINDER);
        String number = "+14155550144";
        try (Baresip phone = server.softphone(number, SIP,
                SpokenConversationTest.fixture("pause:4.5", "please stop calling me", "pause:8"))) {
            String id = callId(call(reminder, number, ""));
            Moments m = Moments.watch(id);
            JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
            assertThat(done.get("ended_reason").asText()).as(phone.log()).isEqualTo("opted-out");
            assertThat(said(done, "assistant")).endsWith("You are removed. Goodbye.");
            JsonNode callerTurn = done.get("transcript").findValues("speaker").stream().anyMatch(s -> s.asText().equals("caller"))
                    ? java.util.stream.StreamSupport.stream(done.get("transcript").spliterator(), false)
                            .filter(t -> t.get("speaker").asText().equals("caller")).findFirst().orElseThrow() : null;
            assertThat(callerTurn).isNotNull();
            Instant speechEnded = Instant.parse(done.get("answered_at").asText()).plusMillis(callerTurn.get("end_ms").asLong());
            long heardToListed = Duration.between(m.heard, m.listed).toMillis();
            long heardToEnded = Duration.between(m.heard, m.ended).toMillis();
            System.out.printf("opt-out by speech (heard \"%s\"): listed %d ms, ended %d ms after the turn was stored;"
                            + " listed %d ms after the caller stopped speaking%n", callerTurn.get("text").asText(),
                    heardToListed, heardToEnded, Duration.between(speechEnded, m.listed).toMillis());
            assertThat(heardToListed).as("listed within 1 s").isLessThan(1000);
            assertThat(heardToEnded).as("ended within 2 s").isLessThan(2000);
            assertThat(server.count("SELECT count(*) FROM do_not_call WHERE number = '" + number + "' AND source = 'opt-out'"))
                    .isEqualTo(1);
        }
    }
}
