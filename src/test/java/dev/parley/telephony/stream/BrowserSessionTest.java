package dev.parley.telephony.stream;

import dev.parley.support.Await;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A browser's stream without a network: the token checked against the stored hash, the join before
 * and after the dialer expects the call, what the browser is sent, and every refusal with the reason
 * it reads.
 */
@Tag("unit")
class BrowserSessionTest {
    private static final String CALL = "c_00000000000000000000000a";
    private static final String TOKEN = "k".repeat(43);
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicReference<Instant> clock = new AtomicReference<>(NOW);
    private final Map<String, WebCallTokens.Stored> stored = new HashMap<>();
    private final CarrierStreams streams = new CarrierStreams(() -> URI.create("https://parley.example"), nanos::get,
            id -> Optional.ofNullable(stored.get(id)), clock::get);
    private final StreamSessionTest.Socket socket = new StreamSessionTest.Socket();
    private final StreamSessionTest.Events events = new StreamSessionTest.Events();

    private BrowserSession browser(StreamSessionTest.Socket on, String token) {
        BrowserSession b = streams.connectBrowser(CALL, on).orElseThrow();
        b.text("{\"event\":\"start\",\"start\":{\"custom_parameters\":{\"token\":\"" + token + "\"},"
                + "\"media_format\":{\"encoding\":\"pcm16\",\"sample_rate\":8000}}}");
        return b;
    }

    private void webCall(Duration joinWithin, boolean over) {
        stored.put(CALL, new WebCallTokens.Stored(dev.parley.call.WebCalls.sha256(TOKEN), NOW.plus(joinWithin), over));
    }


    @Test
    void aBrowserThatComesBeforeTheDialerWaitsThenJoinsAndItsAudioIsBinaryPcm() throws Exception {
        webCall(Duration.ofMinutes(2), false);
        BrowserSession b = browser(socket, TOKEN);
        assertThat(socket.closeCode).as("a good token waits for its call").isZero();
        assertThat(events.transport).isNull();

        MediaStreams.Expected call = streams.expect(CALL, MediaStreams.Dialect.WEB, Optional.empty(), events);
        assertThat(call.token()).as("the browser's token was issued at acceptance").isNull();
        assertThat(call.url().toString()).isEqualTo("wss://parley.example/v1/web-calls/" + CALL + "/stream");
        Await.until("the waiting browser joins", Duration.ofSeconds(5), () -> events.transport != null);
        assertThat(socket.events()).containsExactly("started");

        short[] tone = new short[160];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (short) (i % 2 == 0 ? 1000 : -1000);
        }
        for (int i = 0; i < PlayedMarks.EVERY; i++) {
            events.transport.send(tone);
        }
        assertThat(socket.binary).hasSize(PlayedMarks.EVERY).allSatisfy(frame -> {
            assertThat(frame).hasSize(320);
            assertThat(ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).getShort(2)).isEqualTo((short) -1000);
        });
        assertThat(socket.events()).containsExactly("started", "mark");
        assertThat(events.transport.unplayedSamples()).isEqualTo(PlayedMarks.EVERY * 160L);
        b.text("{\"event\":\"mark\",\"mark\":{\"name\":\"" + socket.sent.getLast().at("/mark/name").asText() + "\"}}");
        assertThat(events.transport.unplayedSamples()).as("the echoed mark: all of it played").isZero();

        events.transport.said("caller", "yes \"please\"");
        assertThat(socket.sent.getLast().path("text").asText()).isEqualTo("yes \"please\"");

        b.binary(ByteBuffer.wrap(new byte[320]));
        b.binary(ByteBuffer.wrap(new byte[100]));
        assertThat(streams.stats().in().sum()).as("a frame of another size is dropped").isEqualTo(1);

        b.text("{\"event\":\"dtmf\",\"dtmf\":{\"digit\":\"5\"}}");
        b.text("{\"event\":\"stop\"}");
        assertThat(events.digits).hasToString("5");
        assertThat(events.stops).containsExactly("the browser hung up");
        call.close();
        assertThat(socket.closeCode).as("the call's end closes the socket").isEqualTo(1000);
    }

    @Test
    void aWrongTokenAnUnknownCallAndAPhoneCallReadAlike() {
        webCall(Duration.ofMinutes(2), false);
        streams.expect(CALL, MediaStreams.Dialect.WEB, Optional.empty(), events);
        browser(socket, "x" + TOKEN.substring(1));
        assertThat(socket.closeCode).isEqualTo(1008);
        assertThat(socket.closeReason).isEqualTo("no web call has this id and token");

        stored.clear(); // a phone call's id, or none at all: the store finds no web call
        StreamSessionTest.Socket other = new StreamSessionTest.Socket();
        browser(other, TOKEN);
        assertThat(other.closeReason).isEqualTo("no web call has this id and token");

        StreamSessionTest.Socket noToken = new StreamSessionTest.Socket();
        streams.connectBrowser(CALL, noToken).orElseThrow().text("{\"event\":\"start\",\"start\":{\"media_format\":"
                + "{\"encoding\":\"pcm16\",\"sample_rate\":8000}}}");
        assertThat(noToken.closeCode).isEqualTo(1008);

        StreamSessionTest.Socket notAnId = new StreamSessionTest.Socket();
        assertThat(streams.connectBrowser("../../etc", notAnId)).isEmpty();
        assertThat(notAnId.closeCode).isEqualTo(1008);
        assertThat(events.transport).as("nothing joined").isNull();
        assertThat(streams.stats().refused().sum()).isEqualTo(4);
    }

    @Test
    void anExpiredTokenACallThatIsOverAndOtherAudioAreRefusedWithTheirReason() {
        webCall(Duration.ofMinutes(2), false);
        clock.set(NOW.plus(Duration.ofMinutes(2)));
        browser(socket, TOKEN);
        assertThat(socket.closeReason).isEqualTo("the token expired: create a new web call");

        clock.set(NOW);
        webCall(Duration.ofMinutes(2), true);
        StreamSessionTest.Socket over = new StreamSessionTest.Socket();
        browser(over, TOKEN);
        assertThat(over.closeReason).isEqualTo("the call is over");

        StreamSessionTest.Socket mulaw = new StreamSessionTest.Socket();
        streams.connectBrowser(CALL, mulaw).orElseThrow().text("{\"event\":\"start\",\"start\":{\"custom_parameters\":{\"token\":\""
                + TOKEN + "\"},\"media_format\":{\"encoding\":\"PCMU\",\"sample_rate\":8000}}}");
        assertThat(mulaw.closeCode).isEqualTo(1003);
    }

    @Test
    void aSecondBrowserIsRefusedAndOneThatWaitsPastItsDeadlineToo() throws Exception {
        webCall(Duration.ofMillis(300), false);
        browser(socket, TOKEN);
        StreamSessionTest.Socket second = new StreamSessionTest.Socket();
        browser(second, TOKEN);
        assertThat(second.closeReason).as("two browsers waiting for one call").isEqualTo("another browser is joining this call");
        Await.until("the waiting browser is let go at its deadline", Duration.ofSeconds(5), () -> socket.closeCode != 0);
        assertThat(socket.closeReason).isEqualTo("the call was not placed on this node before its token expired");

        webCall(Duration.ofMinutes(2), false);
        streams.expect(CALL, MediaStreams.Dialect.WEB, Optional.empty(), events);
        StreamSessionTest.Socket first = new StreamSessionTest.Socket();
        browser(first, TOKEN);
        assertThat(first.events()).containsExactly("started");
        StreamSessionTest.Socket third = new StreamSessionTest.Socket();
        browser(third, TOKEN);
        assertThat(third.closeReason).isEqualTo("the call already has a browser");
        assertThat(streams.connect("web", CALL, null, TOKEN, new StreamSessionTest.Socket())).as("not through a carrier's path")
                .isEmpty();
    }
}
