package dev.parley.ai.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.ai.Endpoint;
import dev.parley.ai.ProviderFailure;
import dev.parley.ai.TextToSpeech.Speech;
import dev.parley.ai.Usage;
import dev.parley.support.FakeOpenAiSpeech;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("provider")
class OpenAiVoiceTest {
    private static final String KEY = "sk-test-456";
    private static final String HELLO = "Hello there, how can I help you today?";

    private final FakeOpenAiSpeech fake = new FakeOpenAiSpeech();
    private final Usage usage = new Usage();

    @AfterEach
    void stop() {
        fake.close();
    }

    private OpenAiVoice voice(Optional<String> key, Duration stall) {
        return new OpenAiVoice(new Endpoint("openai", fake.baseUrl(), key), "alloy", "gpt-4o-mini-tts", usage, stall);
    }

    @Test
    void speaksTheStreamedPcmAsTelephoneFramesOfTheSameLengthAndLevel() throws Exception {
        fake.pace(1.0);
        OpenAiVoice voice = voice(Optional.of(KEY), OpenAiVoice.DEFAULT_STALL);
        assertThat(voice.sampleRate()).isEqualTo(24000);
        short[] source = FakeOpenAiSpeech.audioFor(HELLO);
        List<short[]> frames = new ArrayList<>();
        boolean wholeBodySentAtFirstFrame;
        try (Speech speech = voice.synthesize(HELLO)) {
            frames.add(speech.next());
            wholeBodySentAtFirstFrame = fake.request(0, Duration.ofSeconds(1)).outcome().isDone();
            short[] f;
            while ((f = speech.next()) != null) {
                frames.add(f);
            }
        }
        assertThat(wholeBodySentAtFirstFrame).as("the first frame came before the whole body was sent").isFalse();
        assertThat(frames).allSatisfy(f -> assertThat(f).hasSize(160));
        int expected = (source.length / 3 + 159) / 160;
        assertThat(frames).as("the source's duration at 8 kHz").hasSize(expected);
        short[] heard = concat(frames);
        double sourceRms = rms(source, 0, source.length);
        double heardRms = rms(heard, 0, source.length / 3);
        // Speech energy is mostly below 3.6 kHz: the low-pass keeps nearly all of it.
        assertThat(heardRms / sourceRms).as("level kept through the low-pass").isBetween(0.8, 1.05);
        assertThat(heardRms).as("speech, not silence").isGreaterThan(500);
    }

    @Test
    void theRequestNamesModelVoiceInputAndPcmWithTheKeyAndCountsCharacters() throws Exception {
        OpenAiVoice voice = voice(Optional.of(KEY), OpenAiVoice.DEFAULT_STALL);
        drain(voice.synthesize(" Good morning. "));
        FakeOpenAiSpeech.Request r = fake.request(0, Duration.ofSeconds(1));
        assertThat(r.path()).isEqualTo("/v1/audio/speech");
        assertThat(r.authorization()).isEqualTo("Bearer " + KEY);
        assertThat(r.body().path("model").asText()).isEqualTo("gpt-4o-mini-tts");
        assertThat(r.body().path("voice").asText()).isEqualTo("alloy");
        assertThat(r.body().path("input").asText()).isEqualTo("Good morning.");
        assertThat(r.body().path("response_format").asText()).isEqualTo("pcm");
        assertThat(usage.snapshot().ttsCharacters()).isEqualTo("Good morning.".length());
    }

    @Test
    void aLocalServerWithoutAKeyThatAnswersWavWorks() throws Exception {
        fake.wav(true);
        OpenAiVoice voice = voice(Optional.empty(), OpenAiVoice.DEFAULT_STALL);
        int frames = drain(voice.synthesize(HELLO));
        assertThat(fake.request(0, Duration.ofSeconds(1)).authorization()).as("no Authorization header at all").isNull();
        assertThat(frames).isEqualTo((FakeOpenAiSpeech.audioFor(HELLO).length / 3 + 159) / 160);
    }

    @Test
    void closingASpeechMidStreamDropsTheResponsePromptly() throws Exception {
        fake.pace(1.0);
        OpenAiVoice voice = voice(Optional.of(KEY), OpenAiVoice.DEFAULT_STALL);
        Speech speech = voice.synthesize(HELLO);
        for (int i = 0; i < 3; i++) {
            assertThat(speech.next()).isNotNull();
        }
        speech.close();
        assertThat(speech.next()).as("nothing after close").isNull();
        assertThat(fake.request(0, Duration.ofSeconds(1)).outcome().get(2, TimeUnit.SECONDS))
                .isEqualTo(FakeOpenAiSpeech.Outcome.ABORTED_BY_CLIENT);
    }

    @Test
    void closingTheVoiceDropsWhatItIsStillStreaming() throws Exception {
        fake.pace(1.0);
        OpenAiVoice voice = voice(Optional.of(KEY), OpenAiVoice.DEFAULT_STALL);
        Speech speech = voice.synthesize(HELLO);
        assertThat(speech.next()).isNotNull();
        voice.close();
        assertThat(fake.request(0, Duration.ofSeconds(1)).outcome().get(2, TimeUnit.SECONDS))
                .isEqualTo(FakeOpenAiSpeech.Outcome.ABORTED_BY_CLIENT);
        assertThat(speech.next()).isNull();
    }

    @Test
    void aRefusedKeyIsNotRetryableAndAServerErrorIs() throws Exception {
        OpenAiVoice voice = voice(Optional.of(KEY), OpenAiVoice.DEFAULT_STALL);
        fake.failWith(401);
        ProviderFailure.Exception refused = catchThrowableOfType(ProviderFailure.Exception.class, () -> drain(voice.synthesize(HELLO)));
        assertThat(refused.failure().retryable()).isFalse();
        assertThat(refused.getMessage()).contains("openai").contains("401")
                .contains("PUT /v1/admin/credentials/openai").doesNotContain(KEY);
        fake.failWith(503);
        ProviderFailure.Exception down = catchThrowableOfType(ProviderFailure.Exception.class, () -> drain(voice.synthesize(HELLO)));
        assertThat(down.failure().retryable()).isTrue();
        assertThat(usage.snapshot().ttsCharacters()).as("nothing was spoken").isZero();
    }

    @Test
    void noAudioWithinTheStallLimitFailsTheSpeech() throws Exception {
        fake.stall(true);
        OpenAiVoice voice = voice(Optional.of(KEY), Duration.ofMillis(300));
        long start = System.nanoTime();
        ProviderFailure.Exception e = catchThrowableOfType(ProviderFailure.Exception.class, () -> drain(voice.synthesize(HELLO)));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.getMessage()).contains("openai stalled");
        assertThat(e.failure().retryable()).isTrue();
        assertThat(ms).isBetween(250L, 2000L);
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

    private static short[] concat(List<short[]> frames) {
        short[] all = new short[frames.size() * 160];
        for (int i = 0; i < frames.size(); i++) {
            System.arraycopy(frames.get(i), 0, all, i * 160, 160);
        }
        return all;
    }

    private static double rms(short[] s, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) s[i] * s[i];
        }
        return Math.sqrt(sum / (to - from));
    }
}
