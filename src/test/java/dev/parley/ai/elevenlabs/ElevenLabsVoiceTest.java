package dev.parley.ai.elevenlabs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.ai.Endpoint;
import dev.parley.ai.ProviderFailure;
import dev.parley.ai.TextToSpeech;
import dev.parley.ai.TextToSpeech.Speech;
import dev.parley.ai.Usage;
import dev.parley.media.G711;
import dev.parley.support.FakeElevenLabs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("provider")
class ElevenLabsVoiceTest {
    private static final String KEY = "xi-test-key-123";
    private static final String HELLO = "Hello there, how can I help you today?";

    private final FakeElevenLabs fake = new FakeElevenLabs();
    private final Usage usage = new Usage();
    private ElevenLabsVoice voice = voice(Duration.ofMillis(2500));

    @AfterEach
    void stop() {
        voice.close();
        fake.close();
    }

    private ElevenLabsVoice voice(Duration stall) {
        return new ElevenLabsVoice(new Endpoint("elevenlabs", fake.baseUrl(), Optional.of(KEY)), "voice-42", "eleven_flash_v2_5", usage, stall);
    }

    @Test
    void speaksTheProvidersAudioAsTelephoneFramesAsItArrives() throws Exception {
        fake.pace(1.0); // real time: the utterance takes seconds to arrive
        byte[] sent = FakeElevenLabs.audioFor(HELLO);
        List<short[]> frames = new ArrayList<>();
        int audioMessagesAtFirstFrame;
        try (Speech speech = voice.synthesize(HELLO)) {
            frames.add(speech.next());
            audioMessagesAtFirstFrame = fake.sessionReceiving(HELLO + " ", Duration.ofSeconds(2)).audioSent();
            short[] f;
            while ((f = speech.next()) != null) {
                frames.add(f);
            }
        }
        int total = (sent.length + 159) / 160;
        assertThat(audioMessagesAtFirstFrame).as("audio messages sent when the first frame came out")
                .isLessThan(total * 160 / 800);
        assertThat(frames).allSatisfy(f -> assertThat(f).hasSize(160));
        assertThat(frames).as("one frame per 20 ms of the provider's audio, the last padded").hasSize(total);
        short[] heard = concat(frames);
        for (int i = 0; i < sent.length; i++) {
            if (heard[i] != G711.decodeUlaw(sent[i])) {
                throw new AssertionError("sample " + i + " differs from the provider's audio");
            }
        }
        assertThat(rms(heard, sent.length)).as("speech, not silence").isGreaterThan(500);
        for (int i = sent.length; i < heard.length; i++) {
            assertThat(heard[i]).as("padding").isZero();
        }
    }

    @Test
    void theRequestNamesVoiceModelFormatAndKeyAndTheTextIsFlushedThenEnded() throws Exception {
        try (Speech speech = voice.synthesize("  Hello there.  ")) {
            while (speech.next() != null) {
                // drained
            }
        }
        FakeElevenLabs.Session s = fake.sessionReceiving("Hello there. ", Duration.ofSeconds(2));
        assertThat(s.voiceId).isEqualTo("voice-42");
        assertThat(s.queryParam("model_id")).isEqualTo("eleven_flash_v2_5");
        assertThat(s.queryParam("output_format")).isEqualTo("ulaw_8000");
        assertThat(s.apiKey).isEqualTo(KEY);
        assertThat(s.messages).hasSize(3);
        assertThat(s.messages.get(0).path("text").asText()).as("initialization").isEqualTo(" ");
        assertThat(s.messages.get(1).path("text").asText()).isEqualTo("Hello there. ");
        assertThat(s.messages.get(1).path("flush").asBoolean()).isTrue();
        assertThat(s.messages.get(2).path("text").asText()).as("end of input").isEmpty();
        assertThat(usage.snapshot().ttsCharacters()).isEqualTo("Hello there.".length());
    }

    @Test
    void wordsComeFromTheAlignmentOnTheUtterancesTimeline() throws Exception {
        fake.chunk(Duration.ofMillis(60)); // words straddle messages
        List<TextToSpeech.Word> words;
        try (Speech speech = voice.synthesize(HELLO)) {
            while (speech.next() != null) {
                // drained
            }
            words = speech.words();
        }
        int audioMs = FakeElevenLabs.audioFor(HELLO).length / 8;
        assertThat(words).extracting(TextToSpeech.Word::text)
                .containsExactly("Hello", "there,", "how", "can", "I", "help", "you", "today?");
        assertThat(words.getFirst().startMs()).isZero();
        for (int i = 1; i < words.size(); i++) {
            assertThat(words.get(i).startMs()).isGreaterThan(words.get(i - 1).endMs() - 1);
        }
        assertThat(words.getLast().endMs()).isBetween(audioMs - 100, audioMs + 10);
    }

    @Test
    void warmingOpensTheSocketAheadAndTheFirstUtteranceUsesIt() throws Exception {
        voice.warm();
        FakeElevenLabs.Session warmed = fake.session(0, Duration.ofSeconds(2));
        assertThat(warmed.texts()).as("open, nothing to say yet").isEmpty();
        try (Speech speech = voice.synthesize("Good morning.")) {
            assertThat(speech.next()).isNotNull();
        }
        assertThat(warmed.texts()).containsExactly("Good morning. ");
        FakeElevenLabs.Session next = fake.session(1, Duration.ofSeconds(2));
        assertThat(next.texts()).as("kept ready for the next utterance").isEmpty();
        try (Speech speech = voice.synthesize("And good night.")) {
            assertThat(speech.next()).isNotNull();
        }
        assertThat(next.texts()).containsExactly("And good night. ");
        FakeElevenLabs.Session ready = fake.session(2, Duration.ofSeconds(2));
        voice.close();
        assertThat(ready.closed().get(2, TimeUnit.SECONDS)).as("closing the voice closes its ready socket").isNotNull();
    }

    @Test
    void closingASpeechMidStreamStopsItPromptlyAndItsLateAudioNeverPlaysInTheNext() throws Exception {
        fake.pace(1.0);
        Speech speech = voice.synthesize(HELLO);
        for (int i = 0; i < 3; i++) {
            assertThat(speech.next()).isNotNull();
        }
        FakeElevenLabs.Session cut = fake.sessionReceiving(HELLO + " ", Duration.ofSeconds(2));
        speech.close();
        assertThat(speech.next()).as("nothing after close").isNull();
        assertThat(cut.closed().get(2, TimeUnit.SECONDS)).as("the provider saw the socket go").isNotNull();
        int sentWhenClosed = cut.audioSent();
        assertThat(sentWhenClosed).isLessThan(FakeElevenLabs.audioFor(HELLO).length / 800);

        fake.pace(0);
        List<short[]> frames = new ArrayList<>();
        try (Speech after = voice.synthesize("Okay.")) {
            short[] f;
            while ((f = after.next()) != null) {
                frames.add(f);
            }
        }
        assertThat(frames).as("only the new utterance's audio").hasSize((FakeElevenLabs.audioFor("Okay.").length + 159) / 160);
    }

    @Test
    void aRefusedKeyIsANonRetryableFailureThatSaysWhereToSetIt() throws Exception {
        fake.refuse(401);
        ProviderFailure.Exception e;
        try (Speech speech = voice.synthesize(HELLO)) {
            e = catchThrowableOfType(ProviderFailure.Exception.class, speech::next);
        }
        assertThat(e).isNotNull();
        assertThat(e.failure().provider()).isEqualTo("elevenlabs");
        assertThat(e.failure().retryable()).isFalse();
        assertThat(e.getMessage()).contains("401").contains("PUT /v1/admin/credentials/elevenlabs").doesNotContain(KEY);
        assertThat(usage.snapshot().ttsCharacters()).as("nothing was spoken").isZero();
    }

    @Test
    void noAudioWithinTheStallLimitFailsTheSpeechAndDropsTheSocket() throws Exception {
        voice.close();
        voice = voice(Duration.ofMillis(300));
        fake.stall(true);
        Speech speech = voice.synthesize(HELLO);
        long start = System.nanoTime();
        ProviderFailure.Exception e = catchThrowableOfType(ProviderFailure.Exception.class, speech::next);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("stalled");
        assertThat(e.failure().retryable()).isTrue();
        assertThat(ms).isBetween(250L, 2000L);
        assertThat(fake.sessionReceiving(HELLO + " ", Duration.ofSeconds(1)).closed().get(2, TimeUnit.SECONDS)).isNotNull();
        speech.close();
    }

    @Test
    void aCloseMidStreamFailsAfterTheAudioThatCameBefore() throws Exception {
        fake.closeAfter(2, 1008, "quota exceeded");
        int frames = 0;
        ProviderFailure.Exception e = null;
        try (Speech speech = voice.synthesize(HELLO)) {
            while (speech.next() != null) {
                frames++;
            }
        } catch (ProviderFailure.Exception thrown) {
            e = thrown;
        }
        assertThat(frames).as("200 ms of audio came first").isEqualTo(10);
        assertThat(e).isNotNull();
        assertThat(e.failure().retryable()).isFalse();
        assertThat(e.getMessage()).contains("1008").contains("quota exceeded");
    }

    private static short[] concat(List<short[]> frames) {
        short[] all = new short[frames.size() * 160];
        for (int i = 0; i < frames.size(); i++) {
            System.arraycopy(frames.get(i), 0, all, i * 160, 160);
        }
        return all;
    }

    private static double rms(short[] s, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) s[i] * s[i];
        }
        return Math.sqrt(sum / n);
    }
}
