package dev.parley.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.ai.TextToSpeech.Speech;
import dev.parley.ai.elevenlabs.ElevenLabsVoice;
import dev.parley.ai.openai.OpenAiVoice;
import dev.parley.support.FakeElevenLabs;
import dev.parley.support.FakeOpenAiSpeech;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("provider")
class FallbackVoiceTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T10:00:00Z"));
    private final InstantSource clock = () -> now.get();

    @Test
    void aRefusedElevenLabsKeyHandsTheSameTextToTheOpenAiVoice() throws Exception {
        try (FakeElevenLabs eleven = new FakeElevenLabs().refuse(401); FakeOpenAiSpeech openai = new FakeOpenAiSpeech()) {
            Usage usage = new Usage();
            FallbackVoice voice = new FallbackVoice(List.of(
                    new ElevenLabsVoice(new Endpoint("elevenlabs", eleven.baseUrl(), Optional.of("bad")), "v1", "eleven_flash_v2_5", usage),
                    new OpenAiVoice(new Endpoint("openai", openai.baseUrl(), Optional.empty()), "alloy", "tts-1", usage)));
            try (voice) {
                int frames = drain(voice.synthesize("Thanks for calling."));
                assertThat(frames).isEqualTo((FakeOpenAiSpeech.audioFor("Thanks for calling.").length / 3 + 159) / 160);
                assertThat(openai.requests()).extracting(r -> r.body().path("input").asText()).containsExactly("Thanks for calling.");
                assertThat(usage.snapshot().ttsCharacters()).as("only what was spoken").isEqualTo("Thanks for calling.".length());

                drain(voice.synthesize("Goodbye."));
                assertThat(eleven.refused()).as("a refused key is not tried again in the call").isEqualTo(1);
                assertThat(openai.requests()).hasSize(2);
            }
        }
    }

    @Test
    void aRetryableFailureRestsThePrimaryForTheCoolDownOnly() throws Exception {
        Scripted primary = new Scripted("primary");
        Scripted backup = new Scripted("backup");
        FallbackVoice voice = new FallbackVoice(List.of(primary, backup), Duration.ofSeconds(30), clock);
        primary.failNext(ProviderFailure.of("primary", true, "primary answered HTTP 503"));

        assertThat(first(voice.synthesize("one"))).isEqualTo("backup");
        now.set(now.get().plusSeconds(29));
        assertThat(first(voice.synthesize("two"))).as("still resting").isEqualTo("backup");
        now.set(now.get().plusSeconds(2));
        assertThat(first(voice.synthesize("three"))).as("tried first again after the cool-down").isEqualTo("primary");
        assertThat(primary.asked).containsExactly("one", "three");
        assertThat(backup.asked).containsExactly("one", "two");
    }

    @Test
    void whenEveryVoiceFailsTheLastFailurePropagatesAndAFailureAfterAudioIsNotRetried() throws Exception {
        Scripted primary = new Scripted("primary");
        Scripted backup = new Scripted("backup");
        FallbackVoice voice = new FallbackVoice(List.of(primary, backup), Duration.ofSeconds(30), clock);
        primary.failNext(ProviderFailure.of("primary", true, "primary timed out"));
        backup.failNext(ProviderFailure.of("backup", false, "backup answered HTTP 401"));
        ProviderFailure.Exception e = catchThrowableOfType(ProviderFailure.Exception.class, () -> first(voice.synthesize("hello")));
        assertThat(e.failure().provider()).isEqualTo("backup");

        now.set(now.get().plusSeconds(60));
        Scripted.midStreamFailure = true;
        try (Speech s = voice.synthesize("again")) {
            assertThat(s.next()).isNotNull();
            catchThrowableOfType(ProviderFailure.Exception.class, s::next);
        } finally {
            Scripted.midStreamFailure = false;
        }
        assertThat(backup.asked).as("audio had been heard: not said again by another voice").containsExactly("hello");
    }

    @Test
    void closingTheSpeechClosesTheVoiceSpeaking() throws Exception {
        Scripted primary = new Scripted("primary");
        FallbackVoice voice = new FallbackVoice(List.of(primary, new Scripted("backup")), Duration.ofSeconds(30), clock);
        Speech s = voice.synthesize("hello");
        s.next();
        s.close();
        assertThat(primary.closedSpeeches).isEqualTo(1);
        assertThat(s.next()).isNull();
    }

    /** Which voice spoke: its name is in the first frame's first sample. */
    private static String first(Speech s) throws InterruptedException {
        try (s) {
            short[] f = s.next();
            return f[0] == 1 ? "primary" : "backup";
        }
    }

    private static int drain(Speech speech) throws InterruptedException {
        int n = 0;
        try (speech) {
            while (speech.next() != null) {
                n++;
            }
        }
        return n;
    }

    /** A voice whose next utterance fails before its first frame when told to; otherwise two frames. */
    private static final class Scripted implements TextToSpeech {
        static volatile boolean midStreamFailure;
        final String name;
        final List<String> asked = new ArrayList<>();
        int closedSpeeches;
        private ProviderFailure failNext;

        Scripted(String name) {
            this.name = name;
        }

        void failNext(ProviderFailure f) {
            failNext = f;
        }

        @Override
        public Speech synthesize(String text) {
            asked.add(text);
            ProviderFailure fail = failNext;
            failNext = null;
            return new Speech() {
                int given;

                @Override
                public short[] next() {
                    if (fail != null) {
                        throw new ProviderFailure.Exception(fail);
                    }
                    if (given == 1 && midStreamFailure) {
                        throw new ProviderFailure.Exception(ProviderFailure.of(name, true, name + " closed the stream (1011)"));
                    }
                    if (given++ >= 2) {
                        return null;
                    }
                    short[] f = new short[160];
                    f[0] = (short) (name.equals("primary") ? 1 : 2);
                    return f;
                }

                @Override
                public void close() {
                    closedSpeeches++;
                }
            };
        }

        @Override
        public void close() {
        }
    }
}
