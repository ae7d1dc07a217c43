package dev.parley.ai.openai;

import static dev.parley.support.SttEvents.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.ai.Endpoint;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.SpeechToText.SttEvent;
import dev.parley.ai.Usage;
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

/** Utterance transcription against {@link FakeTranscriptions}. */
@Tag("provider")
class OpenAiTranscriberTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    final FakeTranscriptions fake = new FakeTranscriptions();
    final Usage usage = new Usage();
    SpeechToText.Session session;

    @AfterEach
    void close() {
        if (session != null) {
            session.close();
        }
        fake.close();
    }

    SpeechToText.Session start(Optional<String> key, Duration timeout) {
        return new OpenAiTranscriber(new Endpoint("openai", URI.create(fake.baseUrl()), key), "", "en-US", usage,
                timeout).start();
    }

    short[] utterance(String text) {
        SpokenAudio a = SpokenAudio.of().say(text);
        List<short[]> frames = a.frames();
        frames.forEach(session::send);
        short[] all = new short[frames.size() * SpokenAudio.FRAME];
        for (int i = 0; i < frames.size(); i++) {
            System.arraycopy(frames.get(i), 0, all, i * SpokenAudio.FRAME, SpokenAudio.FRAME);
        }
        return all;
    }

    @Test
    void postsTheUtteranceAsAWavWithModelAndLanguageAndAnswersItsText() throws Exception {
        fake.texts("Yes, please.");
        session = start(Optional.of("sk-test"), Duration.ofSeconds(5));
        assertThat(session.capabilities()).isEqualTo(SpeechToText.Capabilities.UTTERANCES);
        short[] sent = utterance("yes please");
        session.finish();

        List<SttEvent> turn = until(session, SttEvents::ended, WAIT);
        assertThat(turn).containsExactly(SttEvent.Final.heard("Yes, please."), new SttEvent.SpeechEnded());
        FakeTranscriptions.Request r = fake.requests().getFirst();
        assertThat(r.samples()).isEqualTo(sent);
        assertThat(r.model()).isEqualTo("whisper-1");
        assertThat(r.language()).isEqualTo("en");
        assertThat(r.filename()).endsWith(".wav");
        assertThat(r.authorization()).isEqualTo("Bearer sk-test");
        assertThat(usage.snapshot().sttSeconds()).isEqualTo(sent.length / 8000.0);
    }

    @Test
    void aLocalServerWithoutAKeyIsSentNone() throws Exception {
        fake.texts("what time is it");
        session = start(Optional.empty(), Duration.ofSeconds(5));
        utterance("what time is it");
        session.finish();

        assertThat(until(session, SttEvents::ended, WAIT)).first().isEqualTo(SttEvent.Final.heard("what time is it"));
        assertThat(fake.requests().getFirst().authorization()).isNull();
    }

    @Test
    void eachFinishTranscribesOnlyItsOwnTurnInOrder() throws Exception {
        fake.answers(Answer.slow("first", Duration.ofMillis(300)), Answer.text("second"));
        session = start(Optional.empty(), Duration.ofSeconds(5));
        short[] one = utterance("one");
        session.finish();
        short[] two = utterance("two");
        session.finish();

        List<SttEvent> events = SttEvents.untilNth(session, 2, SttEvents::ended, WAIT);
        assertThat(events).containsExactly(SttEvent.Final.heard("first"), new SttEvent.SpeechEnded(),
                SttEvent.Final.heard("second"), new SttEvent.SpeechEnded());
        assertThat(fake.requests().get(0).samples()).isEqualTo(one);
        assertThat(fake.requests().get(1).samples()).isEqualTo(two);
    }

    @Test
    void aTurnWithoutAudioIsAnsweredEmptyWithoutARequest() throws Exception {
        session = start(Optional.empty(), Duration.ofSeconds(5));
        session.finish();
        assertThat(until(session, SttEvents::ended, WAIT)).containsExactly(SttEvent.Final.heard(""),
                new SttEvent.SpeechEnded());
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void aRetryableFailureIsRetriedOnce() throws Exception {
        fake.answers(Answer.status(503), Answer.text("no thanks"));
        session = start(Optional.empty(), Duration.ofSeconds(5));
        utterance("no thanks");
        session.finish();
        assertThat(until(session, SttEvents::ended, WAIT)).first().isEqualTo(SttEvent.Final.heard("no thanks"));
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void anUtteranceLostToRetryableFailuresIsNotUnderstoodAndTheCallGoesOn() throws Exception {
        fake.answers(Answer.status(500), Answer.slow("too late", Duration.ofMillis(800)), Answer.text("hello"));
        session = start(Optional.empty(), Duration.ofMillis(300));
        utterance("hello");
        session.finish();
        List<SttEvent> lost = until(session, SttEvents::ended, WAIT);
        assertThat(lost).hasSize(2).noneMatch(SttEvents::failed);
        assertThat(lost.getFirst()).isInstanceOfSatisfying(SttEvent.Final.class, f -> {
            assertThat(f.text()).isEmpty();
            assertThat(f.error()).contains("timed out");
        });

        utterance("hello");
        session.finish();
        assertThat(until(session, SttEvents::ended, WAIT)).first().isEqualTo(SttEvent.Final.heard("hello"));
    }

    @Test
    void aWrongKeyFailsTheSessionForGoodInsteadOfAnsweringTheTurn() throws Exception {
        fake.answers(Answer.status(401));
        session = start(Optional.of("sk-wrong-key"), Duration.ofSeconds(5));
        utterance("hello");
        session.finish();
        SttEvent e = session.next(WAIT);
        assertThat(e).isInstanceOfSatisfying(SttEvent.Failed.class, f -> {
            assertThat(f.failure().retryable()).isFalse();
            assertThat(f.failure().message()).contains("401").doesNotContain("sk-wrong-key");
        });
        assertThat(session.next(Duration.ofMillis(200))).isNull();
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void threeTurnsInARowLostMeanTheProviderIsFailing() throws Exception {
        fake.answers(Answer.status(502), Answer.status(502), Answer.status(502), Answer.status(502),
                Answer.status(502), Answer.status(502));
        session = start(Optional.empty(), Duration.ofSeconds(5));
        for (int i = 0; i < 2; i++) {
            utterance("hello");
            session.finish();
            assertThat(until(session, SttEvents::ended, WAIT)).first()
                    .isInstanceOfSatisfying(SttEvent.Final.class, f -> assertThat(f.error()).contains("502"));
        }
        utterance("hello");
        session.finish();
        assertThat(session.next(WAIT)).isInstanceOfSatisfying(SttEvent.Failed.class,
                f -> assertThat(f.failure().retryable()).isTrue());
    }
}
