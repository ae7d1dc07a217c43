package dev.parley.ai.deepgram;

import static dev.parley.support.SttEvents.ended;
import static dev.parley.support.SttEvents.failed;
import static dev.parley.support.SttEvents.until;
import static dev.parley.support.SttEvents.untilNth;
import static dev.parley.support.SttEvents.withoutInterims;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.ai.Endpoint;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.SpeechToText.SttEvent;
import dev.parley.ai.Usage;
import dev.parley.support.FakeDeepgram;
import dev.parley.support.FakeDeepgram.Fault;
import dev.parley.support.SpokenAudio;
import dev.parley.support.SttEvents;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Deepgram's live transcription against {@link FakeDeepgram}, with espeak-ng speech. */
@Tag("provider")
class DeepgramSpeechToTextTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final int ENDPOINTING = 300;

    final FakeDeepgram fake = new FakeDeepgram();
    final Usage usage = new Usage();
    SpeechToText.Session session;

    @AfterEach
    void close() {
        if (session != null) {
            session.close();
        }
        fake.close();
    }

    DeepgramSpeechToText deepgram(DeepgramSpeechToText.Timing timing) {
        return new DeepgramSpeechToText(new Endpoint("deepgram", URI.create(fake.baseUrl()), Optional.of("dg-secret-key")),
                "nova-3", "en-US", ENDPOINTING, usage, timing);
    }

    DeepgramSpeechToText deepgram() {
        return deepgram(DeepgramSpeechToText.Timing.DEFAULT);
    }

    void send(List<short[]> frames) {
        frames.forEach(session::send);
    }

    @Test
    void streamsLinear16WithTheDocumentedParametersAndKey() throws Exception {
        session = deepgram().start();
        List<short[]> frames = SpokenAudio.of().tone(Duration.ofMillis(100), 3000).frames();
        send(frames);

        FakeDeepgram.Connection c = fake.connection(0, WAIT);
        FakeDeepgram.await(() -> c.audioMs() == 100, WAIT, "the audio");
        assertThat(c.authorization()).isEqualTo("Token dg-secret-key");
        assertThat(c.query()).containsOnlyKeys("model", "language", "encoding", "sample_rate", "channels",
                "interim_results", "endpointing", "utterance_end_ms", "vad_events", "smart_format", "punctuate");
        assertThat(List.of(c.query("model"), c.query("language"), c.query("encoding"), c.query("sample_rate"),
                c.query("channels"), c.query("interim_results"), c.query("endpointing"), c.query("utterance_end_ms"),
                c.query("vad_events")))
                .containsExactly("nova-3", "en-US", "linear16", "8000", "1", "true", "300", "1000", "true");
        ByteBuffer expected = ByteBuffer.allocate(1600).order(ByteOrder.LITTLE_ENDIAN);
        frames.forEach(f -> {
            for (short s : f) {
                expected.putShort(s);
            }
        });
        assertThat(c.audio()).isEqualTo(expected.array());
        assertThat(session.capabilities()).isEqualTo(new SpeechToText.Capabilities(true, true, true));
    }

    @Test
    void theProvidersEndpointingEndsEachTurnOnceWithTheFinalOnTheAudioTimeline() throws Exception {
        fake.transcripts("yes please", "what time is it");
        session = deepgram().start();
        SpokenAudio audio = SpokenAudio.of().silence(Duration.ofMillis(400)).say("yes please");
        long firstEnd = audio.loudUntilMs(300);
        audio.silence(Duration.ofMillis(1500)).say("what time is it");
        long secondEnd = audio.loudUntilMs(300);
        audio.silence(Duration.ofMillis(1500));
        send(audio.frames()); // faster than real time: the fake's timeline is the audio's

        List<SttEvent> events = untilNth(session, 2, SttEvents::ended, WAIT);
        FakeDeepgram.Connection c = fake.connection(0, WAIT);
        FakeDeepgram.await(() -> c.sent().stream().filter(m -> m.contains("UtteranceEnd")).count() == 2, WAIT,
                "both UtteranceEnd messages");
        List<SttEvent> later = SttEvents.within(session, Duration.ofMillis(200));

        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(SttEvent.Interim.class));
        List<SttEvent> turns = withoutInterims(events);
        assertThat(turns).hasSize(6);
        assertThat(turns.get(0)).isInstanceOf(SttEvent.SpeechStarted.class);
        assertThat(turns.get(1)).isInstanceOfSatisfying(SttEvent.Final.class, f -> {
            assertThat(f.text()).isEqualTo("yes please");
            assertThat(f.error()).isNull();
            assertThat(f.endMs()).isEqualTo(firstEnd + ENDPOINTING); // where the fake's endpointing decided
        });
        assertThat(turns.get(2)).isInstanceOf(SttEvent.SpeechEnded.class);
        assertThat(turns.get(3)).isInstanceOf(SttEvent.SpeechStarted.class);
        assertThat(turns.get(4)).isInstanceOfSatisfying(SttEvent.Final.class, f -> {
            assertThat(f.text()).isEqualTo("what time is it");
            assertThat(f.endMs()).isEqualTo(secondEnd + ENDPOINTING);
        });
        assertThat(turns.get(5)).isInstanceOf(SttEvent.SpeechEnded.class);
        assertThat(later).as("UtteranceEnd after speech_final ends nothing twice").isEmpty();
        FakeDeepgram.await(() -> usage.snapshot().sttSeconds() == audio.ms() / 1000.0, WAIT, "usage of all audio");
    }

    @Test
    void finishSendsFinalizeAndEndsTheTurnOnceTheFlushedFinalArrived() throws Exception {
        fake.transcripts("book a table");
        session = new DeepgramSpeechToText(new Endpoint("deepgram", URI.create(fake.baseUrl()), Optional.of("k")),
                "nova-3", "en", 5000, usage).start(); // the provider's endpointing never decides here
        send(SpokenAudio.of().silence(Duration.ofMillis(200)).say("book a table").silence(Duration.ofMillis(300)).frames());
        session.finish();

        List<SttEvent> turn = withoutInterims(until(session, SttEvents::ended, WAIT));
        assertThat(turn).hasSize(3);
        assertThat(turn.get(0)).isInstanceOf(SttEvent.SpeechStarted.class);
        assertThat(texts(turn)).containsExactly("book a table");
        assertThat(turn.get(1)).isInstanceOf(SttEvent.Final.class);
        assertThat(fake.connection(0, WAIT).controls()).containsExactly("Finalize");

        // Nothing was said since: the next finish() is answered at once, without a Final.
        session.finish();
        assertThat(session.next(Duration.ofMillis(500))).isInstanceOf(SttEvent.SpeechEnded.class);
        assertThat(session.next(Duration.ofMillis(100))).isNull();
    }

    @Test
    void keepAliveGoesOutWhileNoAudioFlows() throws Exception {
        session = deepgram(timing(Duration.ofMillis(100), Duration.ofSeconds(10))).start();
        send(SpokenAudio.of().silence(Duration.ofMillis(100)).frames());
        FakeDeepgram.Connection c = fake.connection(0, WAIT);
        FakeDeepgram.await(() -> c.controls().stream().filter("KeepAlive"::equals).count() >= 3, WAIT, "KeepAlives");
        assertThat(c.closed()).isFalse();
    }

    @Test
    void closeSendsCloseStreamAndReturnsAtOnce() throws Exception {
        session = deepgram().start();
        send(SpokenAudio.of().silence(Duration.ofMillis(200)).frames());
        FakeDeepgram.Connection c = fake.connection(0, WAIT);
        FakeDeepgram.await(() -> c.audioMs() == 200, WAIT, "the audio");

        long before = System.nanoTime();
        session.close();
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofMillis(50));
        FakeDeepgram.await(c::closed, WAIT, "the stream closed");
        assertThat(c.controls()).containsExactly("CloseStream");
        assertThat(c.sent()).last().asString().contains("\"Metadata\"");
        assertThat(session.next(Duration.ofMillis(10))).isNull();
    }

    @Test
    void aDroppedStreamIsReopenedWithTheAudioNotYetRecognized() throws Exception {
        fake.transcripts("first one", "second one");
        SpokenAudio audio = SpokenAudio.of().silence(Duration.ofMillis(300)).say("first one").silence(Duration.ofMillis(800));
        long dropAt = audio.ms() + 300; // inside the second utterance
        audio.say("second one");
        long secondEnd = audio.loudUntilMs(300);
        audio.silence(Duration.ofMillis(800));
        fake.faults(Fault.dropAfter(Duration.ofMillis(dropAt)));
        session = deepgram().start();
        // The first turn is heard before the second utterance's audio goes out, as on a call, where
        // audio comes at 20 ms a frame: sent in one burst, the first final and the drop leave the
        // fake together, and which of them reaches the client first is up to the machine's load.
        List<short[]> frames = audio.frames();
        int firstTurn = (int) ((dropAt - 300) / 20);
        send(frames.subList(0, firstTurn));
        List<SttEvent> turns = new java.util.ArrayList<>(withoutInterims(untilNth(session, 1, SttEvents::ended, WAIT)));
        send(frames.subList(firstTurn, frames.size()));
        turns.addAll(withoutInterims(untilNth(session, 1, SttEvents::ended, WAIT)));
        assertThat(texts(turns)).containsExactly("first one", "second one");
        assertThat(turns).noneMatch(SttEvents::failed);
        SttEvent.Final second = (SttEvent.Final) turns.stream().filter(e -> e instanceof SttEvent.Final f
                && f.text().equals("second one")).findFirst().orElseThrow();
        // On the session's timeline although the new stream's timestamps start at its first byte.
        assertThat(second.endMs()).isEqualTo(secondEnd + ENDPOINTING);
        assertThat(fake.connections()).hasSize(2);
        FakeDeepgram.Connection reopened = fake.connections().get(1);
        assertThat(reopened.audioMs()).as("replayed from the end of the first final, not from the start")
                .isLessThan(audio.ms() - 1000);
        FakeDeepgram.await(() -> usage.snapshot().sttSeconds() > audio.ms() / 1000.0, WAIT, "replayed audio counted");
    }

    @Test
    void aRefusedKeyFailsForGoodWithoutRetrying() throws Exception {
        fake.faults(Fault.refuse(401));
        session = deepgram().start();
        send(SpokenAudio.of().silence(Duration.ofMillis(100)).frames());

        SttEvent e = session.next(WAIT);
        assertThat(e).isInstanceOfSatisfying(SttEvent.Failed.class, f -> {
            assertThat(f.failure().retryable()).isFalse();
            assertThat(f.failure().provider()).isEqualTo("deepgram");
            assertThat(f.failure().message()).contains("401").doesNotContain("dg-secret-key");
        });
        assertThat(fake.upgrades()).isEqualTo(1);
    }

    @Test
    void aServerErrorOnTheUpgradeIsRetriedOnceThenFails() throws Exception {
        fake.transcripts("hello");
        fake.faults(Fault.refuse(503));
        session = deepgram().start();
        send(SpokenAudio.of().say("hello").silence(Duration.ofMillis(500)).frames());
        List<SttEvent> turn = withoutInterims(until(session, SttEvents::ended, WAIT));
        assertThat(texts(turn)).containsExactly("hello");
        assertThat(fake.upgrades()).isEqualTo(2);
        session.close();

        fake.faults(Fault.refuse(500), Fault.refuse(500));
        session = deepgram().start();
        SttEvent e = until(session, SttEvents::failed, WAIT).getLast();
        assertThat(((SttEvent.Failed) e).failure().retryable()).isTrue();
        assertThat(fake.upgrades()).isEqualTo(2);
    }

    @Test
    void aStalledStreamIsDetectedReopenedOnceThenReported() throws Exception {
        fake.faults(Fault.stallAfter(Duration.ofMillis(100)), Fault.stallAfter(Duration.ofMillis(100)));
        session = deepgram(timing(Duration.ofSeconds(4), Duration.ofMillis(300))).start();
        short[] silence = new short[SpokenAudio.FRAME];
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try {
            clock.scheduleAtFixedRate(() -> session.send(silence), 0, 20, TimeUnit.MILLISECONDS); // real time
            SttEvent e = until(session, SttEvents::failed, WAIT).getLast();
            assertThat(((SttEvent.Failed) e).failure().message()).contains("stalled");
        } finally {
            clock.shutdownNow();
        }
        assertThat(fake.connections()).hasSize(2);
    }

    static List<String> texts(List<SttEvent> events) {
        return events.stream().filter(SttEvent.Final.class::isInstance).map(e -> ((SttEvent.Final) e).text()).toList();
    }

    static DeepgramSpeechToText.Timing timing(Duration keepAlive, Duration stall) {
        return new DeepgramSpeechToText.Timing(keepAlive, stall, Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(15));
    }
}
