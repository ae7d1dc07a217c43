package dev.parley.telephony.web;

import static dev.parley.support.Transcripts.said;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Await;
import dev.parley.support.FakeBrowser;
import dev.parley.support.Http;
import dev.parley.support.SpokenAudio;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.parley.support.CapturedLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A test call from the browser, end to end over a real WebSocket: the API creates a web call, the
 * test joins it as the dashboard's page does ({@link FakeBrowser}: 20 ms binary PCM frames in real
 * time), hears the offline assistant's greeting, says an espeak-ng "yes", and the built-in yes/no
 * flow answers and hangs up. The call is an ordinary one: transcript, stereo recording, webhooks.
 * Then what must not join: a wrong token, a phone call's id, a second browser, a call that is over,
 * and a call nobody joins, which ends {@code no-answer} when its token expires.
 */
@Tag("speech")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebCallTest {
    static final int JOIN_SECONDS = 4;
    static final WebhookReceiver webhooks = new WebhookReceiver();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.WEBCALL_JOIN_SECONDS, Integer.toString(JOIN_SECONDS),
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1"));

    static final String LONG_LINE = "Hello, this is a long message from Parley about your appointment tomorrow, with many details"
            + " that take a while to read out, so you may interrupt me at any time. Do you want to keep it?";
    static String assistant;
    static final List<FakeBrowser> browsers = new ArrayList<>();
    static final List<String> tokens = new java.util.concurrent.CopyOnWriteArrayList<>();
    static CapturedLog log;

    @BeforeAll
    static void anAssistantThatSaysLittle() {
        log = CapturedLog.everything();
        ((Logger) LoggerFactory.getLogger("dev.parley")).setLevel(Level.DEBUG);
        Http.Response w = server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                .json("{\"webhook_url\":\"" + webhooks.url() + "\"}").send();
        assertThat(w.status()).as(w.body()).isEqualTo(200);
        Http.Response r = server.createAssistant("{\"name\":\"web\",\"config\":{\"first_message\":\"Can you hear me?\","
                + "\"end_message\":\"Goodbye.\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assistant = r.json().at("/data/assistant_id").asText();
    }

    @AfterEach
    void everyEndedCallEndedOnce() {
        DialerTest.assertEveryEndedCallEndedOnce(server);
    }

    @AfterAll
    static void closeBrowsersAndNoTokenWasLogged() {
        browsers.forEach(FakeBrowser::close);
        webhooks.close();
        log.close();
        ((Logger) LoggerFactory.getLogger("dev.parley")).setLevel(null);
        assertThat(log.contains("refused")).as("the refusals were logged").isTrue();
        assertThat(tokens).isNotEmpty();
        for (String token : tokens) {
            assertThat(log.contains(token)).isFalse();
            assertThat(webhooks.received()).noneMatch(r -> new String(r.body()).contains(token));
        }
    }

    /** Last: the others need no recognizer and run while the node makes it. */
    @Test
    @Order(4)
    void aBrowserTalksToTheAssistantAndTheCallIsAnOrdinaryOne() throws Exception {
        server.awaitSpeechEngines();
        JsonNode created = webCall("{\"assistant_id\":\"" + assistant + "\",\"metadata\":{\"from\":\"test\"}}", null);
        String id = created.get("call_id").asText();
        assertThat(created.get("channel").asText()).isEqualTo("web");
        assertThat(created.get("websocket_url").asText()).isEqualTo("ws://127.0.0.1:" + server.app.port() + "/v1/web-calls/" + id + "/stream");
        assertThat(created.get("token").asText()).matches("[A-Za-z0-9_-]{43}");
        assertThat(Instant.parse(created.get("expires_at").asText()))
                .isBetween(Instant.now().plusSeconds(JOIN_SECONDS - 2), Instant.now().plusSeconds(JOIN_SECONDS + 1));

        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long wallBefore = System.nanoTime();
        FakeBrowser browser = join(created, created.get("token").asText());
        browser.say(SpokenAudio.of().silence(Duration.ofMillis(1800)).say("yes").pcm()).run();
        Await.until("the call answers the browser", Duration.ofSeconds(5), browser::started);
        Await.until("the greeting is heard", Duration.ofSeconds(3), () -> browser.firstAudioMs() >= 0);
        System.out.println("web call: socket opened to the greeting's first audible frame played: " + browser.firstAudioMs() + " ms");

        FakeBrowser second = join(created, created.get("token").asText());
        assertThat(second.closeCode(Duration.ofSeconds(5))).as("a second browser with the same token").isEqualTo(1008);
        assertThat(second.closeReason()).isEqualTo("the call already has a browser");

        JsonNode done = await(id, c -> !c.get("ended_at").isNull(), "ended");
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("ended_reason").asText()).isEqualTo("assistant-ended");
        assertThat(done.get("channel").asText()).isEqualTo("web");
        assertThat(done.has("to_number")).as("a web call has no to_number at all").isFalse();
        assertThat(done.toString()).as("the token is shown once, at creation").doesNotContain(created.get("token").asText());
        assertThat(said(done, "caller")).containsExactly("yes");
        assertThat(said(done, "assistant")).containsExactly("Can you hear me?", "Great, thank you.", "Goodbye.");
        assertThat(done.get("history").findValuesAsText("reason")).contains("waiting for the browser to join", "answered");
        assertThat(browser.closeCode(Duration.ofSeconds(5))).as("the assistant's hang-up closes the socket").isEqualTo(1000);
        // An upper bound: this JVM also runs the fake browser, the test's polling and the node's idle work.
        System.out.printf("web call: %.1f%% of a core over the call (process CPU / wall time, browser and test included)%n",
                100.0 * (os.getProcessCpuTime() - cpuBefore) / (System.nanoTime() - wallBefore));
        assertThat(browser.messages("transcript")).as("the live transcript").extracting(m -> m.get("text").asText())
                .contains("Can you hear me?", "yes");
        assertThat(browser.audibleFramesHeard() * 20).as("ms of Parley's lines the browser played").isGreaterThan(1500);
        double[] rms = DialerTest.stereoRms(DialerTest.recording(server, id));
        assertThat(rms[0]).as("the browser's speech on the recording's left").isGreaterThan(100);
        assertThat(rms[1]).as("Parley's lines on its right").isGreaterThan(100);

        webhooks.awaitEvent("call.report", Duration.ofSeconds(10));
        List<JsonNode> ended = events(id, "call.ended");
        assertThat(ended).hasSize(1);
        assertThat(ended.getFirst().at("/data/channel").asText()).isEqualTo("web");
        assertThat(ended.getFirst().get("data").has("to_number")).isFalse();
        assertThat(events(id, "call.queued")).singleElement().satisfies(q -> {
            assertThat(q.at("/data/channel").asText()).isEqualTo("web");
            assertThat(q.get("data").has("to_number")).isFalse();
        });

        FakeBrowser late = join(created, created.get("token").asText());
        assertThat(late.closeCode(Duration.ofSeconds(5))).as("the token once the call is over").isEqualTo(1008);
        assertThat(late.closeReason()).isEqualTo("the call is over");

        JsonNode webOnly = server.http.request("GET", "/v1/admin/assistant/calls?channel=web").headers(server.auth()).send().json();
        assertThat(webOnly.at("/data/items").findValuesAsText("channel")).isNotEmpty().containsOnly("web");
        assertThat(server.http.request("GET", "/v1/admin/assistant/calls?channel=fax").headers(server.auth()).send().status())
                .isEqualTo(400);
    }

    @Test
    @Order(2)
    void whatMustNotJoinIsRefusedAndChangesNothing() throws Exception {
        JsonNode created = webCall("{\"assistant_id\":\"" + assistant + "\"}", null);
        String id = created.get("call_id").asText();
        FakeBrowser wrong = join(created, "A".repeat(43));
        assertThat(wrong.closeCode(Duration.ofSeconds(5))).isEqualTo(1008);
        assertThat(wrong.closeReason()).isEqualTo("no web call has this id and token");
        FakeBrowser none = join(created, null);
        assertThat(none.closeCode(Duration.ofSeconds(5))).isEqualTo(1008);
        FakeBrowser mulaw = FakeBrowser.connect(URI.create(created.get("websocket_url").asText()), created.get("token").asText(),
                "audio/x-mulaw");
        browsers.add(mulaw);
        assertThat(mulaw.closeCode(Duration.ofSeconds(5))).as("audio other than pcm16 at 8 kHz").isEqualTo(1003);

        Http.Response phone = server.createCall("+14155550177");
        assertThat(phone.status()).as(phone.body()).isEqualTo(200);
        String phoneId = phone.json().at("/data/call_id").asText();
        FakeBrowser onPhoneCall = FakeBrowser.join(URI.create("ws://127.0.0.1:" + server.app.port() + "/v1/web-calls/" + phoneId
                + "/stream"), created.get("token").asText());
        browsers.add(onPhoneCall);
        assertThat(onPhoneCall.closeCode(Duration.ofSeconds(5))).as("a phone call's id").isEqualTo(1008);
        assertThat(onPhoneCall.closeReason()).isEqualTo("no web call has this id and token");
        assertThat(get(phoneId).get("channel").asText()).isEqualTo("phone");
        assertThat(get(phoneId).get("to_number").asText()).isEqualTo("+14155550177");

        JsonNode ringing = get(id);
        assertThat(ringing.get("answered_at").isNull()).as("no refusal answered the call").isTrue();

        // Nobody joins: the call rings until its token expires, then ends no-answer.
        JsonNode done = await(id, c -> !c.get("ended_at").isNull(), "ended");
        assertThat(done.get("status").asText()).isEqualTo("no-answer");
        assertThat(done.get("ended_reason").asText()).isEqualTo("no-answer");
        assertThat(Duration.between(Instant.parse(done.get("created_at").asText()), Instant.parse(done.get("ended_at").asText())))
                .isBetween(Duration.ofSeconds(JOIN_SECONDS - 1), Duration.ofSeconds(JOIN_SECONDS + 3));
        assertThat(done.get("history").findValuesAsText("reason")).anyMatch(r -> r.contains("no browser joined"));
        FakeBrowser late = join(created, created.get("token").asText());
        assertThat(late.closeCode(Duration.ofSeconds(5))).isEqualTo(1008);
        assertThat(late.closeReason()).isEqualTo("the call is over");
    }

    /**
     * Also barge-in: talking over the long greeting makes Parley send {@code clear}, and the transcript
     * keeps only what the browser played (its mark echoes say so). Energy detection needs no recognizer.
     */
    @Test
    @Order(3)
    void aReplayWithItsIdempotencyKeyGivesANewTokenTalkingOverClearsAndTheApiHangUpClosesTheSocket() throws Exception {
        Http.Response talker = server.createAssistant("{\"name\":\"talker\",\"config\":{\"first_message\":\"" + LONG_LINE + "\"}}");
        assertThat(talker.status()).as(talker.body()).isEqualTo(200);
        String body = "{\"assistant_id\":\"" + talker.json().at("/data/assistant_id").asText() + "\"}";
        JsonNode first = webCall(body, "web-replay-1");
        JsonNode again = webCall(body, "web-replay-1");
        assertThat(again.get("call_id").asText()).isEqualTo(first.get("call_id").asText());
        assertThat(again.get("token").asText()).isNotEqualTo(first.get("token").asText());
        assertThat(again.get("expires_at").asText()).as("the deadline stays").isEqualTo(first.get("expires_at").asText());
        String id = first.get("call_id").asText();

        FakeBrowser old = join(first, first.get("token").asText());
        assertThat(old.closeCode(Duration.ofSeconds(5))).as("the replaced token").isEqualTo(1008);
        FakeBrowser browser = join(again, again.get("token").asText());
        browser.say(SpokenAudio.of().silence(Duration.ofMillis(1500)).tone(Duration.ofMillis(1500), 8000).pcm()).run();
        Await.until("the call answers the browser", Duration.ofSeconds(5), browser::started);
        Await.until("Parley's clear when the caller talks over it", Duration.ofSeconds(8),
                () -> !browser.messages("clear").isEmpty());
        await(id, c -> c.get("transcript").size() > 0, "its interrupted greeting recorded");

        Http.Response hangup = server.http.request("POST", "/v1/admin/assistant/call/" + id + "/hangup").headers(server.auth()).send();
        assertThat(hangup.status()).as(hangup.body()).isEqualTo(200);
        assertThat(browser.closeCode(Duration.ofSeconds(5))).isEqualTo(1000);
        JsonNode done = await(id, c -> !c.get("ended_at").isNull(), "ended");
        assertThat(done.get("ended_reason").asText()).isEqualTo("api-hangup");
        JsonNode greeting = done.get("transcript").get(0);
        assertThat(greeting.get("interrupted").asBoolean()).as(done.toString()).isTrue();
        assertThat(greeting.get("text").asText()).isNotEmpty();
        assertThat(LONG_LINE).as("the words the browser played, in order").startsWith(greeting.get("text").asText());
        assertThat(greeting.get("text").asText().length()).isLessThan(LONG_LINE.length() / 2);

        Http.Response joined = server.http.request("POST", "/v1/admin/assistant/web-call").headers(server.auth())
                .header("Idempotency-Key", "web-replay-1").json(body).send();
        assertThat(joined.status()).as(joined.body()).isEqualTo(409);
        assertThat(joined.json().at("/error/code").asText()).isEqualTo("web_call_started");
    }

    @Test
    @Order(1)
    void aWebCallIsCheckedLikeAnyCall() {
        Http.Response withNumber = server.http.request("POST", "/v1/admin/assistant/web-call").headers(server.auth())
                .json("{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"+14155550123\"}").send();
        assertThat(withNumber.status()).isEqualTo(400);
        assertThat(withNumber.json().at("/error/field").asText()).isEqualTo("to_number");
        Http.Response unknown = server.http.request("POST", "/v1/admin/assistant/web-call").headers(server.auth())
                .json("{\"assistant_id\":\"" + "0".repeat(24) + "\"}").send();
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().at("/error/code").asText()).isEqualTo("assistant_not_found");
        Http.Response plainGet = server.http.request("GET", "/v1/web-calls/c_" + "0".repeat(24) + "/stream").send();
        assertThat(plainGet.status()).isEqualTo(426);

        // Behind a TLS-terminating proxy the request is plain http: the proxy's header says the page is on
        // https, where a browser may not open ws://. The first value is the client's when proxies are chained.
        for (String proto : List.of("https", "HTTPS, http")) {
            Http.Response proxied = server.http.request("POST", "/v1/admin/assistant/web-call").headers(server.auth())
                    .header("X-Forwarded-Proto", proto).json("{\"assistant_id\":\"" + assistant + "\"}").send();
            assertThat(proxied.status()).as(proxied.body()).isEqualTo(200);
            tokens.add(proxied.json().at("/data/token").asText());
            String id = proxied.json().at("/data/call_id").asText();
            assertThat(proxied.json().at("/data/websocket_url").asText()).as("X-Forwarded-Proto: " + proto)
                    .isEqualTo("wss://127.0.0.1:" + server.app.port() + "/v1/web-calls/" + id + "/stream");
            Http.Response hangup = server.http.request("POST", "/v1/admin/assistant/call/" + id + "/hangup").headers(server.auth()).send();
            assertThat(hangup.status()).as(hangup.body()).isEqualTo(200);
        }
    }

    // Helpers.

    static JsonNode webCall(String body, String idempotencyKey) {
        var request = server.http.request("POST", "/v1/admin/assistant/web-call").headers(server.auth());
        if (idempotencyKey != null) {
            request = request.header("Idempotency-Key", idempotencyKey);
        }
        Http.Response r = request.json(body).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        tokens.add(r.json().at("/data/token").asText());
        return r.json().get("data");
    }

    static FakeBrowser join(JsonNode created, String token) {
        FakeBrowser b = FakeBrowser.join(URI.create(created.get("websocket_url").asText()), token);
        browsers.add(b);
        return b;
    }

    static JsonNode get(String id) {
        return server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
    }

    static JsonNode await(String id, Predicate<JsonNode> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode c = get(id);
        while (!done.test(c)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("call " + id + " never became " + what + "; last seen: " + c);
            }
            Thread.sleep(50); // the call's outcome comes over the network, in real time
            c = get(id);
        }
        return c;
    }


    static List<JsonNode> events(String id, String type) {
        return webhooks.received().stream().map(WebhookReceiver.Received::json)
                .filter(e -> e.path("type").asText().equals(type) && e.at("/data/call_id").asText().equals(id)).toList();
    }

}
