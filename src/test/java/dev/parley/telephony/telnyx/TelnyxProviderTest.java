package dev.parley.telephony.telnyx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.parley.amd.AnsweredBy;
import dev.parley.call.EndReason;
import dev.parley.error.Problem;
import dev.parley.media.MediaTransport;
import dev.parley.number.CarrierNumber;
import dev.parley.support.FakeTelnyx;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.TelephonyProvider;
import dev.parley.telephony.stream.MediaStreams;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Telnyx provider against a fake Call Control API on loopback: the dial it sends, the webhooks
 * it takes (signed by the fake with its own Ed25519 key, over HTTP), and how each way a call goes
 * reaches the call's owner. The route here is a stand-in that hands the request to the provider as
 * the API's route does; {@code TelnyxCallTest} drives the same through the real server.
 */
@Tag("provider")
class TelnyxProviderTest {
    private static final String API_KEY = "KEY0123456789secretTELNYX";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeTelnyx telnyx;
    private HttpServer route;
    private TelnyxTelephonyProvider provider;
    private final Streams streams = new Streams();
    private final AtomicInteger seq = new AtomicInteger();
    private final Map<String, String> carrierIds = new ConcurrentHashMap<>();
    private final Map<String, String> carrierCodes = new ConcurrentHashMap<>();
    /** The call's row as far as the provider keeps anything in it. */
    private final TelnyxCalls calls = new TelnyxCalls() {
        @Override
        public void placed(String callId, String callControlId) {
            if (callControlId != null) {
                carrierIds.put(callId, callControlId);
            }
        }

        @Override
        public void hungUp(String callId, String cause) {
            carrierCodes.put(callId, cause);
        }

        @Override
        public Optional<Placed> find(String callId) {
            // Asked only about calls no longer live here: in these tests, calls that ended.
            return callId.startsWith("c_") ? Optional.of(new Placed(account, true, Optional.ofNullable(carrierIds.get(callId))))
                    : Optional.empty();
        }
    };
    private CarrierNumber.Telnyx account;

    @BeforeEach
    void start() throws Exception {
        telnyx = new FakeTelnyx(API_KEY);
        account = new CarrierNumber.Telnyx("+14155550100", API_KEY, "conn-1", telnyx.publicKey());
        route = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        route.createContext("/v1/carriers/telnyx/calls/", x -> {
            try (x) {
                String callId = x.getRequestURI().getPath().split("/")[5];
                int status = 200;
                try {
                    provider.receive(callId, x.getRequestHeaders().getFirst("telnyx-timestamp"),
                            x.getRequestHeaders().getFirst("telnyx-signature-ed25519"), x.getRequestBody().readAllBytes());
                } catch (Problem p) {
                    status = p.kind().status;
                }
                x.sendResponseHeaders(status, -1);
            }
        });
        route.start();
        provider = provider(Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    private TelnyxTelephonyProvider provider(Duration commandTimeout, Duration streamWait) {
        var settings = new TelnyxTelephonyProvider.Settings(telnyx.url(),
                () -> URI.create("http://127.0.0.1:" + route.getAddress().getPort() + "/"), commandTimeout, streamWait, Duration.ofHours(1));
        return new TelnyxTelephonyProvider(settings, calls, streams, JSON, InstantSource.system());
    }

    @AfterEach
    void stop() {
        provider.close();
        route.stop(0);
        telnyx.close();
    }

    @Test
    void theDialIsTheDocumentedRequestWithTheStreamAndTheCallsOwnWebhookUrl() throws Exception {
        Placed p = dial(true);
        var body = p.call.dial;
        assertThat(body.path("connection_id").asText()).isEqualTo("conn-1");
        assertThat(body.path("to").asText()).isEqualTo("+14155550123");
        assertThat(body.path("from").asText()).isEqualTo("+14155550100");
        assertThat(body.path("command_id").asText()).isEqualTo(p.callId);
        assertThat(body.path("webhook_url").asText()).endsWith("/v1/carriers/telnyx/calls/" + p.callId + "/events");
        assertThat(body.path("stream_url").asText()).isEqualTo(streams.url(p.callId).toString());
        assertThat(body.path("stream_bidirectional_mode").asText()).isEqualTo("rtp");
        assertThat(body.path("stream_bidirectional_codec").asText()).isEqualTo("PCMU");
        assertThat(body.path("stream_track").asText()).isEqualTo("inbound_track");
        assertThat(body.path("timeout_secs").asInt()).isEqualTo(25);
        assertThat(body.path("time_limit_secs").asInt()).isEqualTo(300);
        assertThat(body.path("answering_machine_detection").asText()).isEqualTo("detect_beep");
        assertThat(carrierIds).containsEntry(p.callId, p.call.callControlId);
        assertThat(dial(false).call.dial.has("answering_machine_detection")).isFalse();
    }

    @Test
    void ringingAnsweredAndTheCalleeHangsUp() throws Exception {
        Placed p = dial(false);
        assertThat(telnyx.send(p.call, "call.initiated", Map.of("state", "bridging"))).isEqualTo(200);
        assertThat(p.listener.next()).isEqualTo("ringing");
        telnyx.answer(p.call);
        streams.start(p.callId);
        assertThat(p.listener.next()).isEqualTo("answered with audio");
        telnyx.hangup(p.call, "normal_clearing", "200");
        assertThat(p.listener.next()).isEqualTo("ended callee-ended 200 remote: telnyx normal_clearing (SIP 200)");
        assertThat(carrierCodes).containsEntry(p.callId, "normal_clearing");
        assertThat(p.listener.events).isEmpty();
    }

    @Test
    void ourHangUpGoesToTelnyxAndItsHangupEventEndsTheCall() throws Exception {
        Placed p = dial(false);
        telnyx.answer(p.call);
        streams.start(p.callId);
        assertThat(p.listener.next()).isEqualTo("answered with audio");
        p.active.hangup();
        assertThat(p.listener.next()).startsWith("ended callee-ended 200 ours");
        assertThat(p.call.hangups()).isEqualTo(1);
        assertThat(telnyx.requests).contains("POST /v2/calls/" + p.call.callControlId + "/actions/hangup");
    }

    @Test
    void aHangUpBeforeTheAnswerIsAnOriginatorCancel() throws Exception {
        Placed p = dial(false);
        telnyx.send(p.call, "call.initiated", Map.of());
        assertThat(p.listener.next()).isEqualTo("ringing");
        p.active.hangup();
        assertThat(p.listener.next()).isEqualTo("ended canceled 487 ours: telnyx originator_cancel (SIP 487)");
    }

    @Test
    void busyNoAnswerRejectedUnknownNumberAndTheTimeLimitMapOntoTheEndedReasons() throws Exception {
        Object[][] cases = {
                {"user_busy", "486", "ended busy 486 remote: telnyx user_busy (SIP 486)"},
                {"timeout", "487", "ended no-answer 487 remote: telnyx timeout (SIP 487)"},
                {"no_answer", "480", "ended no-answer 480 remote: telnyx no_answer (SIP 480)"},
                {"call_rejected", "603", "ended declined 603 remote: telnyx call_rejected (SIP 603)"},
                {"not_found", "404", "ended unreachable 404 remote: telnyx not_found (SIP 404)"},
                {"unspecified", "503", "ended carrier-error 503 remote: telnyx unspecified (SIP 503)"},
        };
        for (Object[] c : cases) {
            Placed p = dial(false);
            telnyx.send(p.call, "call.initiated", Map.of());
            telnyx.hangup(p.call, (String) c[0], (String) c[1]);
            assertThat(p.listener.next()).isEqualTo("ringing");
            assertThat(p.listener.next()).as((String) c[0]).isEqualTo(c[2]);
        }
        Placed p = dial(false);
        telnyx.answer(p.call);
        streams.start(p.callId);
        telnyx.hangup(p.call, "time_limit", "200");
        assertThat(p.listener.next()).isEqualTo("answered with audio");
        assertThat(p.listener.next()).isEqualTo("ended max-duration 200 remote: telnyx time_limit (SIP 200)");
    }

    @Test
    void repeatedAndOutOfOrderWebhooksCountOnceAndNeverMoveTheCallBack() throws Exception {
        Placed p = dial(false);
        streams.start(p.callId); // the stream may start before the answer's webhook
        assertThat(p.listener.next()).isEqualTo("early media");
        telnyx.send(p.call, "call.answered", Map.of(), "evt-answer");
        telnyx.send(p.call, "call.answered", Map.of(), "evt-answer");
        telnyx.send(p.call, "call.initiated", Map.of()); // late: the call is past ringing
        assertThat(p.listener.next()).isEqualTo("answered with audio");
        telnyx.send(p.call, "call.hangup", Map.of("hangup_cause", "normal_clearing", "sip_hangup_cause", "200"), "evt-bye");
        telnyx.send(p.call, "call.hangup", Map.of("hangup_cause", "normal_clearing", "sip_hangup_cause", "200"), "evt-bye");
        assertThat(p.listener.next()).startsWith("ended callee-ended");
        assertThat(telnyx.answer(p.call)).isEqualTo(200); // after the end: taken, and changes nothing
        assertThat(p.listener.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aDialWhoseAnswerWasLostIsSentAgainWithItsCommandIdAndMakesOneCall() throws Exception {
        provider.close();
        provider = provider(Duration.ofMillis(300), Duration.ofSeconds(2));
        telnyx.slowDials.set(1);
        telnyx.slowness = Duration.ofSeconds(1);
        Placed p = dial(false);
        assertThat(telnyx.requests.stream().filter("POST /v2/calls"::equals)).hasSize(2);
        assertThat(telnyx.calls).hasSize(1);
        assertThat(carrierIds).containsEntry(p.callId, p.call.callControlId);
        telnyx.hangup(p.call, "user_busy", "486");
        assertThat(p.listener.next()).startsWith("ended busy");
    }

    @Test
    void aCallWhoseDialGotNoAnswerAtAllLearnsItsIdFromTheFirstWebhookAndCanBeHungUp() throws Exception {
        provider.close();
        provider = provider(Duration.ofMillis(200), Duration.ofSeconds(2));
        telnyx.slowDials.set(3); // every attempt times out
        telnyx.slowness = Duration.ofMillis(600);
        Placed p = dial(false);
        assertThat(carrierIds).doesNotContainKey(p.callId);
        p.active.hangup(); // not sent yet: the id is unknown
        assertThat(p.call.hangups()).isZero();
        telnyx.send(p.call, "call.initiated", Map.of());
        assertThat(p.listener.next()).isEqualTo("ringing");
        assertThat(p.listener.next()).isEqualTo("ended canceled 487 ours: telnyx originator_cancel (SIP 487)");
        assertThat(p.call.hangups()).isEqualTo(1);
    }

    @Test
    void forgedUnsignedTamperedAndReplayedWebhooksAreRefusedAndChangeNothing() throws Exception {
        Placed p = dial(false);
        String body = telnyx.event(p.call, "call.hangup", Map.of("hangup_cause", "normal_clearing"), "evt-1");
        String now = Long.toString(Instant.now().getEpochSecond());
        String url = p.call.webhookUrl();
        assertThat(telnyx.post(url, body, null, null).statusCode()).isEqualTo(403);
        assertThat(telnyx.post(url, body, now, "AAAA").statusCode()).isEqualTo(403);
        assertThat(telnyx.post(url, body.replace("normal_clearing", "user_busy"), now, telnyx.sign(now, body)).statusCode())
                .isEqualTo(403);
        String old = Long.toString(Instant.now().minus(Duration.ofMinutes(6)).getEpochSecond());
        assertThat(telnyx.post(url, body, old, telnyx.sign(old, body)).statusCode()).isEqualTo(403);
        account = new CarrierNumber.Telnyx("+14155550100", API_KEY, "conn-1", FakeTelnyx.someOtherPublicKey());
        Placed other = dial(false);
        assertThat(telnyx.hangup(other.call, "normal_clearing", "200")).isEqualTo(403);
        assertThat(p.listener.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(other.listener.events).isEmpty();
        assertThat(telnyx.post(url, body, now, telnyx.sign(now, body)).statusCode()).isEqualTo(200);
        assertThat(p.listener.next()).startsWith("ended");
    }

    @Test
    void theCarriersMachineVerdictReachesTheOwner() throws Exception {
        Placed p = dial(true);
        telnyx.answer(p.call);
        streams.start(p.callId);
        assertThat(p.listener.next()).isEqualTo("answered with audio");
        telnyx.send(p.call, "call.machine.detection.ended", Map.of("result", "machine"));
        assertThat(p.listener.next()).isEqualTo("answered by machine beep=false");
        telnyx.send(p.call, "call.machine.greeting.ended", Map.of("result", "beep_detected"));
        assertThat(p.listener.next()).isEqualTo("answered by machine beep=true");
    }

    @Test
    void anAnswerWhoseStreamNeverStartsIsAnAnswerWithoutAudio() throws Exception {
        provider.close();
        provider = provider(Duration.ofSeconds(2), Duration.ofMillis(200));
        Placed p = dial(false);
        telnyx.answer(p.call);
        assertThat(p.listener.next()).isEqualTo("answered without audio");
    }

    @Test
    void aCallWhoseHangupWebhookWasLostIsFoundOverByLookingItUp() throws Exception {
        Placed p = dial(false);
        telnyx.answer(p.call);
        streams.start(p.callId);
        assertThat(p.listener.next()).isEqualTo("answered with audio");
        p.call.alive = false; // the callee hung up; the webhook never came
        provider.reconcile(Duration.ZERO);
        assertThat(p.listener.next()).startsWith("ended callee-ended null remote: telnyx reports the call over");
    }

    @Test
    void aRefusedDialEndsTheCallAndNeverShowsTheKey() throws Exception {
        account = new CarrierNumber.Telnyx("+14155550100", "KEYwrongSECRET", "conn-1", telnyx.publicKey());
        String callId = "c_" + seq.incrementAndGet();
        Listener listener = new Listener();
        provider.dial(new TelephonyProvider.Dial(callId, "w1", "+14155550123", Optional.of("+14155550100"),
                Duration.ofSeconds(25), Duration.ofSeconds(300), false), account, listener);
        String end = listener.next();
        assertThat(end).startsWith("ended carrier-error null remote: Telnyx refused POST /v2/calls with 401 Authentication failed");
        assertThat(end).doesNotContain("KEYwrongSECRET");
        assertThat(account.toString()).doesNotContain("KEYwrongSECRET");
    }

    @Test
    void aDialThatCannotReachTelnyxEndsTheCallAtOnce() throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nothing listens there once this closes
        }
        var settings = new TelnyxTelephonyProvider.Settings(URI.create("http://127.0.0.1:" + closed + "/"),
                () -> URI.create("http://127.0.0.1:" + route.getAddress().getPort() + "/"), Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofHours(1));
        try (var unreachable = new TelnyxTelephonyProvider(settings, calls, streams, JSON, InstantSource.system())) {
            Listener listener = new Listener();
            unreachable.dial(new TelephonyProvider.Dial("c_" + seq.incrementAndGet(), "w1", "+14155550123",
                    Optional.of("+14155550100"), Duration.ofSeconds(25), Duration.ofSeconds(300), false), account, listener);
            // Nothing was sent, so no call can exist at Telnyx: no waiting for webhooks that cannot come.
            assertThat(listener.next()).startsWith("ended carrier-error null remote: could not connect to Telnyx for POST /v2/calls");
        }
    }

    // The call's owner, as the tests see it.

    private record Placed(String callId, TelephonyProvider.Active active, FakeTelnyx.Call call, Listener listener) {}

    private Placed dial(boolean detectMachines) throws Exception {
        String callId = "c_" + seq.incrementAndGet();
        Listener listener = new Listener();
        int before = telnyx.calls.size();
        TelephonyProvider.Active active = provider.dial(new TelephonyProvider.Dial(callId, "w1", "+14155550123",
                Optional.of("+14155550100"), Duration.ofSeconds(25), Duration.ofSeconds(300), detectMachines), account, listener);
        return new Placed(callId, active, telnyx.awaitCall(before, Duration.ofSeconds(5)), listener);
    }

    static final class Listener implements CallListener {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        String next() throws InterruptedException {
            String e = events.poll(5, TimeUnit.SECONDS);
            assertThat(e).as("an event within 5 s").isNotNull();
            return e;
        }

        @Override
        public void ringing(int code) {
            events.add("ringing");
        }

        @Override
        public void earlyMedia(MediaTransport media) {
            events.add("early media");
        }

        @Override
        public void answered(MediaTransport media) {
            events.add(media == null ? "answered without audio" : "answered with audio");
        }

        @Override
        public void answeredBy(AnsweredBy verdict) {
            events.add("answered by " + verdict.who() + " beep=" + verdict.beep());
        }

        @Override
        public void ended(CallEnd end) {
            events.add("ended " + end.reason().wire() + " " + end.sipCode() + " " + (end.hungUpHere() ? "ours" : "remote")
                    + ": " + end.detail());
        }
    }

    /** The media stage as far as this test needs it: the stream starts when the test says. */
    static final class Streams implements MediaStreams {
        final Map<String, Events> expected = new ConcurrentHashMap<>();

        URI url(String callId) {
            return URI.create("wss://parley.example/v1/carriers/telnyx/streams/" + callId + "?token=t-" + callId);
        }

        void start(String callId) {
            expected.get(callId).started(new MediaTransport() {
                @Override
                public short[] receive() {
                    return null;
                }

                @Override
                public void send(short[] frame) {
                }

                @Override
                public boolean sendDigits(String digits) {
                    return false;
                }

                @Override
                public void close() {
                }
            });
        }

        @Override
        public Expected expect(String callId, Dialect dialect, Optional<String> signingKey, Events events) {
            assertThat(dialect).isEqualTo(Dialect.TELNYX);
            expected.put(callId, events);
            return new Expected() {
                @Override
                public URI url() {
                    return Streams.this.url(callId);
                }

                @Override
                public String token() {
                    return "t-" + callId;
                }

                @Override
                public void close() {
                    expected.remove(callId);
                }
            };
        }
    }
}
