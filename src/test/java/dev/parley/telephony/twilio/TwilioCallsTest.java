package dev.parley.telephony.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.support.FakeMediaStreams;
import dev.parley.support.FakeTwilio;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Calls from a Twilio number, end to end through the API: Parley's Twilio provider (the official
 * SDK) against {@link FakeTwilio} on loopback, which answers as Twilio's REST API and sends signed
 * status callbacks; the media stage is {@link FakeMediaStreams}, connected with the token the fake
 * finds in the call's TwiML.
 */
@Tag("provider")
class TwilioCallsTest {
    static final String SID = "AC" + "1234567890abcdef".repeat(2);
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    static final String FROM = "+14155550100";
    static final FakeTwilio twilio = fake();
    static final FakeMediaStreams streams = new FakeMediaStreams();
    static final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.PUBLIC_URL, "https://parley.example.test",
            ConfigLoader.TWILIO_API_URL, twilio.url(),
            ConfigLoader.TWILIO_API_TIMEOUT_MS, "1000",
            ConfigLoader.TWILIO_RECONCILE_MS, "1000",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "20"), streams);

    private static FakeTwilio fake() {
        try {
            return new FakeTwilio(SID, TOKEN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void numberAndLog() {
        log.start();
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(log);
        ((Logger) LoggerFactory.getLogger("dev.parley")).setLevel(Level.DEBUG);
        twilio.deliverTo(server.app.port());
        Http.Response added = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"provider\":\"twilio\",\"number\":\"" + FROM + "\",\"account_sid\":\"" + SID + "\",\"auth_token\":\"" + TOKEN + "\"}")
                .send();
        assertThat(added.status()).as(added.body()).isEqualTo(200);
    }

    @AfterAll
    static void secretsNeverLogged() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(log);
        ((Logger) LoggerFactory.getLogger("dev.parley")).setLevel(null);
        twilio.close();
        assertThat(log.list).isNotEmpty();
        assertThat(log.list).noneMatch(e -> (e.getFormattedMessage() + e.getThrowableProxy()).contains(TOKEN));
    }

    private String call(String to) {
        return call(to, server.tenancy.assistantId());
    }

    private String call(String to, String assistantId) {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + assistantId + "\",\"to_number\":\"" + to + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    private JsonNode await(String id, Predicate<JsonNode> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        JsonNode c = null;
        while (System.nanoTime() < deadline) {
            Http.Response r = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send();
            assertThat(r.body()).doesNotContain(TOKEN);
            c = r.json().get("data");
            if (done.test(c)) {
                return c;
            }
            Thread.sleep(50); // polling the API with a bound: the call's outcome comes over the network
        }
        throw new AssertionError("call " + id + " never became " + what + "; last seen: " + c);
    }

    private JsonNode awaitStatus(String id, String status) throws InterruptedException {
        return await(id, c -> c.get("status").asText().equals(status), status);
    }

    private static void answer(FakeTwilio.Created c) throws Exception {
        c.callback("initiated", Map.of());
        c.callback("ringing", Map.of());
        c.callback("in-progress", Map.of());
        assertThat(streams.connect(c.twimlToken())).as("the TwiML carries the token the stream expects").isTrue();
    }

    private FakeTwilio.Created createdFor(String to) {
        return twilio.created.stream().filter(c -> c.params.get("To").equals(to)).findFirst().orElseThrow();
    }

    @Test
    void busyFromCallbacksKeepsTwiliosCodeAndTheCreateAsksForEverything() throws Exception {
        twilio.script("+14155550002", c -> {
            c.callback("initiated", Map.of());
            c.callback("ringing", Map.of());
            c.callback("busy", Map.of("SipResponseCode", "486"));
        });
        String id = call("+14155550002");
        JsonNode c = awaitStatus(id, "busy");
        assertThat(c.get("ended_reason").asText()).isEqualTo("busy");
        assertThat(c.get("sip_code").asInt()).isEqualTo(486);
        assertThat(c.get("carrier_code").asText()).isEqualTo("486");
        assertThat(c.toString()).contains("\"ringing\"");
        Map<String, String> p = createdFor("+14155550002").params;
        assertThat(p.get("From")).isEqualTo(FROM);
        assertThat(p.get("StatusCallback")).isEqualTo("https://parley.example.test/v1/carriers/twilio/calls/" + id + "/status");
        assertThat(p.get("StatusCallbackEvent").split(",")).containsExactlyInAnyOrder("initiated", "ringing", "answered", "completed");
        assertThat(p.get("Timeout")).isEqualTo("20");
        assertThat(p.get("TimeLimit")).as("600 s of the default assistant, and a margin").isEqualTo("610");
        assertThat(p.get("Twiml")).contains("<Connect><Stream url=\"wss://parley.example.test/");
        assertThat(p).doesNotContainKey("MachineDetection");
        assertThat(streams.signingKeys.get(id)).as("the stream is verified with the number's auth token").isEqualTo(TOKEN);
        assertThat(twilio.callbackStatuses).containsOnly(200);
        assertThat(twilio.refusedAuth).isEmpty();
    }

    @Test
    void noAnswerFromCallbacks() throws Exception {
        twilio.script("+14155550003", c -> {
            c.callback("ringing", Map.of());
            c.callback("no-answer", Map.of());
            c.callback("no-answer", Map.of()); // twice, as Twilio may
        });
        JsonNode c = awaitStatus(call("+14155550003"), "no-answer");
        assertThat(c.get("ended_reason").asText()).isEqualTo("no-answer");
    }

    @Test
    void hangUpThroughTheApiReachesTwilioAsARestUpdate() throws Exception {
        twilio.script("+14155550004", TwilioCallsTest::answer);
        String id = call("+14155550004");
        awaitStatus(id, "in-progress");
        await(id, x -> streams.framesSent.get() > 0, "sending audio");
        Http.Response h = server.http.request("POST", "/v1/admin/assistant/call/" + id + "/hangup").headers(server.auth()).send();
        assertThat(h.status()).as(h.body()).isEqualTo(200);
        assertThat(createdFor("+14155550004").awaitUpdate(10_000)).isEqualTo("completed");
        JsonNode c = awaitStatus(id, "completed");
        assertThat(c.get("ended_reason").asText()).isEqualTo("api-hangup");
    }

    @Test
    void maxDurationHangsUpAtTwilio() throws Exception {
        Http.Response a = server.createAssistant("{\"name\":\"short\",\"config\":{\"max_duration_seconds\":1}}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        twilio.script("+14155550005", TwilioCallsTest::answer);
        String id = call("+14155550005", a.json().at("/data/id").asText(a.json().at("/data/assistant_id").asText()));
        JsonNode c = awaitStatus(id, "completed");
        assertThat(c.get("ended_reason").asText()).isEqualTo("max-duration");
        assertThat(createdFor("+14155550005").params.get("TimeLimit")).isEqualTo("11");
        assertThat(createdFor("+14155550005").updates).extracting(u -> u.get("Status")).containsExactly("completed");
    }

    @Test
    void forgedOrUnsignedCallbacksAreRefused() throws Exception {
        twilio.script("+14155550006", c -> c.callback("ringing", Map.of()));
        String id = call("+14155550006");
        awaitStatus(id, "ringing");
        String url = "https://parley.example.test/v1/carriers/twilio/calls/" + id + "/status";
        Map<String, String> params = Map.of("CallSid", createdFor("+14155550006").sid, "CallStatus", "completed", "AccountSid", SID);
        String body = "CallSid=" + params.get("CallSid") + "&CallStatus=completed&AccountSid=" + SID;
        for (String signature : new String[] {null, TwilioSignature.sign("ffffffffffffffffffffffffffffffff", url, params),
                TwilioSignature.sign(TOKEN, url + "x", params)}) {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.app.port()
                            + "/v1/carriers/twilio/calls/" + id + "/status"))
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body));
            if (signature != null) {
                r.header("X-Twilio-Signature", signature);
            }
            HttpResponse<String> res = HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(403);
            assertThat(res.body()).contains("\"success\":false").contains("twilio_signature_invalid");
        }
        Http.Response still = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send();
        assertThat(still.json().at("/data/status").asText()).isEqualTo("ringing");
        server.http.request("POST", "/v1/admin/assistant/call/" + id + "/hangup").headers(server.auth()).send();
        assertThat(createdFor("+14155550006").awaitUpdate(10_000)).isEqualTo("canceled");
        assertThat(awaitStatus(id, "canceled").get("ended_reason").asText()).isEqualTo("canceled");
    }

    @Test
    void aCreateThatTimesOutYieldsExactlyOneCall() throws Exception {
        twilio.script("+14155550007", c -> {
            c.callback("ringing", Map.of());
            c.callback("busy", Map.of("SipResponseCode", "486"));
        });
        twilio.createDelayMillis = 2_500; // the client gives up after 1 s
        try {
            String id = call("+14155550007");
            JsonNode c = awaitStatus(id, "busy");
            assertThat(c.get("ended_reason").asText()).isEqualTo("busy");
            assertThat(twilio.created).filteredOn(x -> x.params.get("To").equals("+14155550007")).hasSize(1);
        } finally {
            twilio.createDelayMillis = 0;
        }
    }

    @Test
    void aCallWhoseCallbacksStopIsReconciledByFetchingIt() throws Exception {
        twilio.script("+14155550008", c -> {
            assertThat(streams.connect(c.twimlToken())).isTrue(); // answered; no callback ever arrives
            c.status = "completed"; // the callee hung up; Twilio's callback is lost
        });
        String id = call("+14155550008");
        JsonNode c = awaitStatus(id, "completed");
        assertThat(c.get("ended_reason").asText()).isEqualTo("callee-ended");
    }

    @Test
    void aTelnyxNumberEndsCarrierErrorUntilItsProviderLands() throws Exception {
        Http.Response added = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"provider\":\"telnyx\",\"number\":\"+14155550199\",\"api_key\":\"KEY0190ABCDEF_abcdefgh\","
                        + "\"connection_id\":\"123\",\"public_key\":\"Zm9yIGEgdGVzdDogMzIgYnl0ZXMgb2YgYSBrZXkhISE=\"}").send();
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550009\",\"from_number\":\"+14155550199\"}")
                .send();
        JsonNode c = awaitStatus(r.json().at("/data/call_id").asText(), "failed");
        assertThat(c.get("ended_reason").asText()).isEqualTo("carrier-error");
        assertThat(c.toString()).contains("Telnyx");
        assertThat(twilio.created).noneMatch(x -> x.params.get("To").equals("+14155550009"));
    }
}
