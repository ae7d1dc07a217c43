package dev.parley.dialer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestPorts;
import dev.parley.support.TestPostgres;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Calls placed through the API reach a real SIP trunk (SIPp) and their statuses follow it. */
@Tag("sip")
public class DialerTest {
    static final int TRUNK = Sipp.freeUdpPort();
    static final int RTP = TestPorts.range(4);

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + Sipp.freeUdpPort(),
            ConfigLoader.SIP_TRUNK, "127.0.0.1:" + TRUNK,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "5",
            ConfigLoader.DIALER_LEASE_MS, "3000",
            ConfigLoader.SPEECH_RECOGNIZERS, "1", // nothing here depends on what is recognized: a second one would load for nothing
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.RTP_PORTS, RTP + "-" + (RTP + 3))); // two RTP ports: a third live call finds none


    /** Every call of this class reports to it: each end path must write exactly one ending. */
    static final WebhookReceiver receiver = new WebhookReceiver();

    @BeforeAll
    static void requirePeer() {
        server.awaitSpeechEngines(); // its latencies and real-time audio are measured on a node done loading
        Sipp.require();
        server.callAtAnyHour(); // a SIP trunk reaches real people: calling hours apply unless turned off
        Http.Response r = server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                .json("{\"webhook_url\":\"" + receiver.url() + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    /**
     * Whatever way each call of a test ended, it ended once: one final status in its history, one
     * {@code call.ended} and one {@code call.report}, written with that status.
     */
    @AfterEach
    void everyEndedCallEndedExactlyOnce() {
        assertEveryEndedCallEndedOnce(server);
    }

    /** The check above, for other test classes that place calls on their own server. */
    public static void assertEveryEndedCallEndedOnce(TestServer server) {
        String finalStatuses = "('completed','busy','no-answer','failed','canceled')";
        assertThat(server.count("SELECT count(*) FROM calls c WHERE status IN " + finalStatuses
                + " AND (SELECT count(*) FROM call_events e WHERE e.call_id = c.id AND e.status IN " + finalStatuses + ") <> 1"))
                .as("calls with other than one final status in their history").isZero();
        for (String type : List.of("call.ended", "call.report")) {
            assertThat(server.count("SELECT count(*) FROM calls c WHERE status IN " + finalStatuses
                    + " AND (SELECT count(*) FROM webhook_events w WHERE w.call_id = c.id AND w.type = '" + type + "') <> 1"))
                    .as("ended calls with other than one %s event", type).isZero();
        }
        assertThat(server.count("SELECT count(*) FROM calls c WHERE status IN " + finalStatuses
                + " AND (SELECT payload->'data'->>'ended_reason' FROM webhook_events w WHERE w.call_id = c.id AND w.type = 'call.report')"
                + " IS DISTINCT FROM c.ended_reason")).as("reports that disagree with the call's ended_reason").isZero();
    }

    /**
     * Create-call refuses an assistant whose provider has no key; a key deleted after the call was
     * accepted (here while it waits for its scheduled time) is found before the INVITE, so nobody
     * answers a call that could only fail in front of them.
     */
    @Test
    void aProviderWhoseKeyWasDeletedAfterAcceptanceEndsProviderErrorAndIsNeverDialed() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-answer.xml", TRUNK, 1)) {
            assertThat(server.http.request("PUT", "/v1/admin/credentials/deepgram").headers(server.auth())
                    .json("{\"api_key\":\"dg-test\"}").send().status()).isEqualTo(200);
            String assistant = server.createAssistant("{\"name\":\"cloud\",\"config\":{\"transcriber\":"
                    + "{\"provider\":\"deepgram\",\"model\":\"nova-2\"}}}").json().at("/data/assistant_id").asText();
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"+14155550123\",\"scheduled_at\":\""
                            + java.time.Instant.now().plusSeconds(2) + "\"}").send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            String id = r.json().at("/data/call_id").asText();
            assertThat(server.http.request("DELETE", "/v1/admin/credentials/deepgram").headers(server.auth()).send().status())
                    .isEqualTo(200);
            JsonNode done = await(id, DialerTest::isFinal, "ended");
            assertThat(done.get("status").asText()).isEqualTo("failed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("provider-error");
            assertThat(done.get("history").findValuesAsText("reason"))
                    .anyMatch(reason -> reason.contains("deepgram") && reason.contains("PUT /v1/admin/credentials/deepgram"));
            assertThat(trunk.awaitExit(2)).as("SIPp never got an INVITE, so it is still waiting").isNotZero();
        }
    }

    @BeforeEach
    void limits() {
        patchLimits(10, 10);
    }

    static void patchLimits(int concurrent, int perSecond) {
        Http.Response r = server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                .json("{\"limits\":{\"max_concurrent_calls\":" + concurrent + ",\"calls_per_second\":" + perSecond + "}}").send();
        assertThat(r.status()).isEqualTo(200);
    }

    static String call() {
        Http.Response r = server.createCall("+14155550123");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    /** A call by a new assistant made from this JSON. */
    static String callWith(String assistantJson) {
        String assistant = server.createAssistant(assistantJson).json().at("/data/assistant_id").asText();
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"+14155550123\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    static JsonNode get(String id) {
        return get(server, id);
    }

    public static JsonNode get(TestServer on, String id) {
        return on.http.request("GET", "/v1/admin/assistant/call/" + id).headers(on.auth()).send().json().get("data");
    }

    static JsonNode await(String id, Predicate<JsonNode> condition, String what) {
        return await(server, id, condition, what);
    }

    public static JsonNode await(TestServer on, String id, Predicate<JsonNode> condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode c = getOnceReachable(on, id);
        while (c == null || !condition.test(c)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("call never became " + what + ": " + c);
            }
            sleep(50);
            c = getOnceReachable(on, id);
        }
        return c;
    }

    /** The call, or null while the node answers 503 (its database is away or the pool is reconnecting). */
    private static JsonNode getOnceReachable(TestServer on, String id) {
        Http.Response r = on.http.request("GET", "/v1/admin/assistant/call/" + id).headers(on.auth()).send();
        return r.status() == 503 ? null : r.json().get("data");
    }

    /** The call's recording, through the API. */
    public static byte[] recording(TestServer on, String id) throws Exception {
        java.net.http.HttpResponse<byte[]> wav = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + on.app.port()
                                + "/v1/admin/assistant/call/" + id + "/recording"))
                        .header("workspace", on.tenancy.workspaceId()).header("organization", on.tenancy.organizationId())
                        .header("Authorization", "Bearer " + on.tenancy.apiKey().orElseThrow()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(wav.statusCode()).isEqualTo(200);
        assertThat(wav.headers().firstValue("Content-Type")).hasValue("audio/wav");
        return wav.body();
    }

    static JsonNode awaitStatus(String id, String status) {
        return await(id, c -> c.get("status").asText().equals(status), status);
    }

    static Http.Response hangup(String id) {
        return server.http.request("POST", "/v1/admin/assistant/call/" + id + "/hangup").headers(server.auth()).send();
    }

    @Test
    void anAnsweredCallIsHungUpFromTheApi() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-answer.xml", TRUNK, 1)) {
            String id = call();
            awaitStatus(id, "in-progress");
            Http.Response r = hangup(id);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().at("/data/hangup").asText()).isEqualTo("hanging-up");
            JsonNode done = awaitStatus(id, "completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("api-hangup");
            assertThat(done.get("started_at").isNull()).isFalse();
            assertThat(done.get("answered_at").isNull()).isFalse();
            assertThat(done.get("duration_seconds").isNumber()).isTrue();
            assertThat(done.get("history")).extracting(h -> h.get("status").asText())
                    .containsExactly("queued", "ringing", "in-progress", "completed");
            assertThat(trunk.awaitExit(10)).isZero();
            assertThat(hangup(id).status()).as("a second hangup").isEqualTo(409);
            assertThat(server.count("SELECT count(*) FROM dial_jobs WHERE call_id = '" + id + "'")).isZero();
        }
    }

    /**
     * A telephony endpoint sends a frame every 20 ms for the whole call: carriers hang up calls whose
     * media stops, NAT bindings close, and the far end's jitter buffer sees a jump. The greeting is
     * followed by seconds of listening, which must go out as silence, counted at the callee.
     */
    @Test
    void theCalleeReceivesAPacketEvery20MsFromAnswerToHangupSilencesIncluded() throws Exception {
        try (RtpSink sink = new RtpSink();
             Sipp trunk = Sipp.uas("uas-answer-rtp-sink.xml", TRUNK, 1, Map.of("rtp_sink", Integer.toString(sink.port())))) {
            String id = call();
            awaitStatus(id, "in-progress");
            await(id, c -> c.get("transcript").size() > 0, "greeted"); // a turn is stored once played
            sleep(2000); // listening, in silence
            assertThat(hangup(id).status()).isEqualTo(200);
            JsonNode done = awaitStatus(id, "completed");
            assertThat(trunk.awaitExit(10)).isZero();
            List<RtpSink.Packet> packets = sink.packets();
            long callMs = Duration.between(java.time.Instant.parse(done.get("answered_at").asText()),
                    java.time.Instant.parse(done.get("ended_at").asText())).toMillis();

            assertThat(packets.size()).as("one packet per 20 ms of a %d ms call", callMs)
                    .isBetween((int) (callMs / 20 * 0.9), (int) (callMs / 20) + 5);
            for (int i = 1; i < packets.size(); i++) {
                RtpSink.Packet a = packets.get(i - 1);
                RtpSink.Packet b = packets.get(i);
                assertThat((b.sequence() - a.sequence()) & 0xffff).as("sequence number after packet %d", i).isEqualTo(1);
                assertThat((b.timestamp() - a.timestamp()) & 0xffffffffL).as("timestamp after packet %d", i).isEqualTo(160);
                assertThat(b.arrivedNanos() - a.arrivedNanos()).as("gap before packet %d", i)
                        .isLessThan(Duration.ofMillis(200).toNanos());
            }
            long silent = packets.stream().filter(RtpSink.Packet::silent).count();
            assertThat(silent).as("the listening went out as silence").isGreaterThan(50);
            assertThat(packets.size() - silent).as("the greeting went out as speech").isGreaterThan(50);
            assertThat(packets.stream().filter(RtpSink.Packet::marker).count()).as("one talkspurt: the marker once").isEqualTo(1);
        }
    }

    @Test
    void anAnsweredCallHearsTheAssistantBothWaysAndIsRecorded() throws Exception {
        // One closing line, which nothing interrupts: SIPp's echo of it must not count as the callee talking.
        String announcer = server.createAssistant("""
                {"name": "announcer", "config": {"flow": {"steps": [{"id": "only", "end": {
                  "say": "This is Parley, calling to test your line. Thank you, and goodbye."}}]}}}""")
                .json().at("/data/assistant_id").asText();
        try (Sipp trunk = Sipp.uas("uas-answer.xml", TRUNK, 1, true)) { // SIPp echoes our audio back
            Http.Response created = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + announcer + "\",\"to_number\":\"+14155550123\"}").send();
            String id = created.json().at("/data/call_id").asText();
            JsonNode done = await(id, c -> c.get("status").asText().equals("completed"), "completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("assistant-ended");
            assertThat(trunk.awaitExit(10)).isZero();
            assertThat(done.get("summary").isNull()).as("a flow assistant has no language model to summarize").isTrue();
            assertThat(done.get("structured_data").isNull()).isTrue();
            assertThat(done.at("/usage/llm_prompt_tokens").asLong()).as("offline engines cost nothing").isZero();
            assertThat(done.at("/usage/tts_characters").asLong()).isZero();

            java.net.http.HttpResponse<byte[]> wav = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.app.port()
                                    + "/v1/admin/assistant/call/" + id + "/recording"))
                            .header("workspace", server.tenancy.workspaceId()).header("organization", server.tenancy.organizationId())
                            .header("Authorization", "Bearer " + server.tenancy.apiKey().orElseThrow()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(wav.statusCode()).isEqualTo(200);
            assertThat(wav.headers().firstValue("Content-Type")).hasValue("audio/wav");
            double[] rms = stereoRms(wav.body());
            double seconds = (wav.body().length - 44) / 4 / 8000.0;
            assertThat(seconds).as("the line is about four seconds").isBetween(2.5, 8.0);
            assertThat(rms[1]).as("Parley's side carries the assistant's line").isGreaterThan(500);
            assertThat(rms[0]).as("the caller's side carries its echo, not silence").isGreaterThan(500);
            assertThat(get(id).get("transcript").get(0).get("interrupted").asBoolean()).as("the echo did not cut it").isFalse();

            String metrics = server.http.request("GET", "/metrics").send().body();
            assertThat(metrics).containsPattern("parley_calls_total\\{ended_reason=\"assistant-ended\",status=\"completed\"\\} [1-9]");
            assertThat(metrics).containsPattern("parley_rtp_packets_total\\{direction=\"out\"\\} [1-9]");
            assertThat(metrics).containsPattern("parley_rtp_packets_total\\{direction=\"in\"\\} [1-9]");
            assertThat(metrics).contains("parley_rtp_packets_lost_total", "parley_dial_latency_seconds_count", "parley_setup_latency_seconds_count",
                    "parley_calls_active");
        }
        assertThat(server.http.request("GET", "/v1/admin/assistant/call/c_000000000000000000000000/recording")
                .headers(server.auth()).send().status()).isEqualTo(404);
    }

    /** RMS of the left and right channels of an 8 kHz 16-bit stereo WAV. */
    public static double[] stereoRms(byte[] wav) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(wav).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getShort(22)).as("channels").isEqualTo((short) 2);
        assertThat(b.getInt(24)).as("rate").isEqualTo(8000);
        double left = 0;
        double right = 0;
        int frames = (wav.length - 44) / 4;
        for (int i = 0; i < frames; i++) {
            double l = b.getShort(44 + 4 * i);
            double r = b.getShort(46 + 4 * i);
            left += l * l;
            right += r * r;
        }
        return new double[] {Math.sqrt(left / frames), Math.sqrt(right / frames)};
    }

    @Test
    void aScheduledCallWaitsForItsTime() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-busy.xml", TRUNK, 1)) {
            java.time.Instant at = java.time.Instant.now().plusSeconds(2).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\","
                            + "\"scheduled_at\":\"" + at + "\"}").send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            String id = r.json().at("/data/call_id").asText();
            sleep(1000);
            JsonNode early = get(id);
            assertThat(early.get("status").asText()).isEqualTo("queued");
            assertThat(java.time.Instant.parse(early.get("scheduled_at").asText())).isEqualTo(at);
            JsonNode c = awaitStatus(id, "busy");
            assertThat(java.time.Instant.parse(c.get("started_at").asText())).isAfterOrEqualTo(at.minusMillis(5));
            assertThat(trunk.awaitExit(10)).isZero();
        }
        for (String bad : List.of("tomorrow", "2026-12-01T09:30:00", java.time.Instant.now().plus(Duration.ofDays(40)).toString())) {
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\","
                            + "\"scheduled_at\":\"" + bad + "\"}").send();
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().at("/error/field").asText()).isEqualTo("scheduled_at");
        }
    }

    @Test
    void aWorkspaceNumberUsesItsOwnTrunkAndAnswersItsDigestChallenge() throws Exception {
        Http.Response added = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"number\":\"+14155550100\",\"trunk\":{\"host\":\"127.0.0.1\",\"port\":" + TRUNK
                        + ",\"username\":\"trunkuser\",\"password\":\"trunkpass\"}}").send();
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        assertThat(added.body()).doesNotContain("trunkpass");
        assertThat(added.json().at("/data/trunk/has_password").asBoolean()).isTrue();
        assertThat(added.json().at("/data/is_default").asBoolean()).as("the first number is the default").isTrue();
        String numberId = added.json().at("/data/phone_number_id").asText();
        assertThat(server.http.request("GET", "/v1/admin/phone-number").headers(server.auth()).send().body()).doesNotContain("trunkpass");
        assertThat(server.count("SELECT count(*) FROM phone_numbers WHERE position('trunkpass' in encode(password, 'escape')) > 0"))
                .as("stored encrypted").isZero();
        try {
            try (Sipp trunk = Sipp.uas("uas-auth-busy.xml", TRUNK, 1)) {
                JsonNode c = awaitStatus(call(), "busy");
                assertThat(c.get("sip_code").asInt()).as("486 means the trunk accepted our digest").isEqualTo(486);
                assertThat(trunk.awaitExit(10)).isZero();
            }
            server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM phone_numbers"));
            server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                    .json("{\"number\":\"+14155550100\",\"trunk\":{\"host\":\"127.0.0.1\",\"port\":" + TRUNK
                            + ",\"username\":\"trunkuser\",\"password\":\"wrong\"}}").send();
            try (Sipp trunk = Sipp.uas("uas-auth-busy.xml", TRUNK, 1)) {
                JsonNode c = awaitStatus(call(), "failed");
                assertThat(c.get("sip_code").asInt()).isEqualTo(403);
                assertThat(trunk.awaitExit(10)).isZero();
            }
        } finally {
            server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM phone_numbers"));
        }
        Http.Response bad = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"number\":\"12345\",\"trunk\":{\"host\":\"127.0.0.1\"}}").send();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(server.http.request("DELETE", "/v1/admin/phone-number/" + numberId).headers(server.auth()).send().status())
                .isEqualTo(404);
    }

    @Test
    void digitsThePersonPressesAreKeptOnTheCall() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-answer-dtmf.xml", TRUNK, 1)) {
            String id = call();
            // Stored as they come; hung up then rather than waiting out the greeting's no-input re-prompts.
            await(id, c -> c.get("dtmf").asText().equals("15"), "pressed 1 and 5");
            assertThat(hangup(id).status()).isEqualTo(200);
            JsonNode done = await(id, c -> c.get("status").asText().equals("completed"), "completed");
            assertThat(done.get("dtmf").asText()).isEqualTo("15");
            assertThat(trunk.awaitExit(10)).isZero();
        }
    }

    @Test
    void theCalleeHangingUpMidPromptEndsTheCall() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-answer-then-bye.xml", TRUNK, 1)) {
            String id = call();
            JsonNode done = await(id, c -> c.get("status").asText().equals("completed"), "completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("callee-ended");
            assertThat(Duration.between(java.time.Instant.parse(done.get("answered_at").asText()),
                    java.time.Instant.parse(done.get("ended_at").asText()))).as("before the prompt's end").isLessThan(Duration.ofSeconds(3));
            assertThat(trunk.awaitExit(10)).as("SIPp got 200 for its BYE").isZero();
        }
    }

    @Test
    void aTcpTrunkCarriesTheCall() throws Exception {
        int tcpTrunk = Sipp.freeUdpPort();
        Http.Response added = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"number\":\"+14155550101\",\"trunk\":{\"host\":\"127.0.0.1\",\"port\":" + tcpTrunk
                        + ",\"transport\":\"tcp\"}}").send();
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        try (Sipp trunk = Sipp.uas("uas-busy.xml", tcpTrunk, 1, false, true)) {
            JsonNode c = awaitStatus(call(), "busy");
            assertThat(c.get("sip_code").asInt()).isEqualTo(486);
            assertThat(trunk.awaitExit(10)).isZero();
        } finally {
            server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM phone_numbers"));
        }
    }

    @Test
    void earlyMediaBeforeTheAnswerIsRecorded() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-early-media.xml", TRUNK, 1)) {
            String id = call();
            awaitStatus(id, "in-progress");
            // The early audio is on record by now: hung up rather than waiting out the greeting's no-input re-prompts.
            assertThat(hangup(id).status()).isEqualTo(200);
            JsonNode done = await(id, c -> c.get("status").asText().equals("completed"), "completed");
            assertThat(done.get("history")).extracting(h -> h.get("status").asText())
                    .containsExactly("queued", "ringing", "in-progress", "completed");
            byte[] wav = recording(server, id);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(wav).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            double early = 0;
            int frames = Math.min((wav.length - 44) / 4, 8000 * 2); // the first two seconds: before the answer
            for (int i = 0; i < frames; i++) {
                double l = b.getShort(44 + 4 * i);
                early += l * l;
            }
            assertThat(Math.sqrt(early / frames)).as("the network's early audio is on the caller's side").isGreaterThan(100);
            assertThat(trunk.awaitExit(15)).isZero();
        }
    }

    @Test
    void aPhoneThatRingsAndAnswersAtOnceIsReportedRingingEveryTime() throws Exception {
        int n = 10;
        patchLimits(2, 10); // two RTP ports here
        try (Sipp trunk = Sipp.uas("uas-ring-and-answer-at-once.xml", TRUNK, n)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(call());
            }
            for (String id : ids) {
                JsonNode done = await(id, DialerTest::isFinal, "ended");
                assertThat(done.get("history")).as("history of %s", done).extracting(h -> h.get("status").asText())
                        .containsExactly("queued", "ringing", "in-progress", "completed");
            }
            assertThat(trunk.awaitExit(10)).isZero();
        }
    }

    @Test
    void aRingingThatArrivesAfterTheAnswerDoesNotSetTheCallBack() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-answer-late-ringing.xml", TRUNK, 1)) {
            String id = call();
            JsonNode up = awaitStatus(id, "in-progress");
            assertThat(up.get("started_at").isNull()).as("dialed calls have a start even without a 180").isFalse();
            sleep(300); // the stale 180 has been handled by now
            assertThat(hangup(id).status()).isEqualTo(200);
            JsonNode done = awaitStatus(id, "completed");
            assertThat(done.get("history")).extracting(h -> h.get("status").asText())
                    .containsExactly("queued", "in-progress", "completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("api-hangup");
            assertThat(trunk.awaitExit(10)).isZero();
        }
    }

    @Test
    void aDatabaseOutageAsTheCallEndsDoesNotLoseTheCallOrItsTranscript() throws Exception {
        // The callee hangs up a second after answering, while the database is unreachable for 7 s:
        // longer than the pool waits for a connection (5 s, then writes fail) and than this test
        // server's 3 s lease. The end and the cut greeting are retried, and stored once it is back.
        try (Sipp trunk = Sipp.uas("uas-answer-then-bye.xml", TRUNK, 1)) {
            String id = call();
            awaitStatus(id, "in-progress");
            TestPostgres.cutOff(server.databaseUrl);
            try {
                sleep(7000);
            } finally {
                TestPostgres.restore(server.databaseUrl);
            }
            JsonNode done = await(id, DialerTest::isFinal, "ended");
            assertThat(done.get("status").asText()).as("%s", done).isEqualTo("completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("callee-ended");
            assertThat(done.get("transcript").findValuesAsText("speaker")).as("the cut greeting").contains("assistant");
            assertThat(done.get("duration_seconds").asLong()).as("the callee hung up a second after the answer;"
                    + " the end was stored some 6 s later, with the time it happened").isBetween(0L, 3L);
            assertThat(trunk.awaitExit(10)).isZero();
        }
        assertThat(server.http.request("GET", "/metrics").send().body()).as("the line is given back")
                .contains("parley_calls_active 0.0");
    }

    @Test
    void aCallAnsweredWhileTheDatabaseIsDownIsRecordedAsAnsweredOnceItIsBack() throws Exception {
        // Issue 15: the answer's status move ran on the SIP thread and was lost with its webhook when
        // the database was restarting (and held that thread, every call's, for the pool's timeout).
        try (Sipp trunk = Sipp.uas("uas-ring-answer-then-bye.xml", TRUNK, 1)) {
            String id = call();
            awaitStatus(id, "ringing");
            TestPostgres.cutOff(server.databaseUrl);
            try {
                assertThat(trunk.awaitExit(15)).as("SIPp's call: answered, then hung up with a 200 to its BYE").isZero();
            } finally {
                TestPostgres.restore(server.databaseUrl);
            }
            JsonNode done = await(id, DialerTest::isFinal, "ended");
            assertThat(done.get("history")).extracting(h -> h.get("status").asText())
                    .containsExactly("queued", "ringing", "in-progress", "completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("callee-ended");
            assertThat(java.time.Instant.parse(done.get("answered_at").asText()))
                    .as("the answer's own time, not when the database came back")
                    .isBefore(java.time.Instant.parse(done.get("ended_at").asText()).minusMillis(500));
            assertThat(server.count("SELECT count(*) FROM webhook_events WHERE type = 'call.answered' AND call_id = '" + id + "'"))
                    .isEqualTo(1);
        }
    }

    @Test
    void aCallLongerThanTheAssistantsMaximumIsHungUpAsMaxDuration() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-answer.xml", TRUNK, 1)) {
            String id = callWith("{\"name\":\"brief\",\"config\":{\"max_duration_seconds\":2}}");
            JsonNode done = await(id, c -> c.get("status").asText().equals("completed"), "completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("max-duration");
            assertThat(done.get("duration_seconds").asLong()).isBetween(1L, 3L);
            assertThat(trunk.awaitExit(10)).isZero();
        }
    }

    @Test
    void busyAndServiceUnavailableEndTheCallWithTheSipCode() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-busy.xml", TRUNK, 1)) {
            JsonNode c = awaitStatus(call(), "busy");
            assertThat(c.get("sip_code").asInt()).isEqualTo(486);
            assertThat(c.get("ended_reason").asText()).isEqualTo("busy");
            assertThat(trunk.awaitExit(10)).isZero();
        }
        try (Sipp trunk = Sipp.uas("uas-503.xml", TRUNK, 1)) {
            JsonNode c = awaitStatus(call(), "failed");
            assertThat(c.get("sip_code").asInt()).isEqualTo(503);
            assertThat(c.get("ended_reason").asText()).isEqualTo("carrier-error");
            assertThat(trunk.awaitExit(10)).isZero();
        }
    }

    @Test
    void aCallNobodyAnswersEndsAsNoAnswerAfterTheRingTimeout() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-ring-forever.xml", TRUNK, 1)) {
            String id = call();
            awaitStatus(id, "ringing");
            JsonNode c = await(id, x -> x.get("status").asText().equals("no-answer"), "no-answer");
            assertThat(c.get("ended_reason").asText()).isEqualTo("no-answer");
            assertThat(c.get("sip_code").asInt()).isEqualTo(487);
            assertThat(trunk.awaitExit(10)).isZero();
        }
    }

    @Test
    void theConcurrencyLimitHoldsCallsQueuedAndHangupWorksInEachState() throws Exception {
        patchLimits(2, 10);
        try (Sipp trunk = Sipp.uas("uas-ring-forever.xml", TRUNK, 5)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(call());
            }
            int ended = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (ended < 5 && System.nanoTime() < deadline) {
                List<JsonNode> calls = ids.stream().map(DialerTest::get).toList();
                long live = calls.stream().filter(c -> c.get("started_at").isNull() == false && !isFinal(c)).count();
                assertThat(live).as("calls on the wire at once").isLessThanOrEqualTo(2);
                for (JsonNode c : calls) {
                    if (c.get("status").asText().equals("ringing")) {
                        hangup(c.get("call_id").asText());
                    }
                }
                ended = (int) calls.stream().filter(DialerTest::isFinal).count();
                sleep(100);
            }
            for (String id : ids) {
                JsonNode c = get(id);
                assertThat(c.get("status").asText()).isEqualTo("canceled");
                assertThat(c.get("ended_reason").asText()).isEqualTo("canceled");
            }
            assertThat(trunk.awaitExit(10)).as("all five calls reached the trunk once").isZero();
        }
    }

    @Test
    void withEveryRtpPortInUseACallEndsAsCapacity() {
        try (Sipp trunk = Sipp.uas("uas-ring-forever.xml", TRUNK, 2)) {
            String first = call();
            String second = call();
            awaitStatus(first, "ringing");
            awaitStatus(second, "ringing");
            JsonNode third = awaitStatus(call(), "failed");
            assertThat(third.get("ended_reason").asText()).isEqualTo("capacity");
            hangup(first);
            hangup(second);
            awaitStatus(first, "canceled");
            awaitStatus(second, "canceled");
        }
    }

    @Test
    void aQueuedCallCanceledBeforeDialingNeverReachesTheTrunk() {
        patchLimits(1, 10);
        try (Sipp trunk = Sipp.uas("uas-ring-forever.xml", TRUNK, 1)) {
            String first = call();
            awaitStatus(first, "ringing");
            String second = call();
            Http.Response r = hangup(second);
            assertThat(r.json().at("/data/hangup").asText()).isEqualTo("canceled");
            JsonNode c = get(second);
            assertThat(c.get("status").asText()).isEqualTo("canceled");
            assertThat(c.get("started_at").isNull()).as("never dialed").isTrue();
            hangup(first);
            awaitStatus(first, "canceled");
        }
    }

    @Test
    void aLeaseLeftByADeadNodeIsTakenOverOnceAndALiveCallOfItEndsAsNodeLost() throws Exception {
        patchLimits(10, 10);
        // A job a dead node claimed but never dialed: taken over when its lease ends, dialed once.
        try (Sipp trunk = Sipp.uas("uas-busy.xml", TRUNK, 1)) {
            holdDialerBack();
            String id = call();
            server.app.database().jdbi().useHandle(h -> {
                h.execute("UPDATE dial_jobs SET leased_by = 'dead-node', lease_until = now() + interval '2 seconds', claimed_at = now() WHERE call_id = ?", id);
                h.execute("UPDATE workspaces SET max_concurrent_calls = 10");
            });
            sleep(1000);
            assertThat(get(id).get("status").asText()).as("not taken while the lease lives").isEqualTo("queued");
            JsonNode c = awaitStatus(id, "busy");
            assertThat(c.get("sip_code").asInt()).isEqualTo(486);
            assertThat(trunk.awaitExit(10)).isZero();
        }
        // A call that was on the wire on a node that died: it cannot be re-dialed, it ends node-lost.
        holdDialerBack();
        String lost = call();
        server.app.database().jdbi().useHandle(h -> {
            h.execute("UPDATE calls SET status = 'ringing', started_at = now() WHERE id = ?", lost);
            h.execute("UPDATE dial_jobs SET leased_by = 'dead-node', dialed_at = now(), lease_until = now() - interval '1 second' WHERE call_id = ?", lost);
            h.execute("UPDATE workspaces SET max_concurrent_calls = 10");
        });
        JsonNode c = awaitStatus(lost, "failed");
        assertThat(c.get("ended_reason").asText()).isEqualTo("node-lost");
    }

    /** A limit of zero keeps new calls queued, so the test can set up their jobs first. */
    static void holdDialerBack() {
        server.app.database().jdbi().useHandle(h -> h.execute("UPDATE workspaces SET max_concurrent_calls = 0"));
    }

    static boolean isFinal(JsonNode c) {
        return List.of("completed", "busy", "no-answer", "failed", "canceled").contains(c.get("status").asText());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
