package dev.parley.ai.sphinx;

import static dev.parley.ai.sphinx.EspeakSpeech.speak;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.ai.SpeechToText;
import dev.parley.ai.SpeechToText.SttEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Sessions of calls sharing one pooled recognizer, fed espeak-ng speech in 20 ms frames as the media clock does. */
@Tag("speech")
class SphinxSpeechToTextTest {
    static final Duration BORROW = Duration.ofMillis(300);
    static RecognizerPool pool;
    static SphinxSpeechToText stt;

    @BeforeAll
    static void create() throws Exception {
        EspeakSpeech.assumePresent();
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        long t0 = System.nanoTime();
        pool = new RecognizerPool(1, EspeakSpeech.primer());
        while (pool.free() == 0) {
            assertThat(pool.creating() + pool.free()).as("recognizer creation failed").isPositive();
            Thread.sleep(20);
        }
        long created = System.nanoTime() - t0;
        System.gc();
        long after = rt.totalMemory() - rt.freeMemory();
        System.out.printf("MEASURED recognizer created and primed in %d ms; heap +%d MB%n", created / 1_000_000,
                (after - before) >> 20);
        stt = new SphinxSpeechToText(pool, BORROW);
    }

    @AfterAll
    static void close() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    /** Sends the speech as 20 ms frames, finishes, and collects the events up to SpeechEnded. */
    static List<SttEvent> say(SpeechToText.Session session, short[] speech) throws Exception {
        for (int i = 0; i < speech.length; i += 160) {
            session.send(Arrays.copyOfRange(speech, i, i + 160));
        }
        long t0 = System.nanoTime();
        session.finish();
        List<SttEvent> events = new ArrayList<>();
        SttEvent e;
        while ((e = session.next(Duration.ofSeconds(30))) != null) {
            events.add(e);
            if (e instanceof SttEvent.SpeechEnded) {
                break;
            }
        }
        System.out.printf("MEASURED finish() to SpeechEnded %d ms for %d ms of audio%n", (System.nanoTime() - t0) / 1_000_000,
                speech.length / 8);
        return events;
    }

    static String finalText(List<SttEvent> events) {
        assertThat(events).hasSize(3);
        assertThat(events.get(0)).isInstanceOf(SttEvent.SpeechStarted.class);
        assertThat(events.get(2)).isInstanceOf(SttEvent.SpeechEnded.class);
        SttEvent.Final f = (SttEvent.Final) events.get(1);
        assertThat(f.error()).isNull();
        return f.text();
    }

    @Test
    void twoCallsTakeTurnsOnOneRecognizerWithTheirOwnExpectations() throws Exception {
        try (SpeechToText.Session a = stt.start(); SpeechToText.Session b = stt.start()) {
            a.expect(List.of("yes", "no"));
            b.expect(List.of("reschedule", "confirm"));
            assertThat(finalText(say(a, speak("yes")))).isEqualTo("yes");
            assertThat(finalText(say(b, speak("confirm")))).isEqualTo("confirm");
            assertThat(finalText(say(a, speak("no")))).isEqualTo("no");
        }
        assertThat(pool.inUse()).isZero();
        assertThat(pool.free()).isEqualTo(1);
    }

    @Test
    void commonAnswersAreHeardWhateverWasExpected() throws Exception {
        try (SpeechToText.Session s = stt.start()) {
            s.expect(List.of("yes", "no"));
            // espeak's "goodbye" is heard as "bye" (GrammarRecognizerTest); either ends the call.
            assertThat(finalText(say(s, speak("goodbye")))).isIn("goodbye", "bye");
        }
    }

    @Test
    void aWordMissingFromTheDictionaryDoesNotBreakRecognition() throws Exception {
        try (SpeechToText.Session s = stt.start()) {
            s.expect(List.of("zorbleflax", "confirm"));
            assertThat(finalText(say(s, speak("confirm")))).isEqualTo("confirm");
        }
    }

    @Test
    void withNoRecognizerFreeTheSessionSaysSoWithinTheTimeout() throws Exception {
        GrammarRecognizer held = pool.borrow(Duration.ofSeconds(30)).orElseThrow();
        long timedOut = pool.timedOutBorrows();
        try (SpeechToText.Session s = stt.start()) {
            short[] yes = speak("yes");
            s.send(Arrays.copyOfRange(yes, 2400, 2560)); // speech, not silence
            long t0 = System.nanoTime();
            s.finish();
            assertThat(s.next(Duration.ofSeconds(1))).isInstanceOf(SttEvent.SpeechStarted.class);
            SttEvent f = s.next(Duration.ofSeconds(5));
            long waited = (System.nanoTime() - t0) / 1_000_000;
            assertThat(f).isEqualTo(new SttEvent.Final("", "no speech recognizer free within 300 ms (speech.recognizers=1)"));
            assertThat(s.next(Duration.ofSeconds(1))).isInstanceOf(SttEvent.SpeechEnded.class);
            assertThat(waited).isBetween(250L, 2000L);
            assertThat(pool.timedOutBorrows()).isEqualTo(timedOut + 1);
        } finally {
            pool.release(held);
        }
        assertThat(pool.free()).isEqualTo(1);
    }

    @Test
    void nextIsNullWhenNothingHappensInTime() throws Exception {
        try (SpeechToText.Session s = stt.start()) {
            s.send(new short[160]); // silence: no SpeechStarted
            long t0 = System.nanoTime();
            assertThat(s.next(Duration.ofMillis(100))).isNull();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(90L, 1000L);
        }
    }

    @Test
    void anEmptyUtteranceNeedsNoRecognizer() throws Exception {
        try (SpeechToText.Session s = stt.start()) {
            s.finish();
            assertThat(s.next(Duration.ofSeconds(1))).isEqualTo(SttEvent.Final.heard(""));
            assertThat(s.next(Duration.ofSeconds(1))).isInstanceOf(SttEvent.SpeechEnded.class);
        }
    }
}
