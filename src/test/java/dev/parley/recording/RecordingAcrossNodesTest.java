package dev.parley.recording;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Sipp;
import dev.parley.support.TestPostgres;
import dev.parley.support.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes on one database, as in a multi-node deployment: node A places a call to a SIPp trunk
 * that answers and echoes the audio, and node B, which has no dialer and its own data dir, serves
 * the call's recording once it ended.
 */
@Tag("sip")
class RecordingAcrossNodesTest {
    static final int TRUNK = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer a = TestServer.perClass(Map.of(ConfigLoader.SIP_TRUNK, "127.0.0.1:" + TRUNK,
            ConfigLoader.DIALER_ENABLED, "true", ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "5"));
    static TestServer b;

    @BeforeAll
    static void secondNode() {
        Sipp.require();
        a.callAtAnyHour(); // a SIP trunk reaches real people: calling hours apply unless turned off
        b = TestServer.onDatabase(a.databaseUrl, Map.of());
    }

    @AfterAll
    static void stopSecondNode() {
        if (b != null) {
            b.close();
        }
    }

    @Test
    void aRecordingWrittenByOneNodeIsServedByAnother() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-answer.xml", TRUNK, 1, true)) {
            String announcer = a.createAssistant("""
                    {"name": "announcer", "config": {"flow": {"steps": [{"id": "only", "end": {
                      "say": "This is Parley, calling to test your line. Thank you, and goodbye."}}]}}}""")
                    .json().at("/data/assistant_id").asText();
            var created = a.http.request("POST", "/v1/admin/assistant/call").headers(a.auth())
                    .json("{\"assistant_id\":\"" + announcer + "\",\"to_number\":\"+14155550123\"}").send();
            assertThat(created.status()).as(created.body()).isEqualTo(200);
            String id = created.json().at("/data/call_id").asText();
            JsonNode done = DialerTest.await(a, id, c -> c.get("status").asText().equals("completed"), "completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("assistant-ended");
            assertThat(trunk.awaitExit(10)).isZero();

            HttpResponse<byte[]> wav = recordingFromB(id);
            assertThat(wav.statusCode()).as("node B serves node A's recording").isEqualTo(200);
            assertThat(wav.headers().firstValue("Content-Type")).hasValue("audio/wav");
            assertThat(wav.headers().firstValueAsLong("Content-Length")).hasValue(wav.body().length);
            byte[] body = wav.body();
            assertThat(new String(body, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
            assertThat(new String(body, 8, 4, StandardCharsets.US_ASCII)).isEqualTo("WAVE");
            assertThat(ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getShort(34)).as("bits per sample").isEqualTo((short) 16);
            double[] rms = DialerTest.stereoRms(body); // also checks 2 channels at 8000 Hz
            assertThat((body.length - 44) / 4 / 8000.0).as("seconds: the line is about four").isBetween(2.5, 8.0);
            assertThat(rms[1]).as("Parley's side carries the assistant's line").isGreaterThan(500);
            assertThat(rms[0]).as("the caller's side carries SIPp's echo").isGreaterThan(500);
            assertThat(b.count("SELECT size_bytes FROM call_recordings WHERE call_id = '" + id + "'"))
                    .as("stored in the shared database").isEqualTo(body.length);
        }
        // A call that is never dialed has no recording. The workspace's limit of 0 keeps node A from
        // dialing it: the queue is shared, and it would otherwise ring the next test's SIPp.
        long limit = a.count("SELECT max_concurrent_calls FROM workspaces");
        a.app.database().jdbi().useHandle(h -> h.execute("UPDATE workspaces SET max_concurrent_calls = 0"));
        try {
            String queued = b.createCall("+14155550199").json().at("/data/call_id").asText();
            var missing = b.http.request("GET", "/v1/admin/assistant/call/" + queued + "/recording").headers(b.auth()).send();
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().at("/error/code").asText()).isEqualTo("recording_not_found");
            assertThat(b.http.request("POST", "/v1/admin/assistant/call/" + queued + "/hangup").headers(b.auth()).send()
                    .json().at("/data/hangup").asText()).isEqualTo("canceled");
        } finally {
            a.app.database().jdbi().useHandle(h -> h.execute("UPDATE workspaces SET max_concurrent_calls = ?", limit));
        }
    }

    @Test
    void aDatabaseOutageAsTheCallEndsDoesNotLoseTheRecording() throws Exception {
        // The callee hangs up a second after the answer while the database is away for 7 s, longer
        // than the pool waits for a connection (5 s): the put keeps trying and lands once the
        // database is back, before the call's final status is written.
        try (Sipp trunk = Sipp.uas("uas-answer-then-bye.xml", TRUNK, 1)) {
            var created = a.createCall("+14155550123");
            String id = created.json().at("/data/call_id").asText();
            DialerTest.await(a, id, c -> c.get("status").asText().equals("in-progress"), "in-progress");
            TestPostgres.cutOff(a.databaseUrl);
            try {
                Thread.sleep(7000);
            } finally {
                TestPostgres.restore(a.databaseUrl);
            }
            DialerTest.await(a, id, c -> c.get("status").asText().equals("completed"), "completed");
            assertThat(trunk.awaitExit(10)).isZero();
            HttpResponse<byte[]> wav = recordingFromB(id);
            assertThat(wav.statusCode()).as("stored before the final status").isEqualTo(200);
            assertThat((wav.body().length - 44) / 4 / 8000.0).as("seconds from the answer to the BYE").isBetween(0.5, 3.0);
            assertThat(DialerTest.stereoRms(wav.body())[1]).as("the greeting's start is on it").isGreaterThan(100);
        }
    }

    static HttpResponse<byte[]> recordingFromB(String id) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + b.app.port() + "/v1/admin/assistant/call/" + id + "/recording"))
                .header("workspace", b.tenancy.workspaceId()).header("organization", b.tenancy.organizationId())
                .header("Authorization", "Bearer " + b.tenancy.apiKey().orElseThrow()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
