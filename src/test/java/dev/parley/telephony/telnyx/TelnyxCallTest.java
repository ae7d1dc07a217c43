package dev.parley.telephony.telnyx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.support.FakeTelnyx;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Calls through a Telnyx number, driven by real create-call requests against the running server:
 * the dial reaches a fake Call Control API, the fake's signed webhooks reach the real route, and the
 * call's status and ended reason are what {@code GET} shows. Forged webhooks are refused there.
 */
@Tag("provider")
class TelnyxCallTest {
    private static final String API_KEY = "KEY0190ABCDEF_s3cr3tTelnyxPart";
    private static final String FROM = "+14155550100";
    private static FakeTelnyx telnyx;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        telnyx = new FakeTelnyx(API_KEY);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = TestServer.start(Map.of(ConfigLoader.HTTP_PORT, Integer.toString(port),
                ConfigLoader.PUBLIC_URL, "http://127.0.0.1:" + port,
                ConfigLoader.TELNYX_API_URL, telnyx.url().toString(),
                ConfigLoader.DIALER_ENABLED, "true", ConfigLoader.SPEECH_RECOGNIZERS, "1"));
        Http.Response r = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"provider\":\"telnyx\",\"number\":\"" + FROM + "\",\"default\":true,\"api_key\":\"" + API_KEY
                        + "\",\"connection_id\":\"1684641123236054244\",\"public_key\":\"" + telnyx.publicKey() + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).doesNotContain(API_KEY);
    }

    @AfterAll
    static void stop() {
        server.close();
        telnyx.close();
    }

    @Test
    void busyFromTheHangupWebhookEndsTheCallBusyWithTelnyxsCauseKept() throws Exception {
        Placed p = place();
        assertThat(p.call.dial.path("from").asText()).isEqualTo(FROM);
        assertThat(p.call.dial.path("webhook_url").asText()).endsWith("/v1/carriers/telnyx/calls/" + p.callId + "/events");
        assertThat(p.call.dial.path("stream_url").asText()).contains("/v1/carriers/telnyx/stream/" + p.callId).contains("token=");
        assertThat(telnyx.send(p.call, "call.initiated", Map.of("state", "bridging"))).isEqualTo(200);
        awaitStatus(p.callId, "ringing");
        assertThat(telnyx.hangup(p.call, "user_busy", "486")).isEqualTo(200);
        JsonNode call = awaitStatus(p.callId, "busy");
        assertThat(call.path("ended_reason").asText()).isEqualTo("busy");
        assertThat(call.path("sip_code").asInt()).isEqualTo(486);
        assertThat(carrierColumns(p.callId)).isEqualTo(p.call.callControlId + " user_busy");
        assertThat(server.http.request("GET", "/v1/admin/assistant/call/" + p.callId).headers(server.auth()).send().body())
                .doesNotContain(API_KEY);
    }

    @Test
    void ringingOutIsNoAnswer() throws Exception {
        Placed p = place();
        telnyx.send(p.call, "call.initiated", Map.of());
        telnyx.hangup(p.call, "timeout", "487");
        assertThat(awaitStatus(p.callId, "no-answer").path("ended_reason").asText()).isEqualTo("no-answer");
    }

    @Test
    void anApiHangUpWhileItRingsGoesToTelnyxAndTheCallIsCanceled() throws Exception {
        Placed p = place();
        telnyx.send(p.call, "call.initiated", Map.of());
        awaitStatus(p.callId, "ringing");
        assertThat(server.http.request("POST", "/v1/admin/assistant/call/" + p.callId + "/hangup").headers(server.auth())
                .send().status()).isEqualTo(200);
        JsonNode call = awaitStatus(p.callId, "canceled");
        assertThat(call.path("ended_reason").asText()).isEqualTo("canceled");
        assertThat(p.call.hangups()).isEqualTo(1);
    }

    @Test
    void forgedUnsignedAndReplayedWebhooksGet403WithTheEnvelopeAndChangeNothing() throws Exception {
        Placed p = place();
        String url = p.call.webhookUrl();
        String body = telnyx.event(p.call, "call.hangup", Map.of("hangup_cause", "user_busy"), "evt-x");
        String now = Long.toString(Instant.now().getEpochSecond());
        var unsigned = telnyx.post(url, body, null, null);
        assertThat(unsigned.statusCode()).isEqualTo(403);
        assertThat(unsigned.body()).contains("\"success\":false").contains("webhook_unsigned");
        var forged = telnyx.post(url, body, now, telnyx.sign(now, body.replace("user_busy", "normal_clearing")));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("webhook_signature_invalid").contains("public_key");
        String old = Long.toString(Instant.now().minus(Duration.ofMinutes(10)).getEpochSecond());
        var replayed = telnyx.post(url, body, old, telnyx.sign(old, body));
        assertThat(replayed.statusCode()).isEqualTo(403);
        assertThat(replayed.body()).contains("webhook_timestamp_too_old");
        var unknown = telnyx.post(url.replace(p.callId, "c_000000000000000000000000"), body, now, telnyx.sign(now, body));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(status(p.callId).path("status").asText()).isEqualTo("queued".equals(status(p.callId).path("status").asText())
                ? "queued" : "ringing").isNotEqualTo("busy");
        telnyx.hangup(p.call, "user_busy", "486"); // the real one still counts
        awaitStatus(p.callId, "busy");
    }

    private record Placed(String callId, FakeTelnyx.Call call) {}

    private Placed place() throws Exception {
        int before = telnyx.calls.size();
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\",\"from_number\":\""
                        + FROM + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String callId = r.json().at("/data/call_id").asText();
        return new Placed(callId, telnyx.awaitCall(before, Duration.ofSeconds(10)));
    }

    private JsonNode status(String callId) {
        return server.http.request("GET", "/v1/admin/assistant/call/" + callId).headers(server.auth()).send().json().path("data");
    }

    private JsonNode awaitStatus(String callId, String status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode call = status(callId);
        while (!call.path("status").asText().equals(status)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("call " + callId + " is " + call.path("status").asText() + ", not " + status);
            }
            Thread.sleep(20);
            call = status(callId);
        }
        return call;
    }

    private String carrierColumns(String callId) {
        return server.app.database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT carrier_call_id || ' ' || carrier_code FROM calls WHERE id = :id AND carrier = 'telnyx'")
                .bind("id", callId).mapTo(String.class).one());
    }
}
