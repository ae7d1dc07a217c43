package dev.parley.telephony.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.media.G711;
import dev.parley.media.MediaTransport;
import dev.parley.telephony.twilio.TwilioSignature;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The stage without a network: a socket that keeps what it was sent, a clock the test moves. What
 * the carrier would see, message by message.
 */
@Tag("unit")
class StreamSessionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CALL = "c_00000000000000000000000a";
    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong();
    private final CarrierStreams streams = new CarrierStreams(() -> URI.create("https://parley.example/base/"), now::get);
    private final Socket socket = new Socket();
    private final Events events = new Events();

    static final class Socket implements StreamSocket {
        final List<JsonNode> sent = new ArrayList<>();
        final List<Runnable> unwritten = new ArrayList<>();
        final List<byte[]> binary = new ArrayList<>();
        boolean slow;
        int closeCode;
        String closeReason;

        @Override
        public void send(String text, Runnable done) {
            try {
                sent.add(JSON.readTree(text));
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + text, e);
            }
            if (slow) {
                unwritten.add(done);
            } else {
                done.run();
            }
        }

        @Override
        public void send(java.nio.ByteBuffer bytes, Runnable done) {
            byte[] b = new byte[bytes.remaining()];
            bytes.get(b);
            binary.add(b);
            if (slow) {
                unwritten.add(done);
            } else {
                done.run();
            }
        }

        @Override
        public void close(int code, String reason) {
            if (closeCode == 0) {
                closeCode = code;
                closeReason = reason;
            }
        }

        List<String> events() {
            return sent.stream().map(m -> m.path("event").asText()).toList();
        }
    }

    static final class Events implements MediaStreams.Events {
        MediaTransport transport;
        final StringBuilder digits = new StringBuilder();
        final List<String> stops = new ArrayList<>();

        @Override
        public void started(MediaTransport t) {
            transport = t;
        }

        @Override
        public void dtmf(char digit) {
            digits.append(digit);
        }

        @Override
        public void stopped(String why) {
            stops.add(why);
        }
    }

    private StreamSession twilio(MediaStreams.Expected call) {
        String signature = TwilioSignature.sign("auth", call.url().toString(), java.util.Map.of());
        StreamSession s = streams.connect("twilio", CALL, signature, null, socket).orElseThrow();
        s.text("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
        s.text("{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"MZ1\",\"start\":{\"streamSid\":\"MZ1\",\"callSid\":\"CA1\","
                + "\"customParameters\":{\"token\":\"" + call.token() + "\"},"
                + "\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":8000,\"channels\":1}}}");
        return s;
    }

    private static short[] tone(int amplitude) {
        short[] f = new short[160];
        for (int i = 0; i < f.length; i++) {
            f[i] = (short) (i % 2 == 0 ? amplitude : -amplitude);
        }
        return f;
    }

    private static String media(int chunk, int amplitude) {
        byte[] ulaw = new byte[160];
        short[] f = tone(amplitude);
        for (int i = 0; i < 160; i++) {
            ulaw[i] = G711.encodeUlaw(f[i]);
        }
        return "{\"event\":\"media\",\"sequence_number\":\"" + (chunk + 1) + "\",\"media\":{\"track\":\"inbound\",\"chunk\":\"" + chunk
                + "\",\"timestamp\":\"" + chunk * 20 + "\",\"payload\":\"" + Base64.getEncoder().encodeToString(ulaw) + "\"}}";
    }

    @Test
    void theUrlIsUnderThePublicBaseAndOnlyTelnyxCarriesTheTokenInIt() {
        var twilio = streams.expect(CALL, MediaStreams.Dialect.TWILIO, Optional.of("auth"), events);
        assertThat(twilio.url().toString()).isEqualTo("wss://parley.example/base/v1/carriers/twilio/stream/" + CALL);
        var telnyx = streams.expect("c_00000000000000000000000b", MediaStreams.Dialect.TELNYX, Optional.empty(), new Events());
        assertThat(telnyx.url().toString()).isEqualTo("wss://parley.example/base/v1/carriers/telnyx/stream/c_00000000000000000000000b?token="
                + telnyx.token());
        assertThat(telnyx.token()).hasSize(32).isNotEqualTo(twilio.token());
    }

    @Test
    void framesGoOutWithTheStreamSidAndAMarkEveryFiveAndClearDropsWhatWasUnheard() {
        var call = streams.expect(CALL, MediaStreams.Dialect.TWILIO, Optional.of("auth"), events);
        StreamSession s = twilio(call);
        MediaTransport t = events.transport;
        assertThat(t).isNotNull();
        for (int i = 0; i < 10; i++) {
            t.send(tone(1000));
        }
        assertThat(socket.events()).containsExactly("media", "media", "media", "media", "media", "mark",
                "media", "media", "media", "media", "media", "mark");
        assertThat(socket.sent).allSatisfy(m -> assertThat(m.path("streamSid").asText()).isEqualTo("MZ1"));
        String first = socket.sent.get(5).path("mark").path("name").asText();
        String second = socket.sent.get(11).path("mark").path("name").asText();
        assertThat(t.unplayedSamples()).isEqualTo(1600);

        now.set(100 * MS);
        s.text("{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"" + first + "\"}}");
        assertThat(t.unplayedSamples()).as("five frames heard").isEqualTo(800);

        t.clear();
        assertThat(socket.events()).last().isEqualTo("clear");
        // Twilio echoes the dropped mark after a clear: it was not heard.
        s.text("{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"" + second + "\"}}");
        t.send(tone(1000));
        assertThat(t.unplayedSamples()).isEqualTo(160);
    }

    @Test
    void silenceIsNotSentOnceEverythingAudibleHasPlayed() {
        var call = streams.expect(CALL, MediaStreams.Dialect.TWILIO, Optional.of("auth"), events);
        StreamSession s = twilio(call);
        MediaTransport t = events.transport;
        t.send(tone(1000));
        for (int i = 0; i < 4; i++) {
            t.send(new short[160]); // the tail: silence sent until its mark comes back
        }
        assertThat(socket.events()).containsExactly("media", "media", "media", "media", "media", "mark");
        s.text("{\"event\":\"mark\",\"mark\":{\"name\":\"" + socket.sent.get(5).path("mark").path("name").asText() + "\"}}");
        for (int i = 0; i < 50; i++) {
            t.send(new short[160]);
        }
        assertThat(socket.sent).hasSize(6);
        assertThat(streams.stats().silenceSkipped().sum()).isEqualTo(50);
    }

    @Test
    void aSocketThatFallsBehindLosesFramesInsteadOfHoldingTheClock() {
        var call = streams.expect(CALL, MediaStreams.Dialect.TWILIO, Optional.of("auth"), events);
        twilio(call);
        socket.slow = true;
        MediaTransport t = events.transport;
        for (int i = 0; i < 200; i++) {
            t.send(tone(1000));
        }
        assertThat(socket.unwritten).hasSize(StreamTransport.MAX_IN_FLIGHT);
        assertThat(streams.stats().dropped().sum()).isGreaterThan(140);
        socket.unwritten.forEach(Runnable::run);
        t.send(tone(1000));
        assertThat(socket.sent.getLast().path("event").asText()).isEqualTo("media");
    }

    @Test
    void telnyxFramesOutOfOrderComeOutInOrder() {
        var call = streams.expect(CALL, MediaStreams.Dialect.TELNYX, Optional.empty(), events);
        StreamSession s = streams.connect("telnyx", CALL, null, call.token(), socket).orElseThrow();
        s.text("{\"event\":\"connected\",\"version\":\"1.0.0\"}");
        s.text("{\"event\":\"start\",\"sequence_number\":\"1\",\"stream_id\":\"S1\",\"start\":{\"call_control_id\":\"v3:1\","
                + "\"media_format\":{\"encoding\":\"PCMU\",\"sample_rate\":8000,\"channels\":1}}}");
        MediaTransport t = events.transport;
        int[] order = {1, 3, 2, 4, 6, 5, 7, 9, 8, 10};
        List<Integer> heard = new ArrayList<>();
        for (int i = 0; i < order.length; i++) {
            now.set(i * 20 * MS);
            s.text(media(order[i], order[i] * 300));
            if (i >= 2) { // the media clock starts a little behind, as the jitter buffer asks
                short[] f = t.receive();
                heard.add(f == null ? 0 : Math.round(Math.abs(f[0]) / 300f));
            }
        }
        for (int i = 0; i < 4; i++) {
            short[] f = t.receive();
            heard.add(f == null ? 0 : Math.round(Math.abs(f[0]) / 300f));
        }
        assertThat(heard.stream().filter(v -> v > 0).toList()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        // Telnyx takes the bare messages: no stream id on what Parley sends.
        t.send(tone(1000));
        assertThat(socket.sent.getFirst().has("streamSid")).isFalse();
        assertThat(socket.sent.getFirst().path("media").path("payload").asText()).isNotEmpty();
    }

    @Test
    void digitsAndStopReachTheCallOnce() {
        var call = streams.expect(CALL, MediaStreams.Dialect.TWILIO, Optional.of("auth"), events);
        StreamSession s = twilio(call);
        s.text("{\"event\":\"dtmf\",\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"7\"}}");
        s.text("{\"event\":\"dtmf\",\"dtmf\":{\"digit\":\"x\"}}");
        s.text("not json");
        s.text("{\"event\":\"stop\"}");
        s.closed();
        assertThat(events.digits.toString()).isEqualTo("7");
        assertThat(events.stops).containsExactly("the carrier stopped the stream");
        assertThat(events.transport.sendDigits("1")).isFalse();
    }

    @Test
    void aStartWithoutTheTokenOrWithOtherAudioIsClosed() {
        var call = streams.expect(CALL, MediaStreams.Dialect.TWILIO, Optional.of("auth"), events);
        String signature = TwilioSignature.sign("auth", call.url().toString(), java.util.Map.of());
        StreamSession s = streams.connect("twilio", CALL, signature, null, socket).orElseThrow();
        s.text("{\"event\":\"start\",\"start\":{\"streamSid\":\"MZ1\",\"customParameters\":{\"token\":\"guess\"},"
                + "\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":8000}}}");
        assertThat(socket.closeCode).isEqualTo(StreamSocket.POLICY);
        assertThat(events.transport).isNull();

        Socket other = new Socket();
        StreamSession s2 = streams.connect("twilio", CALL, signature, null, other).orElseThrow();
        s2.text("{\"event\":\"start\",\"start\":{\"streamSid\":\"MZ2\",\"customParameters\":{\"token\":\"" + call.token() + "\"},"
                + "\"mediaFormat\":{\"encoding\":\"audio/l16\",\"sampleRate\":16000}}}");
        assertThat(other.closeCode).isEqualTo(StreamSocket.UNSUPPORTED);
        assertThat(events.transport).isNull();
        assertThat(events.stops).hasSize(1);
    }

    @Test
    void closingTheExpectationClosesTheStreamAndRefusesLaterOnes() {
        var call = streams.expect(CALL, MediaStreams.Dialect.TWILIO, Optional.of("auth"), events);
        twilio(call);
        call.close();
        call.close();
        assertThat(socket.closeCode).isEqualTo(StreamSocket.NORMAL);
        Socket late = new Socket();
        String signature = TwilioSignature.sign("auth", call.url().toString(), java.util.Map.of());
        assertThat(streams.connect("twilio", CALL, signature, null, late)).isEmpty();
        assertThat(late.closeCode).isEqualTo(StreamSocket.POLICY);
        assertThat(Arrays.asList(streams.stats().refused().sum())).containsExactly(1L);
    }
}
