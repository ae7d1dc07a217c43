package dev.parley.ai;

import static dev.parley.support.SttEvents.until;
import static dev.parley.support.SttEvents.withoutInterims;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.ai.SpeechToText.SttEvent;
import dev.parley.ai.deepgram.DeepgramSpeechToText;
import dev.parley.ai.openai.OpenAiTranscriber;
import dev.parley.support.FakeDeepgram;
import dev.parley.support.FakeDeepgram.Fault;
import dev.parley.support.FakeTranscriptions;
import dev.parley.support.FakeTranscriptions.Answer;
import dev.parley.support.SpokenAudio;
import dev.parley.support.SttEvents;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A transcriber's fallbacks taking over, with the wire-level fakes of both providers. */
@Tag("provider")
class FallbackSpeechToTextTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    final FakeDeepgram primary = new FakeDeepgram();
    final FakeDeepgram secondary = new FakeDeepgram();
    final FakeTranscriptions whisper = new FakeTranscriptions();
    final Usage usage = new Usage();
    SpeechToText.Session session;

    @AfterEach
    void close() {
        if (session != null) {
            session.close();
        }
        primary.close();
        secondary.close();
        whisper.close();
    }

    DeepgramSpeechToText deepgram(FakeDeepgram fake) {
        return new DeepgramSpeechToText(new Endpoint("deepgram", URI.create(fake.baseUrl()), Optional.of("k")), "nova-3",
                "en", 300, usage);
    }

    OpenAiTranscriber openai() {
        return new OpenAiTranscriber(new Endpoint("openai", URI.create(whisper.baseUrl()), Optional.empty()), "", "en",
                usage, Duration.ofSeconds(5));
    }

    @Test
    void aRefusedPrimaryHandsTheCallToItsFallbackWhichHearsItFromTheStart() throws Exception {
        primary.faults(Fault.refuse(401));
        secondary.transcripts("yes please");
        session = new FallbackSpeechToText(List.of(deepgram(primary), deepgram(secondary))).start();
        SpokenAudio audio = SpokenAudio.of().silence(Duration.ofMillis(300)).say("yes please");
        long spokenUntil = audio.loudUntilMs(300);
        audio.silence(Duration.ofMillis(600));
        audio.frames().forEach(session::send);

        List<SttEvent> turn = withoutInterims(until(session, SttEvents::ended, WAIT));
        assertThat(turn).noneMatch(SttEvents::failed);
        assertThat(turn).hasSize(3);
        assertThat(turn.get(1)).isEqualTo(new SttEvent.Final("yes please", null, spokenUntil + 300));
        FakeDeepgram.Connection c = secondary.connection(0, WAIT);
        FakeDeepgram.await(() -> c.audioMs() == audio.ms(), WAIT, "all the audio at the fallback");
        assertThat(session.capabilities().streaming()).isTrue();
    }

    @Test
    void aStreamingPrimaryFallsBackToUtteranceTranscriptionOfTheSameTurn() throws Exception {
        primary.faults(Fault.refuse(403));
        whisper.texts("what time is it");
        session = new FallbackSpeechToText(List.of(deepgram(primary), openai())).start();
        List<short[]> frames = SpokenAudio.of().say("what time is it").frames();
        frames.forEach(session::send);
        session.finish();

        assertThat(withoutInterims(until(session, SttEvents::ended, WAIT)))
                .endsWith(SttEvent.Final.heard("what time is it"), new SttEvent.SpeechEnded())
                .noneMatch(SttEvents::failed);
        assertThat(whisper.requests()).hasSize(1);
        assertThat(whisper.requests().getFirst().samples()).hasSize(frames.size() * SpokenAudio.FRAME);
        assertThat(session.capabilities()).isEqualTo(SpeechToText.Capabilities.UTTERANCES);
    }

    @Test
    void onlyTheLastProvidersFailureIsReportedAfterItWasGivenTheUtterance() throws Exception {
        whisper.answers(Answer.status(401), Answer.status(401));
        session = new FallbackSpeechToText(List.of(openai(), openai())).start();
        SpokenAudio.of().say("hello").frames().forEach(session::send);
        session.finish();

        List<SttEvent> events = until(session, SttEvents::failed, WAIT);
        assertThat(events).hasSize(1);
        assertThat(whisper.requests()).hasSize(2);
        assertThat(whisper.requests().get(1).samples()).isEqualTo(whisper.requests().get(0).samples());
        assertThat(session.next(Duration.ofMillis(200))).isNull();
    }
}
