package dev.parley.telephony.stream;

import static dev.parley.support.FakeCarrierStream.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.media.AudioSink;
import dev.parley.media.G711;
import dev.parley.media.MediaClock;
import dev.parley.media.MediaTransport;
import dev.parley.media.Pacer;
import dev.parley.media.Recorder;
import dev.parley.support.FakeCarrierStream;
import dev.parley.support.TestServer;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The media stage over real WebSockets on the production server: a fake carrier that behaves as
 * Twilio or Telnyx does, audio on the node's real 20 ms clock. Frames are numbered by their level
 * (a square wave of level x 1000), so order and loss can be read at both ends.
 */
@Tag("db")
class MediaStreamTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    private static final String AUTH_TOKEN = "twilio-auth-token";
    private static final AtomicInteger calls = new AtomicInteger();
    private static MediaClock clock;

    @BeforeAll
    static void startClock() {
        clock = new MediaClock();
    }

    @AfterAll
    static void stopClock() {
        clock.close();
    }

    private static CarrierStreams streams() {
        return server.app.mediaStreams();
    }

    private static String newCallId() {
        return "c_%024x".formatted(calls.incrementAndGet());
    }

    /** Levels 1 to 30: distinct after μ-law, and within a short. */
    static short[] frame(int level) {
        short[] f = new short[160];
        for (int i = 0; i < f.length; i++) {
            f[i] = (short) (i % 2 == 0 ? level * 1000 : -level * 1000);
        }
        return f;
    }

    /** A frame's level as it comes out of μ-law; 0 for silence, -1 for anything else. */
    static int level(short[] f, int offset) {
        int v = Math.abs(f[offset]);
        if (v < 16) {
            return 0;
        }
        for (int level = 1; level <= 30; level++) {
            if (v == Math.abs(G711.decodeUlaw(G711.encodeUlaw((short) (level * 1000))))) {
                return level;
            }
        }
        return -1;
    }

    static List<Integer> levels(short[] audio) {
        List<Integer> out = new ArrayList<>();
        for (int at = 0; at + 160 <= audio.length; at += 160) {
            int l = level(audio, at);
            if (l != 0) {
                out.add(l);
            }
        }
        return out;
    }

    static short[] speech(int silentFrames, int levels) {
        short[] s = new short[(silentFrames + levels) * 160];
        for (int i = 1; i <= levels; i++) {
            System.arraycopy(frame(i), 0, s, (silentFrames + i - 1) * 160, 160);
        }
        return s;
    }

    /** The call's side: what the stage hands over, and what reached the media clock's sink. */
    static final class Call implements MediaStreams.Events {
        volatile MediaTransport transport;
        final List<Integer> heard = new CopyOnWriteArrayList<>();
        final StringBuilder digits = new StringBuilder();
        final List<String> stops = new CopyOnWriteArrayList<>();
        Pacer pacer;

        @Override
        public void started(MediaTransport t) {
            transport = t;
        }

        @Override
        public synchronized void dtmf(char digit) {
            digits.append(digit);
        }

        @Override
        public void stopped(String why) {
            stops.add(why);
        }

        /** Puts the call on the media clock, answered, saying {@code levels} numbered frames. */
        void onClock(int levels) {
            await("the stream to start", () -> transport != null);
            ArrayDeque<short[]> say = new ArrayDeque<>();
            for (int i = 1; i <= levels; i++) {
                say.add(frame(i));
            }
            pacer = new Pacer(transport, new Recorder(), clock);
            AudioSink sink = (f, at) -> {
                int l = level(f, 0);
                if (l != 0) {
                    heard.add(l);
                }
            };
            pacer.listen(sink);
            pacer.speak(say::poll);
            pacer.answered();
        }
    }

    @Test
    void twilioAudioGoesBothWaysInOrderAndEveryMarkComesBack() {
        Call call = new Call();
        String id = newCallId();
        try (var expected = streams().expect(id, MediaStreams.Dialect.TWILIO, Optional.of(AUTH_TOKEN), call);
             var twilio = FakeCarrierStream.twilio(expected.url(), AUTH_TOKEN).start(Map.of("token", expected.token()))) {
            call.onClock(25);
            twilio.say(speech(0, 25));
            twilio.runInRealTime();
            await("the callee to hear 25 frames", () -> twilio.audibleFramesHeard() == 25);
            await("the call to hear 25 frames", () -> call.heard.size() == 25);
            assertThat(levels(twilio.heard())).isEqualTo(range(25));
            assertThat(call.heard).isEqualTo(range(25));
            assertThat(twilio.received()).allSatisfy(m -> assertThat(m.path("streamSid").asText()).isEqualTo(twilio.streamId()));
            await("every mark to come back", () -> call.transport.unplayedSamples() == 0);
            assertThat(twilio.echoedMarks()).hasSizeGreaterThanOrEqualTo(5);
            twilio.dtmf('5');
            await("the digit", () -> call.digits.toString().equals("5"));
            call.pacer.close();
        }
    }

    @Test
    void bargeInClearsWhatTheCarrierHoldsAndOnlyWhatPlayedWasHeard() {
        Call call = new Call();
        try (var expected = streams().expect(newCallId(), MediaStreams.Dialect.TWILIO, Optional.of(AUTH_TOKEN), call);
             var twilio = FakeCarrierStream.twilio(expected.url(), AUTH_TOKEN).start(Map.of("token", expected.token()))) {
            await("the stream to start", () -> call.transport != null);
            MediaTransport t = call.transport;
            for (int i = 1; i <= 30; i++) {
                t.send(frame(i));
            }
            await("the carrier to hold 30 frames", () -> twilio.queued() == 30);
            for (int i = 0; i < 10; i++) {
                twilio.play();
            }
            await("the echo of the 10th frame's mark", () -> t.unplayedSamples() <= 20 * 160);
            assertThat(t.unplayedSamples()).as("what the transcript takes back").isBetween(15L * 160, 20L * 160);

            t.clear();
            assertThat(t.unplayedSamples()).isZero();
            await("the clear", () -> twilio.clears() == 1);
            assertThat(twilio.queued()).isZero();
            await("the dropped marks' echoes", () -> twilio.echoedMarks().size() == 6);
            for (int i = 0; i < 5; i++) {
                twilio.play();
            }
            assertThat(levels(twilio.heard())).isEqualTo(range(10));
            assertThat(t.unplayedSamples()).as("echoes of dropped audio count for nothing").isZero();
        }
    }

    @Test
    void telnyxFramesShuffledOnTheWayArriveInOrder() {
        Call call = new Call();
        try (var expected = streams().expect(newCallId(), MediaStreams.Dialect.TELNYX, Optional.empty(), call);
             var telnyx = FakeCarrierStream.telnyx(expected.url()).shuffled(3).start(Map.of())) {
            call.onClock(10);
            telnyx.say(speech(30, 30));
            telnyx.runInRealTime();
            await("the call to hear 30 frames", () -> call.heard.size() >= 30);
            assertThat(call.heard).isEqualTo(range(30));
            await("the callee to hear 10 frames", () -> telnyx.audibleFramesHeard() == 10);
            assertThat(levels(telnyx.heard())).isEqualTo(range(10));
            assertThat(telnyx.received()).allSatisfy(m -> assertThat(m.has("streamSid")).isFalse());
            call.pacer.close();
        }
    }

    @Test
    void aForgedSignatureAWrongTokenOrAnUnexpectedCallIsRefused() {
        Call call = new Call();
        long refusedBefore = streams().stats().refused().sum();
        try (var expected = streams().expect(newCallId(), MediaStreams.Dialect.TWILIO, Optional.of(AUTH_TOKEN), call)) {
            var forged = FakeCarrierStream.twilio(expected.url(), "not-the-auth-token");
            assertThat(forged.closeCode()).isEqualTo(1008);
            var unsigned = FakeCarrierStream.connect(FakeCarrierStream.Carrier.TWILIO, expected.url(), null);
            assertThat(unsigned.closeCode()).isEqualTo(1008);
            var replayed = FakeCarrierStream.twilio(expected.url(), AUTH_TOKEN).start(Map.of("token", "a-guess"));
            assertThat(replayed.closeCode()).isEqualTo(1008);
            URI otherCall = URI.create(expected.url().toString().replace(expected.url().getPath(),
                    "/v1/carriers/twilio/stream/" + newCallId()));
            var unexpected = FakeCarrierStream.twilio(otherCall, AUTH_TOKEN);
            assertThat(unexpected.closeCode()).isEqualTo(1008);
            var wrongCarrier = FakeCarrierStream.telnyx(URI.create(expected.url().toString().replace("/twilio/", "/telnyx/")
                    + "?token=" + expected.token()));
            assertThat(wrongCarrier.closeCode()).isEqualTo(1008);
        }
        try (var expected = streams().expect(newCallId(), MediaStreams.Dialect.TELNYX, Optional.empty(), call)) {
            String url = expected.url().toString();
            var wrong = FakeCarrierStream.telnyx(URI.create(url.substring(0, url.indexOf("?token=")) + "?token=" + "x".repeat(32)));
            assertThat(wrong.closeCode()).isEqualTo(1008);
            var none = FakeCarrierStream.telnyx(URI.create(url.substring(0, url.indexOf("?token="))));
            assertThat(none.closeCode()).isEqualTo(1008);
        }
        assertThat(call.transport).as("nothing attached").isNull();
        assertThat(streams().stats().refused().sum() - refusedBefore).isEqualTo(7);
    }

    @Test
    void aSecondStreamForACallIsRefusedAndTheFirstGoesOn() {
        Call call = new Call();
        try (var expected = streams().expect(newCallId(), MediaStreams.Dialect.TWILIO, Optional.of(AUTH_TOKEN), call);
             var first = FakeCarrierStream.twilio(expected.url(), AUTH_TOKEN).start(Map.of("token", expected.token()))) {
            await("the stream to start", () -> call.transport != null);
            var second = FakeCarrierStream.twilio(expected.url(), AUTH_TOKEN);
            assertThat(second.closeCode()).isEqualTo(1008);
            call.transport.send(frame(3));
            await("the first stream still to carry audio", () -> first.queued() == 1);
        }
        Call telnyxCall = new Call();
        try (var expected = streams().expect(newCallId(), MediaStreams.Dialect.TELNYX, Optional.empty(), telnyxCall);
             var first = FakeCarrierStream.telnyx(expected.url()).start(Map.of())) {
            await("the stream to start", () -> telnyxCall.transport != null);
            assertThat(FakeCarrierStream.telnyx(expected.url()).closeCode()).isEqualTo(1008);
            first.stop();
            await("the stop", () -> telnyxCall.stops.size() == 1);
        }
    }

    @Test
    void theCallsEndClosesItsStreamAndAPlainRequestIsToldToUpgrade() {
        Call call = new Call();
        var expected = streams().expect(newCallId(), MediaStreams.Dialect.TWILIO, Optional.of(AUTH_TOKEN), call);
        var twilio = FakeCarrierStream.twilio(expected.url(), AUTH_TOKEN).start(Map.of("token", expected.token()));
        await("the stream to start", () -> call.transport != null);
        expected.close();
        assertThat(twilio.closeCode()).isEqualTo(1000);
        await("the stream's stop", () -> call.stops.size() == 1);

        var response = server.http.request("GET", expected.url().getPath()).send();
        assertThat(response.status()).isEqualTo(426);
        assertThat(response.errorCode()).isEqualTo("upgrade_required");
    }

    private static List<Integer> range(int n) {
        List<Integer> r = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            r.add(i);
        }
        return r;
    }
}
